"""Commands: /start, /help, /topics, /facts, /source, /lang, /autoanswer, and unknown ones."""

from __future__ import annotations

import logging

from telegram import ChatMember, Message, Update
from telegram.constants import MessageEntityType
from telegram.error import TelegramError

from ...core import KnowledgeBase, render_answer
from .. import conversation, replies
from ..context import FaqContext, chat_of, message_of, user_language, user_of
from ..replies import say
from ..sending import is_group, reply_html, with_retries

log = logging.getLogger(__name__)

ADMIN_STATUSES = (ChatMember.ADMINISTRATOR, ChatMember.OWNER)


def command_argument(message: Message) -> str:
    """What follows "/cmd" or "/cmd@bot", line breaks kept."""
    text = message.text or ""
    command = next((e for e in message.entities if e.type == MessageEntityType.BOT_COMMAND and e.offset == 0), None)
    return text[len(message.parse_entity(command)):].strip() if command else text.partition(" ")[2].strip()


def in_both_languages(kb: KnowledgeBase, key: str) -> str:
    return f"{say(kb, key, 'en')}\n\n{say(kb, key, 'zh')}"


async def start(update: Update, context: FaqContext) -> None:
    """/start: welcome with example questions; /start ENTRY_ID (a t.me/bot?start= link,
    e.g. a QR code at the stand) opens that answer directly."""
    kb = context.kb
    conversation.forget(context, update.effective_user.id if update.effective_user else None)
    lang = user_language(update, context)
    payload = context.args[0] if context.args else ""
    if payload in kb.entries:
        answer = render_answer(kb, payload, lang or "en")
        await reply_html(update, context, replies.split_lines(replies.answer_lines(answer)),
                         replies.related_keyboard(answer))
        return
    # Language unknown (no /lang, app in another language): greet in both.
    text = say(kb, "welcome", lang) if lang else in_both_languages(kb, "welcome")
    await reply_html(update, context, replies.text_messages(text),
                     replies.examples_keyboard(kb, lang or "en"))


async def show_help(update: Update, context: FaqContext) -> None:
    kb = context.kb
    lang = user_language(update, context)
    text = say(kb, "help", lang) if lang else in_both_languages(kb, "help")
    await reply_html(update, context, replies.text_messages(text))


async def show_topics(update: Update, context: FaqContext) -> None:
    kb = context.kb
    lang = user_language(update, context) or "en"
    await reply_html(update, context, replies.text_messages(say(kb, "choose_topic", lang)),
                     replies.topics_keyboard(kb, lang))


async def show_facts(update: Update, context: FaqContext) -> None:
    kb = context.kb
    await reply_html(update, context, replies.facts_card(kb, user_language(update, context) or "en"))


async def show_sources(update: Update, context: FaqContext) -> None:
    kb = context.kb
    await reply_html(update, context, replies.sources_card(kb, user_language(update, context) or "en"))


async def choose_language(update: Update, context: FaqContext) -> None:
    kb = context.kb
    lang = user_language(update, context) or "en"
    await reply_html(update, context, replies.text_messages(say(kb, "lang_prompt", lang)),
                     replies.language_keyboard(kb, lang, context.language_choice))


async def is_chat_admin(update: Update, context: FaqContext) -> bool:
    message, chat, user = message_of(update), chat_of(update), user_of(update)
    if message.sender_chat is not None and message.sender_chat.id == chat.id:
        return True  # an anonymous admin, posting as the group itself
    try:
        member = await with_retries(context, lambda: context.bot.get_chat_member(chat.id, user.id))
    except TelegramError as error:
        log.warning("could not check admin rights in chat %s: %s", chat.id, error)
        return False
    return member.status in ADMIN_STATUSES


async def set_auto_answer(update: Update, context: FaqContext) -> None:
    """/autoanswer on|off: group admins let the bot answer unaddressed questions it is sure of."""
    kb = context.kb
    lang = user_language(update, context) or "en"
    if not is_group(update.effective_chat):
        await reply_html(update, context, replies.text_messages(say(kb, "auto_groups_only", lang)))
        return
    wanted = command_argument(message_of(update)).lower()
    current = context.auto_answer
    if wanted not in ("on", "off"):
        state = say(kb, "state_on" if current else "state_off", lang)
        await reply_html(update, context, replies.text_messages(say(kb, "auto_usage", lang, state=state)))
        return
    if not await is_chat_admin(update, context):
        await reply_html(update, context, replies.text_messages(say(kb, "auto_admins_only", lang)))
        return
    context.auto_answer = wanted == "on"
    lines = [say(kb, "auto_on" if wanted == "on" else "auto_off", lang)]
    if wanted == "on" and not context.bot.can_read_all_group_messages:
        lines.append(say(kb, "auto_privacy", lang))
    await reply_html(update, context, replies.text_messages("\n\n".join(lines)))


async def unknown_command(update: Update, context: FaqContext) -> None:
    """A private /command the bot doesn't have: say so and show the help."""
    kb = context.kb
    lang = user_language(update, context) or "en"
    text = f"{say(kb, 'unknown_command', lang)}\n{say(kb, 'help', lang)}"
    await reply_html(update, context, replies.text_messages(text))


async def private_non_text(update: Update, context: FaqContext) -> None:
    """A sticker, photo, voice note ... in a private chat: ask for a typed question."""
    kb = context.kb
    lang = user_language(update, context) or "en"
    await reply_html(update, context, replies.text_messages(say(kb, "empty", lang)))

