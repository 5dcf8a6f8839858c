"""What a question means, through the real Application and the local Bot API server: the
other direction of a flow, a year the brief lacks (with a button for the year it has), a
figure derived on demand, and a false premise corrected."""

from __future__ import annotations

import pytest

from bot.core import render_answer
from bot.core.render import fact_value
from telegram_harness import IGNORE_PTB_WARNINGS, assert_clean, running_bot

pytestmark = pytest.mark.filterwarnings(IGNORE_PTB_WARNINGS)


async def test_meaning_in_a_private_chat():
    async with running_bot() as bot:
        alice = bot.api.add_user("Alice", language_code="en")
        chat = bot.api.private_chat(alice)
        kb = bot.kb

        # the other direction: US exports to Chongqing are Chongqing's imports from the US
        (answer,) = await bot.reply_to(bot.api.user_sends(alice, chat, "How much did the US export to Chongqing?"))
        assert fact_value(kb.facts["us_imports_2013"], "en") in answer.text
        assert fact_value(kb.facts["us_exports_2013"], "en") not in answer.text

        # a year the brief has no figure for: declined, naming the year it has, with a button for it
        (decline,) = await bot.reply_to(bot.api.user_sends(alice, chat, "What was Chongqing's GDP in 2014?"))
        assert "2014" in decline.text and "2013" in decline.text
        assert decline.callback_data == ["d:en:gdp-2013"]
        bot.api.user_presses(alice, decline, "d:en:gdp-2013")
        gdp = render_answer(kb, "gdp-2013", "en")
        await bot.api.wait_for(lambda: decline.text.startswith(gdp.title))

        # derived on demand, said to be derived
        (share,) = await bot.reply_to(bot.api.user_sends(alice, chat, "What share of Chongqing's US trade is imports?"))
        assert "14.8%" in share.text and kb.message("derived", "en") in share.text

        # a false premise is corrected with the right figure
        false_premise = "Is Chongqing's trade with the US USD 68.7 billion?"
        (corrected,) = await bot.reply_to(bot.api.user_sends(alice, chat, false_premise))
        assert kb.message("premise_wrong", "en") in corrected.text
        assert fact_value(kb.facts["us_trade_2013"], "en") in corrected.text
        assert_clean(bot)


async def test_meaning_in_chinese_in_a_group():
    async with running_bot() as bot:
        wang = bot.api.add_user("王")
        group = bot.api.add_group("渝洽会", members=[wang])
        (answer,) = await bot.reply_to(bot.api.user_sends(wang, group, "/ask 美国对重庆出口多少"))
        assert fact_value(bot.kb.facts["us_imports_2013"], "zh") in answer.text  # 15.8亿美元
        (decline,) = await bot.reply_to(bot.api.user_sends(wang, group, "/ask 福特在重庆投资了多少"))
        assert "福特" in decline.text and decline.text.count("美元") == 1
        assert_clean(bot)
