"""Questions: private messages, group messages that mention or reply to the bot, /ask.

Who asked, where, and whether the bot was addressed is decided here; what to answer is
the core's job (`ask`), and how it looks is `replies`'s. Each handler reads the knowledge
base once (`context.kb`: a reload may swap it while the handler runs) and passes it along.
"""

from __future__ import annotations

import logging
import re

from telegram import Message, Update
from telegram.constants import MessageEntityType

from ...core import ANSWERED, KnowledgeBase, Reply
from ...core.followup import ask_in_context
from ...services.recording import sure_score
from .. import conversation, replies
from ..context import FaqContext, answer_language, chat_of, message_of, user_language
from ..journal import scrub
from ..replies import say, setting_number
from ..sending import post_reply, reply_html, thread_of
from .commands import command_argument

log = logging.getLogger(__name__)


def record_question(context: FaqContext, reply: Reply, chat_type: str) -> None:
    """Hand every question the bot answered or declined to the knowledge side, if it listens.

    `LiveKnowledge.record` keeps unanswered questions and answer counts when a question
    database is configured (see bot/services/store.py); it writes off the event loop. A failure
    there must never cost the user the answer.
    """
    try:
        context.live.record(reply, chat_type)
    except Exception:  # noqa: BLE001 - logged, and the answer still goes out
        log.exception("recording a question failed")


def auto_answer_threshold(kb: KnowledgeBase) -> float:
    """How sure the bot must be to answer a message nobody addressed to it: the score from
    which an answer counts as confident (one bar, kept by the recorder)."""
    return sure_score(kb)


async def answer_question(update: Update, context: FaqContext, question: str,
                          *, addressed: bool = True) -> None:
    """Ask the core and post the reply: the one place questions are answered.

    `addressed` is False for group messages seen only because auto answer is on: then the
    bot speaks only when it is sure, and never declines or asks "did you mean".
    """
    message, chat = message_of(update), chat_of(update)
    kb = context.kb
    minutes = setting_number(kb, "follow_up_minutes")
    # "and imports?" follows the user's last question (or, in a group, the one replied to);
    # a message nobody addressed to the bot is read alone
    previous = conversation.previous_turn(context, message, minutes) if addressed else None
    reply, turn = ask_in_context(kb, scrub(question), previous, lang=answer_language(context))  # webhook text is raw
    if not addressed and not (reply.match.status == ANSWERED and reply.match.score >= auto_answer_threshold(kb)):
        return
    record_question(context, reply, chat.type)
    sent = await post_reply(context, chat, replies.reply_messages(reply), replies.reply_keyboard(reply),
                            entry=merge_key(reply), lang=reply.lang,
                            reply_to=message.message_id, thread_id=thread_of(message))
    conversation.remember(context, message, turn, minutes, [answer.message_id for answer in sent])


def merge_key(reply: Reply) -> str | None:
    """What a group's repeated answers are merged by: the entry answered, or the figure a
    follow-up's answer was written from ("and imports?" asked twice)."""
    if not reply.answered:
        return None
    return reply.match.entry_id or (f"figure:{reply.match.fact}" if reply.match.fact else None)


def is_our_echo(message: Message, context: FaqContext) -> bool:
    """A message a user posted through our inline mode: it is our own answer, not a question."""
    return message.via_bot is not None and message.via_bot.id == context.bot.id


async def private_question(update: Update, context: FaqContext) -> None:
    """Private chat: any text is a question."""
    message = message_of(update)
    if is_our_echo(message, context):
        return
    await answer_question(update, context, message.text or "")


def mention_removed(message: Message, username: str) -> str | None:
    """The text without "@our_bot" if the message mentions the bot, else None."""
    wanted = f"@{username}".lower()
    mentions = message.parse_entities([MessageEntityType.MENTION]).values()
    if wanted not in (text.lower() for text in mentions):
        return None
    return " ".join(re.sub(rf"@{re.escape(username)}\b", " ", message.text or "", flags=re.IGNORECASE).split())


def replies_to_us(message: Message, context: FaqContext) -> bool:
    original = message.reply_to_message
    return bool(original and original.from_user and original.from_user.id == context.bot.id)


async def group_message(update: Update, context: FaqContext) -> None:
    """Group text that is not a command: answer it if it mentions the bot or replies to it;
    otherwise only with auto answer on, and only when sure. Everything else is chat
    between people and none of the bot's business."""
    message = message_of(update)
    if is_our_echo(message, context) or message.is_automatic_forward:
        return
    text = message.text or ""  # registered for text messages only
    question = mention_removed(message, context.bot.username)
    if question is not None or replies_to_us(message, context):
        await answer_question(update, context, question if question is not None else text)
    elif context.auto_answer:
        await answer_question(update, context, text, addressed=False)


async def ask_command(update: Update, context: FaqContext) -> None:
    """/ask QUESTION (also /ask@bot QUESTION): how groups ask without mentioning the bot."""
    question = command_argument(message_of(update))
    if not question:
        lang = user_language(update, context) or "en"
        await reply_html(update, context, replies.text_messages(say(context.kb, "ask_usage", lang)))
        return
    await answer_question(update, context, question)

