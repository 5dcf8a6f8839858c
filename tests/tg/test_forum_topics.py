"""Forum groups: a repeated answer is merged within a topic, never across topics (issue 14,
point 6). Through the real Telegram stack against the local Bot API server."""

from __future__ import annotations

import pytest

from telegram_harness import IGNORE_PTB_WARNINGS, assert_clean, running_bot

pytestmark = pytest.mark.filterwarnings(IGNORE_PTB_WARNINGS)
FAIR, TRAVEL = 11, 22  # message_thread_id of two forum topics


async def test_the_same_question_in_two_topics_is_answered_in_each():
    async with running_bot() as bot:
        alice = bot.api.add_user("Alice", language_code="en")
        bob = bot.api.add_user("Bob", language_code="en")
        forum = bot.api.add_group("Fair forum", members=[alice, bob], forum=True)
        question = "/ask What was Chongqing's GDP in 2013?"

        first = bot.api.user_sends(alice, forum, question, thread_id=FAIR)
        (in_fair,) = await bot.reply_to(first)
        second = bot.api.user_sends(bob, forum, question, thread_id=TRAVEL)
        (in_travel,) = await bot.reply_to(second)
        assert in_fair.message["message_thread_id"] == FAIR and in_travel.message["message_thread_id"] == TRAVEL
        assert in_fair.text == in_travel.text

        # within one topic, a repeat moments later is still merged
        again = bot.api.user_sends(bob, forum, question, thread_id=FAIR)
        await bot.settle()
        assert bot.replies_to(again) == []
        assert len(bot.api.bot_messages(forum)) == 2
        assert_clean(bot)
