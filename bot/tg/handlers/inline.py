"""Inline mode: @bot QUESTION in any chat."""

from __future__ import annotations

import logging

from telegram import InlineQueryResultArticle, InputTextMessageContent, Update
from telegram.error import BadRequest

from ...core import ANSWERED, KnowledgeBase, ask, render_answer
from .. import replies
from ..context import FaqContext, answer_language, user_language
from ..journal import scrub
from ..replies import say, setting_ids, setting_number

log = logging.getLogger(__name__)

INLINE_RESULTS = 5
INLINE_CACHE_SECONDS = 30


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
    if query is None:  # registered for inline queries only
        return
    kb = context.kb
    text = scrub(query.query).strip()
    lang = answer_language(context) if text else user_language(update, context)
    if not text:
        ids = [i for i in setting_ids(kb, "start_examples") if i in kb.entries]
        results = [inline_article(kb, entry_id, lang or "en") for entry_id in ids[:INLINE_RESULTS]]
    else:
        reply = ask(kb, text, lang=lang)
        threshold = setting_number(kb, "threshold", 30)
        best = reply.match.entry_id
        if reply.match.status == ANSWERED and best is not None:
            ids = [best] + [c.entry_id for c in reply.match.candidates if c.score >= threshold and c.entry_id != best]
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

