"""Buttons: related questions, "did you mean" choices, the /topics browser, /lang.

What each button carries is callbacks.py's; a button out of date (an entry removed by a
reload, a deleted message) gets a short notice, never an error.
"""

from __future__ import annotations

import logging
from dataclasses import astuple, dataclass

from telegram import MaybeInaccessibleMessage, Update
from telegram.error import TelegramError

from ...core import KnowledgeBase, render_answer
from .. import replies
from ..callbacks import pressed
from ..context import FaqContext, query_of, user_language
from ..replies import say
from ..sending import edit_into, is_group, post_reply, thread_of

log = logging.getLogger(__name__)


async def answer_button(update: Update, context: FaqContext, text: str | None = None) -> None:
    """Acknowledge a button press (Telegram shows a spinner until then); never fails."""
    try:
        await query_of(update).answer(text)
    except TelegramError as error:  # too old, already answered: nothing the user can see
        log.info("could not answer callback query: %s", error)


@dataclass(frozen=True)
class PressedAnswer:
    """An answer button that is still good: the knowledge base read once, the entry, and the
    message the button is under."""

    kb: KnowledgeBase
    lang: str
    entry_id: str
    message: MaybeInaccessibleMessage


async def pressed_answer(update: Update, context: FaqContext) -> PressedAnswer | None:
    """The pressed answer button; None, after telling the presser, when it is out of date
    (an entry removed by a reload, a deleted message)."""
    kb, button, message = context.kb, pressed(context.match), query_of(update).message
    if button.ident not in kb.entries or message is None:
        await answer_button(update, context, say(kb, "outdated", button.lang))
        return None
    return PressedAnswer(kb, button.lang, button.ident, message)


async def related_pressed(update: Update, context: FaqContext) -> None:
    """A related question or /start example: its answer as a new message, replying to the
    pressed one. In a group it counts like any answer (rate limit, merging)."""
    button = await pressed_answer(update, context)
    if button is None:
        return
    kb, lang, entry_id, chat = button.kb, button.lang, button.entry_id, button.message.chat
    thread = thread_of(button.message)
    if is_group(chat) and context.recent.is_recent(chat.id, entry_id, lang, thread):
        # The cheap way to tell the presser: a notice only they see, no group message.
        await answer_button(update, context, say(kb, "answered_above", lang))
        return
    await answer_button(update, context)
    answer = render_answer(kb, entry_id, lang)
    await post_reply(context, chat, replies.split_lines(replies.answer_lines(answer)),
                     replies.related_keyboard(answer), entry=entry_id, lang=lang,
                     reply_to=button.message.message_id, thread_id=thread)


async def choice_pressed(update: Update, context: FaqContext) -> None:
    """A "did you mean" option: the question message becomes that answer (anyone may press)."""
    button = await pressed_answer(update, context)
    if button is None:
        return
    message = button.message
    await answer_button(update, context)
    answer = render_answer(button.kb, button.entry_id, button.lang)
    await edit_into(context, message, replies.split_lines(replies.answer_lines(answer)),
                    replies.related_keyboard(answer))
    if is_group(message.chat):
        context.recent.posted(message.chat.id, button.entry_id, button.lang, message.message_id, thread_of(message))


async def topic_pressed(update: Update, context: FaqContext) -> None:
    """/topics browser: a topic's questions, in place."""
    query = query_of(update)
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
    query = query_of(update)
    kb = context.kb
    lang = pressed(context.match).lang
    await answer_button(update, context)
    if query.message is not None:
        await edit_into(context, query.message, replies.text_messages(say(kb, "choose_topic", lang)),
                        replies.topics_keyboard(kb, lang))


async def browsed_entry_pressed(update: Update, context: FaqContext) -> None:
    """/topics browser: an answer, in place, with its related questions and "back"."""
    button = await pressed_answer(update, context)
    if button is None:
        return
    await answer_button(update, context)
    answer = render_answer(button.kb, button.entry_id, button.lang)
    await edit_into(context, button.message, replies.split_lines(replies.answer_lines(answer)),
                    replies.browsed_answer_keyboard(button.kb, answer))


async def language_pressed(update: Update, context: FaqContext) -> None:
    """/lang buttons: remember the user's choice (persisted with a state file)."""
    query = query_of(update)
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

