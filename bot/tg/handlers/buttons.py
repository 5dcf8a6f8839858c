"""Buttons: related questions, "did you mean" choices, the /topics browser, /lang.

What each button carries is callbacks.py's; a button out of date (an entry removed by a
reload, a deleted message) gets a short notice, never an error.
"""

from __future__ import annotations

import logging
from dataclasses import astuple

from telegram import Update
from telegram.error import TelegramError

from ...core import KnowledgeBase, render_answer
from .. import replies
from ..callbacks import pressed
from ..context import FaqContext, user_language
from ..replies import say
from ..sending import edit_into, is_group, post_reply, thread_of

log = logging.getLogger(__name__)


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
    heading = [replies.Line(topic.name.get(lang), "b"), replies.Line(say(kb, "choose_question", lang))]
    texts = replies.split_lines(heading)
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

