"""Follow-up questions ("and imports?", "那进口呢？") through the real Application and the
local Bot API server: private chats and groups, English and Chinese, expiry, /start, and two
users interleaving in one group without mixing their conversations."""

from __future__ import annotations

import asyncio
import shutil

import pytest

from bot.core.render import fact_value
from bot.services.knowledge import LiveKnowledge
from telegram_harness import IGNORE_PTB_WARNINGS, KNOWLEDGE, assert_clean, running_bot, scaled_settings

pytestmark = pytest.mark.filterwarnings(IGNORE_PTB_WARNINGS)
EXPORTS_EN = "How much did Chongqing export to the US?"
EXPORTS_ZH = "重庆对美国出口多少？"
ENTERPRISES_EN = "How many US-funded enterprises are there in Chongqing?"


def figure(bot, fact_id: str, lang: str) -> str:
    return fact_value(bot.kb.facts[fact_id], lang)


async def ask_in(bot, user, chat, text: str, **sent) -> str:
    question = bot.api.user_sends(user, chat, text, **sent)
    (answer,) = await bot.reply_to(question)
    return answer


async def test_private_follow_ups_in_english_say_what_they_understood():
    async with running_bot() as bot:
        alice = bot.api.add_user("Alice", language_code="en")
        chat = bot.api.private_chat(alice)
        await ask_in(bot, alice, chat, EXPORTS_EN)
        imports = await ask_in(bot, alice, chat, "and imports?")
        assert imports.text.startswith("Imports from the US in 2013: " + figure(bot, "us_imports_2013", "en"))
        when = await ask_in(bot, alice, chat, "when was that?")
        assert "Imports from the US" in when.text and "in 2013" in when.text and "Source:" in when.text
        other_year = await ask_in(bot, alice, chat, "in 2012?")
        # declined, with the closest figure it has
        assert "2012" in other_year.text and figure(bot, "us_imports_2013", "en") in other_year.text
        assert_clean(bot)


async def test_private_follow_ups_in_chinese():
    async with running_bot() as bot:
        wang = bot.api.add_user("王")
        chat = bot.api.private_chat(wang)
        await ask_in(bot, wang, chat, EXPORTS_ZH)
        imports = await ask_in(bot, wang, chat, "那进口呢？")
        assert imports.text.startswith("2013年自美进口：" + figure(bot, "us_imports_2013", "zh"))
        dated = await ask_in(bot, wang, chat, "这个数据是哪年的？")
        assert "2013年" in dated.text and "来源" in dated.text
        await ask_in(bot, wang, chat, "美资企业有多少家？")
        utilised = await ask_in(bot, wang, chat, "实际投资呢")
        assert figure(bot, "us_utilised_investment", "zh") in utilised.text
        per_company = await ask_in(bot, wang, chat, "平均每家呢")
        assert "平均每家" in per_company.text and "推算" in per_company.text  # derived, and says so
        assert_clean(bot)


async def test_start_ends_the_conversation():
    async with running_bot() as bot:
        alice = bot.api.add_user("Alice", language_code="en")
        chat = bot.api.private_chat(alice)
        await ask_in(bot, alice, chat, EXPORTS_EN)
        bot.api.user_sends(alice, chat, "/start")
        await bot.settle()
        alone = await ask_in(bot, alice, chat, "in 2012?")
        assert alone.text.startswith(bot.kb.message("decline", "en"))  # read alone: nothing to go on
        assert_clean(bot)


async def test_context_expires_after_the_configured_time(tmp_path):
    knowledge = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, knowledge)
    settings = knowledge / "settings.yaml"
    text = settings.read_text(encoding="utf-8").replace("follow_up_minutes: 10", "follow_up_minutes: 0.02")
    settings.write_text(text, encoding="utf-8")  # 1.2 seconds
    live = LiveKnowledge(knowledge)
    assert live.kb.settings["follow_up_minutes"] == 0.02
    async with running_bot(live=live) as bot:
        alice = bot.api.add_user("Alice", language_code="en")
        chat = bot.api.private_chat(alice)
        await ask_in(bot, alice, chat, EXPORTS_EN)
        within = await ask_in(bot, alice, chat, "and imports?")
        assert within.text.startswith("Imports from the US in 2013")
        await asyncio.sleep(1.5)
        after = await ask_in(bot, alice, chat, "in 2012?")
        assert after.text.startswith(bot.kb.message("decline", "en"))
        assert_clean(bot)


async def test_two_users_in_a_group_keep_their_own_conversations():
    async with running_bot() as bot:
        alice, bob = bot.api.add_user("Alice", language_code="en"), bot.api.add_user("Bob", language_code="en")
        carol = bot.api.add_user("Carol", language_code="en")
        group = bot.api.add_group("Fair hall", members=[alice, bob, carol])
        await ask_in(bot, alice, group, f"/ask {EXPORTS_EN}")
        await ask_in(bot, bob, group, f"/ask {ENTERPRISES_EN}")
        alice_imports = await ask_in(bot, alice, group, "/ask and imports?")
        bob_utilised = await ask_in(bot, bob, group, "/ask and how much was actually utilised?")
        assert figure(bot, "us_imports_2013", "en") in alice_imports.text
        assert figure(bot, "us_utilised_investment", "en") in bob_utilised.text
        # a reply to Alice's answer continues Alice's conversation, even from Bob
        other_year = await ask_in(bot, bob, group, "in 2012?", reply_to=alice_imports)
        assert "2012" in other_year.text and figure(bot, "us_imports_2013", "en") in other_year.text
        # Carol has asked nothing: another user's question is not hers to follow up
        alone = await ask_in(bot, carol, group, "/ask in 2012?")
        assert alone.text.startswith(bot.kb.message("decline", "en"))
        assert_clean(bot)


async def test_the_same_follow_up_answer_is_merged_in_a_group():
    async with running_bot() as bot:
        alice, bob = bot.api.add_user("Alice", language_code="en"), bot.api.add_user("Bob", language_code="en")
        group = bot.api.add_group("Fair hall", members=[alice, bob])
        await ask_in(bot, alice, group, f"/ask {EXPORTS_EN}")
        await ask_in(bot, bob, group, "/ask and imports?", reply_to=bot.api.bot_messages(group)[0])
        bot.api.user_sends(alice, group, "/ask and imports?")  # the same figure, moments later
        await bot.settle()
        answers = [m for m in bot.api.bot_messages(group) if figure(bot, "us_imports_2013", "en") in m.text]
        assert len(answers) == 1  # posted once; the repeat is merged as a repeated entry would be
        assert_clean(bot)


@pytest.mark.parametrize("with_state_file", [True, False])
async def test_the_conversation_survives_a_restart_only_with_a_state_file(tmp_path, with_state_file):
    state = tmp_path / "state.pickle"

    def settings(api):
        return scaled_settings(api, state_file=state if with_state_file else None)

    async with running_bot(settings=settings) as bot:
        alice = bot.api.add_user("Alice", language_code="en")
        await ask_in(bot, alice, bot.api.private_chat(alice), EXPORTS_EN)
    async with running_bot(settings=settings) as bot:  # a new process would start the same way
        alice = bot.api.add_user("Alice", language_code="en")  # the same ids as before
        reply = await ask_in(bot, alice, bot.api.private_chat(alice), "in 2012?")
        if with_state_file:
            assert "2012" in reply.text and figure(bot, "us_exports_2013", "en") in reply.text
        else:
            assert reply.text.startswith(bot.kb.message("decline", "en"))
        assert_clean(bot)
