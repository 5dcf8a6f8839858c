"""Inline mode: @bot QUESTION in any chat."""

from __future__ import annotations

import pytest

from bot.core import ask, render_answer
from bot.localapi import parse_html
from telegram_harness import (
    AMBIGUOUS_CANDIDATES,
    DECLINED_CANDIDATES,
    IGNORE_PTB_WARNINGS,
    assert_clean,
    find_question,
    running_bot,
)

pytestmark = pytest.mark.filterwarnings(IGNORE_PTB_WARNINGS)


async def inline_answer(bot, user, query: str, chat_type: str = "sender") -> dict:
    query_id = bot.api.user_inline_query(user, query, chat_type=chat_type)
    return await bot.api.wait_for(lambda: bot.api.inline_answers.get(query_id))


async def test_inline_query_offers_the_answer_and_close_candidates():
    async with running_bot() as bot:
        alice = bot.api.add_user("Alice", language_code="en")
        answer = await inline_answer(bot, alice, "How much did Chongqing export to the US?")
        results = answer["results"]
        assert 1 <= len(results) <= 5 and results[0]["id"] == "exports-to-us-2013"
        expected = render_answer(bot.kb, "exports-to-us-2013", "en")
        first = results[0]
        assert first["type"] == "article" and first["title"] == expected.title
        assert expected.body.startswith(first["description"].rstrip("…")) and len(first["description"]) <= 120
        content = first["input_message_content"]
        assert content["parse_mode"] == "HTML"
        text, entities = parse_html(content["message_text"])
        assert expected.source in text and any(e["type"] == "bold" for e in entities)
        threshold = bot.kb.settings["threshold"]
        reply = ask(bot.kb, "How much did Chongqing export to the US?")
        others = [c.entry_id for c in reply.match.candidates if c.score >= threshold and c.entry_id != first["id"]]
        assert [r["id"] for r in results[1:]] == others[:4]
        # The question's language decides, not the app's: results can be shared
        assert answer["cache_time"] == 30 and answer["is_personal"] is False
        assert_clean(bot)


async def test_inline_query_language_and_caching_without_a_user_language():
    async with running_bot() as bot:
        wang = bot.api.add_user("王")
        answer = await inline_answer(bot, wang, "重庆对美国出口多少？", chat_type="supergroup")
        first = answer["results"][0]
        assert first["title"] == bot.kb.entries["exports-to-us-2013"].title("zh")
        assert "来源" in first["input_message_content"]["message_text"]
        assert answer["is_personal"] is False  # the query alone decides: results can be shared
        assert_clean(bot)


async def test_empty_ambiguous_and_declined_inline_queries():
    async with running_bot() as bot:
        alice = bot.api.add_user("Alice", language_code="en")
        empty = await inline_answer(bot, alice, "")
        assert [r["id"] for r in empty["results"]] == [str(e) for e in bot.kb.settings["start_examples"]][:5]

        unsure = find_question(bot.kb, "ambiguous", AMBIGUOUS_CANDIDATES)
        offered = await inline_answer(bot, alice, unsure)
        options = [entry_id for entry_id, _ in ask(bot.kb, unsure, lang="en").options]
        assert [r["id"] for r in offered["results"]] == options[:5]

        declined = await inline_answer(bot, alice, find_question(bot.kb, "declined", DECLINED_CANDIDATES))
        (explanation,) = declined["results"]
        assert explanation["id"] == "no-answer" and explanation["title"] == "No answer found"
        assert bot.kb.topics[0].name.en in explanation["input_message_content"]["message_text"]
        assert_clean(bot)


async def test_inline_results_can_be_posted():
    async with running_bot() as bot:
        alice = bot.api.add_user("Alice", language_code="en")
        query_id = bot.api.user_inline_query(alice, "GDP")
        await bot.api.wait_for(lambda: query_id in bot.api.inline_answers)
        result_id = bot.api.inline_answers[query_id]["results"][0]["id"]
        posted = bot.api.user_chooses_inline_result(alice, query_id, result_id)  # into some other chat
        assert posted is None  # outside the simulation, but the server accepted the content
        await bot.settle(0.1)
        assert_clean(bot)
