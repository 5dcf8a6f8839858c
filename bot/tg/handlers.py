"""Telegram handlers: one small async function per kind of update.

Who asked, where, and whether the bot was addressed is decided here; what to answer is
the core's job (`ask`), and how it looks is `replies`'s. Each handler reads the knowledge
base once (`live.kb` may be swapped by a reload while it runs) and passes it along.
"""

from __future__ import annotations

import logging
import re
from dataclasses import astuple

from telegram import (
    ChatMember,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Message,
    Update,
)
from telegram.constants import MessageEntityType
from telegram.error import BadRequest, Forbidden, TelegramError

from ..core import ANSWERED, KnowledgeBase, Reply, ask, render_answer
from ..core.followup import ask_in_context
from . import conversation, replies
from .callbacks import pressed
from .context import FaqContext
from .durable import current_handling, scrub
from .replies import say
from .sending import edit_into, is_group, post_reply, reply_html, thread_of, with_retries

log = logging.getLogger(__name__)

INLINE_RESULTS = 5
INLINE_CACHE_SECONDS = 30
ADMIN_STATUSES = (ChatMember.ADMINISTRATOR, ChatMember.OWNER)


# --- what handlers share -------------------------------------------------------------------


def record_question(context: FaqContext, reply: Reply, chat_type: str) -> None:
    """Hand every question the bot answered or declined to the knowledge side, if it listens.

    `LiveKnowledge.record` keeps unanswered questions and answer counts when a question
    database is configured (see bot/store.py); it writes off the event loop. A failure
    there must never cost the user the answer.
    """
    try:
        context.live.record(reply, chat_type)
    except Exception:  # noqa: BLE001 - logged, and the answer still goes out
        log.exception("recording a question failed")


def auto_answer_threshold(kb: KnowledgeBase) -> float:
    """How sure the bot must be to answer a message nobody addressed to it."""
    configured = kb.settings.get("auto_answer_threshold")
    if configured is not None:
        return float(configured)
    return min(float(kb.settings.get("threshold", 30)) + 20, 90.0)


# --- language ----------------------------------------------------------------------------


def answer_language(context: FaqContext) -> str | None:
    """The language to answer a question in: the /lang choice, else None, which means the
    language the question is written in. The app language does not count here: people at a
    fair often keep their phone in English and ask in Chinese."""
    choice = context.language_choice
    return choice if choice in ("en", "zh") else None


def user_language(update: Update, context: FaqContext) -> str | None:
    """The language for what has no language of its own (/start, /help, menus, buttons),
    or None when unknown.

    The /lang choice first; then the language of the user's Telegram app (zh-hans, zh-hant,
    en-gb ...). "Auto" in /lang means: the question's language, so here unknown.
    """
    choice = context.language_choice
    if choice in ("en", "zh"):
        return choice
    if choice == "auto":
        return None
    code = ((update.effective_user and update.effective_user.language_code) or "").lower()
    if code.startswith("zh"):
        return "zh"
    if code.startswith("en"):
        return "en"
    return None


# --- questions ---------------------------------------------------------------------------


async def answer_question(update: Update, context: FaqContext, question: str,
                          *, addressed: bool = True) -> None:
    """Ask the core and post the reply: the one place questions are answered.

    `addressed` is False for group messages seen only because auto answer is on: then the
    bot speaks only when it is sure, and never declines or asks "did you mean".
    """
    message, chat = update.effective_message, update.effective_chat
    kb = context.kb
    minutes = float(kb.settings["follow_up_minutes"])
    # "and imports?" follows the user's last question (or, in a group, the one replied to);
    # a message nobody addressed to the bot is read alone
    previous = conversation.previous_turn(context, message, minutes) if addressed else None
    reply, turn = ask_in_context(kb, scrub(question), previous, lang=answer_language(context))  # webhook text is raw
    if not addressed and not (reply.match.status == ANSWERED and reply.match.score >= auto_answer_threshold(kb)):
        return
    record_question(context, reply, chat.type)
    sent = await post_reply(context, chat, replies.reply_messages(reply), replies.reply_keyboard(reply),
                            entry=reply.match.entry_id if reply.answered else None, lang=reply.lang,
                            reply_to=message.message_id, thread_id=thread_of(message))
    conversation.remember(context, message, turn, minutes, [answer.message_id for answer in sent])


def is_our_echo(message: Message, context: FaqContext) -> bool:
    """A message a user posted through our inline mode: it is our own answer, not a question."""
    return message.via_bot is not None and message.via_bot.id == context.bot.id


async def private_question(update: Update, context: FaqContext) -> None:
    """Private chat: any text is a question."""
    message = update.effective_message
    if is_our_echo(message, context):
        return
    await answer_question(update, context, message.text)


def mention_removed(message: Message, username: str) -> str | None:
    """The text without "@our_bot" if the message mentions the bot, else None."""
    wanted = f"@{username}".lower()
    mentions = message.parse_entities([MessageEntityType.MENTION]).values()
    if wanted not in (text.lower() for text in mentions):
        return None
    return " ".join(re.sub(rf"@{re.escape(username)}\b", " ", message.text, flags=re.IGNORECASE).split())


def replies_to_us(message: Message, context: FaqContext) -> bool:
    original = message.reply_to_message
    return bool(original and original.from_user and original.from_user.id == context.bot.id)


async def group_message(update: Update, context: FaqContext) -> None:
    """Group text that is not a command: answer it if it mentions the bot or replies to it;
    otherwise only with auto answer on, and only when sure. Everything else is chat
    between people and none of the bot's business."""
    message = update.effective_message
    if is_our_echo(message, context) or message.is_automatic_forward:
        return
    question = mention_removed(message, context.bot.username)
    if question is not None or replies_to_us(message, context):
        await answer_question(update, context, question if question is not None else message.text)
    elif context.auto_answer:
        await answer_question(update, context, message.text, addressed=False)


def command_argument(message: Message) -> str:
    """What follows "/cmd" or "/cmd@bot", line breaks kept."""
    text = message.text or ""
    command = next((e for e in message.entities if e.type == MessageEntityType.BOT_COMMAND and e.offset == 0), None)
    return text[len(message.parse_entity(command)):].strip() if command else text.partition(" ")[2].strip()


async def ask_command(update: Update, context: FaqContext) -> None:
    """/ask QUESTION (also /ask@bot QUESTION): how groups ask without mentioning the bot."""
    question = command_argument(update.effective_message)
    if not question:
        lang = user_language(update, context) or "en"
        await reply_html(update, context, replies.text_messages(say(context.kb, "ask_usage", lang)))
        return
    await answer_question(update, context, question)


# --- commands ----------------------------------------------------------------------------


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
    message, chat = update.effective_message, update.effective_chat
    if message.sender_chat is not None and message.sender_chat.id == chat.id:
        return True  # an anonymous admin, posting as the group itself
    try:
        member = await with_retries(context, lambda: context.bot.get_chat_member(chat.id, update.effective_user.id))
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
    wanted = command_argument(update.effective_message).lower()
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


# --- buttons -----------------------------------------------------------------------------


async def answer_button(update: Update, context: FaqContext, text: str | None = None) -> None:
    """Acknowledge a button press (Telegram shows a spinner until then); never fails."""
    try:
        await update.callback_query.answer(text)
    except TelegramError as error:  # too old, already answered: nothing the user can see
        log.info("could not answer callback query: %s", error)


def pressed_entry(context: FaqContext) -> tuple[KnowledgeBase, str, str | None]:
    kb = context.kb
    lang, ident = astuple(pressed(context.match))
    return kb, lang, ident if ident in kb.entries else None


async def pressed_answer(update: Update, context: FaqContext):
    """(kb, lang, entry id) of a pressed answer button; None, after telling the presser,
    when the button is out of date (an entry removed by a reload, a deleted message)."""
    kb, lang, entry_id = pressed_entry(context)
    if entry_id is None or update.callback_query.message is None:
        await answer_button(update, context, say(kb, "outdated", lang))
        return None
    return kb, lang, entry_id


async def related_pressed(update: Update, context: FaqContext) -> None:
    """A related question or /start example: its answer as a new message, replying to the
    pressed one. In a group it counts like any answer (rate limit, merging)."""
    query = update.callback_query
    pressed = await pressed_answer(update, context)
    if pressed is None:
        return
    kb, lang, entry_id = pressed
    chat = query.message.chat
    thread = thread_of(query.message)
    if is_group(chat) and context.recent.is_recent(chat.id, entry_id, lang, thread):
        # The cheap way to tell the presser: a notice only they see, no group message.
        await answer_button(update, context, say(kb, "answered_above", lang))
        return
    await answer_button(update, context)
    answer = render_answer(kb, entry_id, lang)
    await post_reply(context, chat, replies.split_lines(replies.answer_lines(answer)),
                     replies.related_keyboard(answer), entry=entry_id, lang=lang,
                     reply_to=query.message.message_id, thread_id=thread)


async def choice_pressed(update: Update, context: FaqContext) -> None:
    """A "did you mean" option: the question message becomes that answer (anyone may press)."""
    query = update.callback_query
    pressed = await pressed_answer(update, context)
    if pressed is None:
        return
    kb, lang, entry_id = pressed
    await answer_button(update, context)
    answer = render_answer(kb, entry_id, lang)
    await edit_into(context, query.message, replies.split_lines(replies.answer_lines(answer)),
                    replies.related_keyboard(answer))
    if is_group(query.message.chat):
        context.recent.posted(query.message.chat.id, entry_id, lang, query.message.message_id,
                                       thread_of(query.message))


async def topic_pressed(update: Update, context: FaqContext) -> None:
    """/topics browser: a topic's questions, in place."""
    query = update.callback_query
    kb = context.kb
    lang, topic_id = astuple(pressed(context.match))
    topic = next((t for t in kb.topics if t.id == topic_id), None)
    if topic is None or query.message is None:
        await answer_button(update, context, say(kb, "outdated", lang))
        return
    await answer_button(update, context)
    texts = replies.split_lines([replies.Line(topic.name.get(lang), "b"), replies.Line(say(kb, "choose_question", lang))])
    await edit_into(context, query.message, texts, replies.topic_keyboard(kb, topic.id, lang))


async def topic_list_pressed(update: Update, context: FaqContext) -> None:
    """/topics browser: back to the list of topics."""
    query = update.callback_query
    kb = context.kb
    lang = pressed(context.match).lang
    await answer_button(update, context)
    if query.message is not None:
        await edit_into(context, query.message, replies.text_messages(say(kb, "choose_topic", lang)),
                        replies.topics_keyboard(kb, lang))


async def browsed_entry_pressed(update: Update, context: FaqContext) -> None:
    """/topics browser: an answer, in place, with its related questions and "back"."""
    query = update.callback_query
    pressed = await pressed_answer(update, context)
    if pressed is None:
        return
    kb, lang, entry_id = pressed
    await answer_button(update, context)
    answer = render_answer(kb, entry_id, lang)
    await edit_into(context, query.message, replies.split_lines(replies.answer_lines(answer)),
                    replies.browsed_answer_keyboard(kb, answer))


async def language_pressed(update: Update, context: FaqContext) -> None:
    """/lang buttons: remember the user's choice (persisted with a state file)."""
    query = update.callback_query
    kb = context.kb
    button = pressed(context.match)
    choice = button.ident
    if not context.choose_language(choice):
        await answer_button(update, context)
        return
    lang = choice if choice in ("en", "zh") else button.lang
    await answer_button(update, context)
    if query.message is not None:
        await edit_into(context, query.message, replies.text_messages(say(kb, f"lang_set_{choice}", lang)),
                        replies.language_keyboard(kb, lang, choice))


async def unknown_button(update: Update, context: FaqContext) -> None:
    """A button this version doesn't know (an old message, a game, forged data)."""
    lang = user_language(update, context) or "en"
    await answer_button(update, context, say(context.kb, "outdated", lang))


# --- inline mode -------------------------------------------------------------------------


def inline_article(kb: KnowledgeBase, entry_id: str, lang: str) -> InlineQueryResultArticle:
    answer = render_answer(kb, entry_id, lang)
    text = replies.split_lines(replies.answer_lines(answer))[0]  # one message is all a result can post
    return InlineQueryResultArticle(
        id=f"{entry_id}", title=answer.title, description=replies.first_line(answer),
        input_message_content=InputTextMessageContent(text))


async def inline_query(update: Update, context: FaqContext) -> None:
    """@bot QUESTION in any chat: up to five answers to pick from and post.

    Results are cached by Telegram per query text; they are personal whenever the
    language comes from the user rather than from the query, so one user's language
    doesn't leak into another's results.
    """
    query = update.inline_query
    kb = context.kb
    text = scrub(query.query).strip()
    lang = answer_language(context) if text else user_language(update, context)
    if not text:
        ids = [str(i) for i in kb.settings.get("start_examples", ()) if str(i) in kb.entries]
        results = [inline_article(kb, entry_id, lang or "en") for entry_id in ids[:INLINE_RESULTS]]
    else:
        reply = ask(kb, text, lang=lang)
        threshold = float(kb.settings.get("threshold", 30))
        if reply.match.status == ANSWERED:
            ids = [reply.match.entry_id] + [c.entry_id for c in reply.match.candidates
                                            if c.score >= threshold and c.entry_id != reply.match.entry_id]
        else:
            ids = [entry_id for entry_id, _ in reply.options]
        results = [inline_article(kb, entry_id, reply.lang) for entry_id in dict.fromkeys(ids)][:INLINE_RESULTS]
        if not results:
            explanation = replies.text_messages(reply.text)[0]
            results = [InlineQueryResultArticle(
                id="no-answer", title=say(kb, "inline_nothing", reply.lang),
                description=reply.text.splitlines()[0] if reply.text else None,
                input_message_content=InputTextMessageContent(explanation))]
    try:
        await query.answer(results, cache_time=INLINE_CACHE_SECONDS, is_personal=lang is not None)
    except BadRequest as error:  # the user typed on and the query expired: nobody is waiting
        log.info("inline query not answered: %s", error.message)


# --- errors ------------------------------------------------------------------------------


async def log_error(update: object, context: FaqContext) -> None:
    """The one error handler: log the exception with the update's id and kind.

    Not the update's text: that is the user's, and a poisoned update would repeat it in
    every line. While an update is being handled (see durable.UpdateLanes) the failure is
    noted there, the update is tried again a few times and then skipped; the first failure
    is logged (as a warning) with its traceback; giving up is the error. The token never
    appears: run.py's log filter removes it from every record.
    """
    if isinstance(context.error, Forbidden):  # the user blocked the bot, or it left the group
        log.info("not allowed to answer: %s", context.error)
        return
    handling = current_handling()
    if handling is not None:
        first = handling.tries <= 1 and handling.failed is None
        handling.failed = context.error
        if first:
            log.warning("handling update %s (%s) failed; trying again", handling.update_id, handling.kind,
                        exc_info=context.error)
        else:
            log.warning("handling update %s (%s) failed again (try %d): %s", handling.update_id, handling.kind,
                        handling.tries, context.error)
        return
    what = (f"update {update.update_id} ({_update_kind(update)})" if isinstance(update, Update)
            else type(update).__name__)
    log.error("Exception while handling %s", what, exc_info=context.error)


def _update_kind(update: Update) -> str:
    for kind in ("message", "edited_message", "callback_query", "inline_query", "channel_post",
                 "my_chat_member", "chosen_inline_result"):
        if getattr(update, kind, None) is not None:
            chat = update.effective_chat
            return f"{kind} in a {chat.type} chat" if chat is not None else kind
    return "other"
