"""Sending: Bot API calls with retries, answers split over messages, edits in place.

HTML parse mode and no link previews are the application's `Defaults` (app.py), so no call
here names them. Group answers go through `post_reply`, which merges an answer posted to the
same group moments ago (throttle.RecentAnswers).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from typing import TypeVar

from telegram import Chat, InlineKeyboardMarkup, MaybeInaccessibleMessage, Message, ReplyParameters, Update
from telegram.constants import ChatType
from telegram.error import BadRequest, NetworkError

from .context import FaqContext
from .retry import surely_not_delivered

log = logging.getLogger(__name__)

T = TypeVar("T")
GROUP_TYPES = (ChatType.GROUP, ChatType.SUPERGROUP)


def is_group(chat: Chat | None) -> bool:
    return chat is not None and chat.type in GROUP_TYPES


def thread_of(message: MaybeInaccessibleMessage) -> int | None:
    """Forum topic of a message, so the answer lands in the same topic."""
    return message.message_thread_id if isinstance(message, Message) and message.is_topic_message else None


async def with_retries(context: FaqContext, call: Callable[[], Awaitable[T]]) -> T:
    """Make a Bot API call, retrying network errors and server errors (5xx) a few times.

    429 "retry after" is not handled here: AIORateLimiter waits and retries those. A
    BadRequest is a NetworkError in python-telegram-bot, but sending it again cannot help.
    A call that may have reached Telegram (its answer was lost) is retried once only: the
    Bot API has no idempotency keys, and a rare duplicate is better than a lost answer
    (see retry.py).
    """
    settings = context.settings
    delay, retries, maybe_delivered = settings.retry_backoff, settings.send_retries, False
    while True:
        try:
            return await call()
        except BadRequest:
            raise
        except NetworkError as error:
            safe = surely_not_delivered(error)
            if retries <= 0 or (not safe and maybe_delivered):
                raise
            if safe:
                log.warning("Bot API call failed (%s); retrying in %.1f s", error, delay)
            else:
                maybe_delivered = True
                log.warning("Bot API call may have reached Telegram (%s); retrying once in %.1f s: "
                            "a duplicate is possible", error, delay)
            await asyncio.sleep(delay)
            delay, retries = delay * 2, retries - 1


async def send_messages(
    context: FaqContext,
    chat_id: int,
    texts: Sequence[str],
    keyboard: InlineKeyboardMarkup | None = None,
    *,
    reply_to: int | None = None,
    thread_id: int | None = None,
) -> list[Message]:
    """Send HTML messages in order; only the last carries the keyboard. Each part replies
    to the question, so parts of concurrent answers can't be mistaken for each other."""
    reply = ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to else None
    sent = []
    for number, text in enumerate(texts, 1):
        markup = keyboard if number == len(texts) else None
        send = partial(context.bot.send_message, chat_id, text, reply_markup=markup, reply_parameters=reply,
                       message_thread_id=thread_id, read_timeout=context.settings.send_timeout)
        sent.append(await with_retries(context, send))
    return sent


async def reply_html(update: Update, context: FaqContext, texts: Sequence[str],
                     keyboard: InlineKeyboardMarkup | None = None) -> list[Message]:
    """Answer a command or question. In groups the answer replies to the asking message,
    so the asker sees it was for them; in private chats only answers to questions quote."""
    message = update.effective_message
    assert message is not None  # handlers that reply are registered for messages only
    quote = is_group(update.effective_chat)
    return await send_messages(context, message.chat_id, texts, keyboard,
                               reply_to=message.message_id if quote else None, thread_id=thread_of(message))


async def edit_into(context: FaqContext, message: MaybeInaccessibleMessage, texts: Sequence[str],
                    keyboard: InlineKeyboardMarkup | None) -> None:
    """Turn a bot message into new content (browsing, "did you mean" choices).

    An answer too long for one message continues in new messages, the keyboard on the last.
    If the message can no longer be edited (deleted, too old), the content is sent anew.
    """
    edit = partial(context.bot.edit_message_text, texts[0], chat_id=message.chat.id, message_id=message.message_id,
                   reply_markup=keyboard if len(texts) == 1 else None, read_timeout=context.settings.send_timeout)
    try:
        await with_retries(context, edit)
    except BadRequest as error:
        if "not modified" in error.message.lower():
            return  # pressed twice: it already shows this
        log.info("could not edit message %s (%s); sending instead", message.message_id, error.message)
        await send_messages(context, message.chat.id, texts, keyboard)
        return
    if len(texts) > 1:
        await send_messages(context, message.chat.id, texts[1:], keyboard, reply_to=message.message_id)


async def post_reply(context: FaqContext, chat: Chat, texts: Sequence[str],
                     keyboard: InlineKeyboardMarkup | None, *, entry: str | None, lang: str,
                     reply_to: int | None, thread_id: int | None = None) -> list[Message]:
    """Send an answer, unless the same answer went to this group moments ago (then nothing is
    sent: an empty list); the messages sent.

    Private chats are never merged: there the user asked for it, and it costs no group budget.
    """
    recent = context.recent
    merged = entry if is_group(chat) else None  # the entry, when it is merged
    if merged is not None and not recent.claim(chat.id, merged, lang, thread_id):  # merged per forum topic
        log.info("chat %s: %s (%s) was answered moments ago; not posting it again", chat.id, merged, lang)
        return []
    try:
        sent = await send_messages(context, chat.id, texts, keyboard, reply_to=reply_to, thread_id=thread_id)
    except BaseException:
        if merged is not None:
            recent.release(chat.id, merged, lang, thread_id)
        raise
    if merged is not None:
        recent.posted(chat.id, merged, lang, sent[-1].message_id, thread_id)
    return sent
