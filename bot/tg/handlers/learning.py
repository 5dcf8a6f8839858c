"""Admins teaching the bot from Telegram: the buttons under each group of unanswered
questions (/unanswered), /undo, and /stats.

Each suggestion gets a short token; what it stands for stays here, in `bot_data`, since a
button carries at most 64 bytes (Telegram's limit). The buttons' data: callbacks.py.

The work is bot.maintain.learn's (checked, locked, atomic, in the history); after an
addition or an undo the knowledge is reloaded at once.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections import OrderedDict
from dataclasses import astuple, dataclass
from pathlib import Path

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, MaybeInaccessibleMessage, Update

from ...maintain import learn
from ...maintain.overview import from_store, headline
from ...services.knowledge import LiveKnowledge
from .. import callbacks, replies, sending
from ..context import FaqContext, query_of, suggestions_of, user_of
from .buttons import answer_button, unknown_button

log = logging.getLogger(__name__)

SUGGESTIONS_SHOWN = 5  # messages with buttons after /unanswered (about one a second in a private chat)
PENDING_KEPT = 500  # suggestions whose buttons still work; older ones are refused as out of date
STATS_DAYS = 7


@dataclass
class Pending:
    suggestion: learn.Suggestion
    done: str | None = None  # what became of it, once dealt with


def _pending(context: FaqContext) -> OrderedDict[str, Pending]:
    return suggestions_of(context.bot_data)


def _remember(context: FaqContext, suggestion: learn.Suggestion) -> str:
    table = _pending(context)
    token = secrets.token_urlsafe(6)  # 8 characters
    table[token] = Pending(suggestion)
    while len(table) > PENDING_KEPT:
        table.popitem(last=False)
    return token


def _button(text: str, data: str) -> list[InlineKeyboardButton]:
    return [InlineKeyboardButton(text[:60], callback_data=data)]


def suggestion_keyboard(live: LiveKnowledge, token: str, suggestion: learn.Suggestion) -> InlineKeyboardMarkup:
    rows = []
    closest = live.kb.entries.get(suggestion.closest) if suggestion.closest is not None else None
    if closest is not None:
        title = closest.title(suggestion.lang)
        rows.append(_button(f"Add as a question of “{title}”", callbacks.suggestion(token, "a")))
    rows.append(_button("Add to another entry…", callbacks.suggestion(token, "o")))
    rows.append(_button("Ignore", callbacks.suggestion(token, "i")))
    return InlineKeyboardMarkup(rows)


def topics_keyboard(live: LiveKnowledge, token: str, lang: str) -> InlineKeyboardMarkup:
    rows = [_button(topic.name.get(lang), callbacks.suggestion(token, "t", topic.id)) for topic in live.kb.topics]
    return InlineKeyboardMarkup(rows)


def entries_keyboard(live: LiveKnowledge, token: str, topic_id: str, lang: str) -> InlineKeyboardMarkup | None:
    topic = next((t for t in live.kb.topics if t.id == topic_id), None)
    if topic is None:
        return None
    rows = [_button(live.kb.entries[entry_id].title(lang), callbacks.suggestion(token, "e", entry_id))
            for entry_id in topic.entry_ids]
    return InlineKeyboardMarkup([*rows, _button("« Topics", callbacks.suggestion(token, "o"))])


def suggestion_text(live: LiveKnowledge, suggestion: learn.Suggestion, note: str = "") -> str:
    lines = [replies.Line(f"{suggestion.count}× “{suggestion.example}” ({suggestion.lang})", "b")]
    if len(suggestion.texts) > 1:
        lines.append(replies.Line("also: " + ", ".join(f"“{t}”" for t in suggestion.texts[1:4])))
    if suggestion.closest in live.kb.entries:
        lines.append(replies.Line(f"closest: {suggestion.closest}"))
    if note:
        lines.append(replies.Line(note, "i"))
    return replies.split_lines(lines)[0]


async def send_suggestions(update: Update, context: FaqContext, days: float, top: int) -> None:
    """After the /unanswered report: one message with buttons per group of questions."""
    live = context.live
    if live.store is None:  # nothing recorded, nothing to suggest
        return
    found = await asyncio.to_thread(learn.suggestions, live.store, live.kb, days, min(top, SUGGESTIONS_SHOWN))
    for suggestion in found:
        token = _remember(context, suggestion)
        await sending.reply_html(update, context, [suggestion_text(live, suggestion)],
                                  suggestion_keyboard(live, token, suggestion))


def _is_admin(update: Update, context: FaqContext) -> bool:
    settings = context.settings
    chat = update.effective_chat
    return update.effective_user is not None and update.effective_user.id in settings.admins \
        and chat is not None and chat.type == "private"


async def suggestion_pressed(update: Update, context: FaqContext) -> None:
    """A button under a suggestion."""
    live, message = context.live, query_of(update).message
    if not _is_admin(update, context) or message is None:
        await unknown_button(update, context)  # to anyone else, an unknown button
        return
    token, action, ident = astuple(callbacks.pressed_suggestion(context.match))
    pending, store = _pending(context).get(token), live.store
    if pending is None or store is None:
        await answer_button(update, context, "This suggestion is out of date: send /unanswered again.")
        return
    suggestion = pending.suggestion
    dealt = pending.done or (await asyncio.to_thread(store.reviewed)).get(suggestion.example)
    if dealt:  # by this admin before, or by another one meanwhile
        await answer_button(update, context, f"Already dealt with: {dealt}.")
        await sending.edit_into(context, message, [suggestion_text(live, suggestion, f"Already dealt with: {dealt}.")],
                                 None)
        return
    if action == "o":
        await answer_button(update, context)
        await sending.edit_into(context, message, [suggestion_text(live, suggestion, "Add it to which topic?")],
                                 topics_keyboard(live, token, suggestion.lang))
    elif action == "t":
        keyboard = entries_keyboard(live, token, ident or "", suggestion.lang)
        await answer_button(update, context, None if keyboard else "That topic no longer exists.")
        if keyboard is not None:
            await sending.edit_into(context, message, [suggestion_text(live, suggestion, "Add it to which entry?")],
                                     keyboard)
    elif action == "i":
        await asyncio.to_thread(learn.ignore, store, suggestion)
        pending.done = "ignored"
        await answer_button(update, context, "Ignored.")
        await sending.edit_into(context, message, [suggestion_text(live, suggestion, "Ignored: not suggested again.")],
                                 None)
    else:
        await add_pressed(update, context, message, token, pending, suggestion.closest if action == "a" else ident)


async def add_pressed(update: Update, context: FaqContext, message: MaybeInaccessibleMessage, token: str,
                      pending: Pending, entry_id: str | None) -> None:
    live, suggestion = context.live, pending.suggestion
    if not entry_id:
        await answer_button(update, context, "No entry to add it to.")
        return
    await answer_button(update, context, "Checking…")
    by = str(user_of(update).id)
    outcome = await asyncio.to_thread(learn.add_question, live.directory, entry_id, suggestion.example,
                                      suggestion.lang, by=by, kb=live.kb)
    if not outcome.ok:
        await sending.edit_into(context, message, [suggestion_text(live, suggestion, outcome.message)],
                                 suggestion_keyboard(live, token, suggestion))
        return
    pending.done = f"added to {entry_id}"
    if live.store is not None:
        await asyncio.to_thread(learn.accepted, live.store, suggestion, entry_id)
    problems = await live.reload_async()
    note = outcome.message + (" Reloaded: the bot answers it now. /undo takes it back." if not problems else
                              f" The reload failed: {problems[0]}")
    await sending.edit_into(context, message, [suggestion_text(live, suggestion, note)], None)


async def undo_command(update: Update, context: FaqContext) -> None:
    """/undo: take back the last change made by learning, import or undo."""
    live = context.live
    undone = await asyncio.to_thread(learn.undo_last, Path(live.directory), by=str(user_of(update).id))
    lines = [replies.Line(undone.message, "b" if undone.ok else "")]
    if undone.ok:
        problems = await live.reload_async()
        lines.append(replies.Line("Reloaded." if not problems else f"The reload failed: {problems[0]}"))
    await sending.reply_html(update, context, replies.split_lines(lines))


async def stats_command(update: Update, context: FaqContext) -> None:
    """/stats: the headline figures of the last week, as `faqbot report --html` charts them."""
    live = context.live
    if live.store is None:
        await sending.reply_html(update, context, ["Questions are not being recorded (FAQBOT_DB is off)."])
        return
    await live.flush()  # the answer counts of the last second too
    view = await asyncio.to_thread(from_store, live.store, live.kb, STATS_DAYS)
    lines = headline(view)
    await sending.reply_html(update, context, replies.split_lines(
        [replies.Line(lines[0], "b"), *(replies.Line(line) for line in lines[1:])]))
