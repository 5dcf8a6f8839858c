"""Which earlier question a message follows up ("and imports?"), per conversation.

The core completes a follow-up from a `Turn` (bot/core/followup.py); this module decides
which turn is the conversation's:

- in a private chat, the user's last question;
- in a group, the question the message replies to (the question itself, or the bot's answer
  to it), else the user's own last question: never another user's unless replied to.

A turn expires after `follow_up_minutes` (settings.yaml), on /start, and when a new full
question replaces it. Turns live in `chat_data`, so they survive a restart only where a state
file is configured (FAQBOT_STATE_FILE); they carry no user or chat id of their own and never
go to the question database.
"""

from __future__ import annotations

import time

from telegram import Message
from telegram.ext import ContextTypes

from ..core.followup import Turn

TURNS = "follow_up_turns"  # chat_data: user id -> (time, Turn)
MESSAGES = "follow_up_messages"  # chat_data: message id (question or answer) -> user id whose turn it is
MESSAGES_KEPT = 200  # replies older than this many answered messages start a new conversation


def _expired(at: float, minutes: float, now: float) -> bool:
    return now - at > minutes * 60


def previous_turn(context: ContextTypes.DEFAULT_TYPE, message: Message, minutes: float,
                  now: float | None = None) -> Turn | None:
    """The turn `message` follows, or None (expired, or none)."""
    data = context.chat_data
    if data is None or message.from_user is None:
        return None
    now = time.time() if now is None else now
    turns, owners = data.get(TURNS, {}), data.get(MESSAGES, {})
    original = message.reply_to_message
    owner = owners.get(original.message_id) if original is not None else None
    kept = turns.get(owner if owner is not None else message.from_user.id)
    if kept is None or _expired(kept[0], minutes, now):
        return None
    return kept[1]


def remember(context: ContextTypes.DEFAULT_TYPE, message: Message, turn: Turn | None, minutes: float,
             answer_ids=(), now: float | None = None) -> None:
    """Keep `turn` as the user's last question; a reply to the question or to its answer continues it."""
    data = context.chat_data
    if data is None or message.from_user is None:
        return
    user, now = message.from_user.id, time.time() if now is None else now
    turns, owners = data.setdefault(TURNS, {}), data.setdefault(MESSAGES, {})
    for other in [u for u, (at, _) in turns.items() if _expired(at, minutes, now)]:
        del turns[other]  # a group's many users: what has expired is not kept
    if turn is None:
        turns.pop(user, None)
        return
    turns[user] = (now, turn)
    for message_id in (message.message_id, *answer_ids):
        owners[message_id] = user
    for old in list(owners)[:-MESSAGES_KEPT]:  # insertion order: the oldest first
        del owners[old]


def forget(context: ContextTypes.DEFAULT_TYPE, user_id: int | None) -> None:
    """/start: the user's conversation begins anew."""
    if context.chat_data is not None and user_id is not None:
        context.chat_data.get(TURNS, {}).pop(user_id, None)
