"""Group chats: when the bot speaks, to whom it replies, auto answer, merging repeats."""

from __future__ import annotations

import pytest

from bot.core import ask, render_answer
from bot.core.render import fact_value
from bot.services.knowledge import LiveKnowledge
from bot.tg.handlers.questions import auto_answer_threshold
from telegram_harness import (
    AMBIGUOUS_CANDIDATES,
    BOT_USERNAME,
    DECLINED_CANDIDATES,
    IGNORE_PTB_WARNINGS,
    KNOWLEDGE,
    assert_clean,
    find_question,
    running_bot,
)

pytestmark = pytest.mark.filterwarnings(IGNORE_PTB_WARNINGS)
GDP_EN = "What was Chongqing's GDP?"


def confident_question(kb) -> str:
    """An entry title the bot is sure enough of to answer unaddressed."""
    for entry in kb.entries.values():
        reply = ask(kb, entry.title("en"))
        if reply.answered and reply.match.score >= auto_answer_threshold(kb):
            return entry.title("en")
    raise AssertionError("no question clears the auto-answer threshold")


async def test_ask_and_ask_at_bot_reply_to_the_asking_message():
    async with running_bot() as bot:
        alice, bob = bot.api.add_user("Alice", language_code="en"), bot.api.add_user("Bob", language_code="zh")
        group = bot.api.add_group("Fair hall", members=[alice, bob])  # privacy mode on
        first = bot.api.user_sends(alice, group, f"/ask {GDP_EN}")
        second = bot.api.user_sends(bob, group, f"/ask@{BOT_USERNAME} 重庆对美国出口多少？")
        (gdp,) = await bot.reply_to(first)
        (exports,) = await bot.reply_to(second)
        assert gdp.text.startswith(bot.kb.entries["gdp-2013"].title("en"))
        assert exports.text.startswith(bot.kb.entries["exports-to-us-2013"].title("zh"))

        empty = bot.api.user_sends(alice, group, "/ask")
        (usage,) = await bot.reply_to(empty)
        assert "/ask" in usage.text and usage.reply_markup is None

        declined = bot.api.user_sends(alice, group, "/ask " + find_question(bot.kb, "declined", DECLINED_CANDIDATES))
        (decline,) = await bot.reply_to(declined)  # asked directly: the bot says it doesn't know
        assert bot.kb.message("decline", "en") in decline.text
        assert_clean(bot)


async def test_mention_and_reply_address_the_bot_other_talk_is_ignored():
    async with running_bot() as bot:
        alice, bob = bot.api.add_user("Alice", language_code="en"), bot.api.add_user("Bob", language_code="en")
        group = bot.api.add_group("Open hall", members=[alice, bob], privacy_mode=False)
        chatter = bot.api.user_sends(alice, group, GDP_EN)  # not addressed: people talking
        other_bot = bot.api.user_sends(bob, group, f"/ask@some_other_bot {GDP_EN}")
        mention = bot.api.user_sends(bob, group, f"@{BOT_USERNAME.upper()} how much did Chongqing export to the US?")
        (answer,) = await bot.reply_to(mention)
        assert answer.text.startswith(bot.kb.entries["exports-to-us-2013"].title("en"))

        reply = bot.api.user_sends(alice, group, "and what was the GDP?", reply_to=answer.message)
        (follow_up,) = await bot.reply_to(reply)  # read as a follow-up: it says what it took it to mean
        assert follow_up.text.startswith("GDP in 2013: " + fact_value(bot.kb.facts["gdp_2013"], "en"))
        await bot.settle()
        assert bot.replies_to(chatter) == [] and bot.replies_to(other_bot) == []
        assert len(bot.api.bot_messages(group)) == 2
        assert_clean(bot)


async def test_reply_to_the_bot_in_a_privacy_mode_group():
    async with running_bot() as bot:
        alice = bot.api.add_user("Alice", language_code="en")
        group = bot.api.add_group("Quiet hall", members=[alice], privacy_mode=True)
        question = bot.api.user_sends(alice, group, f"/ask {GDP_EN}")
        (answer,) = await bot.reply_to(question)
        unseen = bot.api.user_sends(alice, group, "GDP per person?")  # privacy mode: never delivered
        reply = bot.api.user_sends(alice, group, "and per person?", reply_to=answer.message)
        (follow_up,) = await bot.reply_to(reply)  # a follow-up of the GDP question: GDP per person
        per_person = fact_value(bot.kb.facts["gdp_per_person"], "en")
        assert follow_up.text.startswith(f"GDP per person in 2013: {per_person}")
        assert not bot.api.message(group, unseen["message_id"]).delivered
        assert_clean(bot)


async def test_auto_answer_is_for_admins_and_only_speaks_when_sure():
    async with running_bot() as bot:
        owner, guest = bot.api.add_user("Olivia", language_code="en"), bot.api.add_user("Gus", language_code="en")
        group = bot.api.add_group("Open hall", members=[guest], admins=[owner], privacy_mode=False)
        sure = confident_question(bot.kb)
        unsure = find_question(bot.kb, "ambiguous", AMBIGUOUS_CANDIDATES)
        declined = find_question(bot.kb, "declined", DECLINED_CANDIDATES)

        refused = bot.api.user_sends(guest, group, "/autoanswer on")
        (refusal,) = await bot.reply_to(refused)
        assert "only the admins" in refusal.text
        before = bot.api.user_sends(guest, group, sure)
        await bot.settle(0.1)  # handled while auto answer is still off

        enable = bot.api.user_sends(owner, group, "/autoanswer on")
        (enabled,) = await bot.reply_to(enable)
        assert enabled.text.startswith("Auto answer is on")
        silent = [bot.api.user_sends(guest, group, text) for text in (unsure, declined)]
        confident = bot.api.user_sends(guest, group, sure)
        (answer,) = await bot.reply_to(confident)
        assert answer.text.startswith(sure)

        disable = bot.api.user_sends(owner, group, f"/autoanswer@{BOT_USERNAME} off")
        (disabled,) = await bot.reply_to(disable)
        assert disabled.text.startswith("Auto answer is off")
        after = bot.api.user_sends(guest, group, "How big is Chongqing?")
        status = bot.api.user_sends(guest, group, "/autoanswer")
        (state,) = await bot.reply_to(status)
        assert "is off" in state.text
        await bot.settle()
        assert all(bot.replies_to(m) == [] for m in (before, *silent, after))
        assert_clean(bot)


async def test_auto_answer_warns_when_privacy_mode_hides_messages():
    async with running_bot(privacy_mode=True) as bot:  # getMe: can_read_all_group_messages false
        owner = bot.api.add_user("Olivia", language_code="zh")
        group = bot.api.add_group("Hall", admins=[owner])
        enable = bot.api.user_sends(owner, group, "/autoanswer on")
        (enabled,) = await bot.reply_to(enable)
        assert "自动回答已开启" in enabled.text and "/setprivacy" in enabled.text
        private = bot.api.private_chat(owner)
        bot.api.user_sends(owner, private, "/autoanswer on")
        only_groups = await bot.new_bot_message(private, 0)
        assert "群组" in only_groups.text
        assert_clean(bot)


async def test_repeated_question_in_a_group_is_answered_once_per_language():
    async with running_bot() as bot:
        users = [bot.api.add_user(f"U{n}", language_code=lang) for n, lang in enumerate(["en", "zh", "zh", "en"])]
        group = bot.api.add_group("Busy hall", members=users)
        questions = [GDP_EN, GDP_EN, "重庆的GDP是多少？"]  # the question's language decides, not the app's
        asked = [bot.api.user_sends(user, group, f"/ask {text}")
                 for user, text in zip(users[:3], questions, strict=True)]  # the fourth only listens
        await bot.api.wait_for(lambda: len(bot.api.bot_messages(group)) >= 2)
        await bot.settle()
        answers = bot.api.bot_messages(group)
        assert len(answers) == 2  # one English (merged twice), one Chinese
        assert sorted(a.text.split("\n")[0] for a in answers) == sorted(
            [bot.kb.entries["gdp-2013"].title("en"), bot.kb.entries["gdp-2013"].title("zh")])
        assert {a.message["reply_to_message"]["message_id"] for a in answers} <= {m["message_id"] for m in asked}

        # a related button asking for an answer given moments ago: a private notice, no message
        english = next(a for a in answers if a.text.startswith("What"))
        related = english.callback_data[0]
        bot.api.user_presses(users[3], english, related)
        follow_up = await bot.new_bot_message(group, 2)
        assert follow_up.message["reply_to_message"]["message_id"] == english.message_id
        query_id = bot.api.user_presses(users[0], english, related)
        await bot.api.wait_for(lambda: query_id in bot.api.callback_answers)
        assert bot.api.callback_answers[query_id]["text"] == "Answered just above."
        await bot.settle()
        assert len(bot.api.bot_messages(group)) == 3

        # private chats are never merged
        chat = bot.api.private_chat(users[0])
        twice = [bot.api.user_sends(users[0], chat, GDP_EN) for _ in range(2)]
        for question in twice:
            await bot.reply_to(question)
        assert_clean(bot)


async def test_did_you_mean_in_a_group_anyone_may_choose():
    async with running_bot() as bot:
        alice, bob = bot.api.add_user("Alice", language_code="en"), bot.api.add_user("Bob", language_code="en")
        group = bot.api.add_group("Hall", members=[alice, bob])
        question = bot.api.user_sends(alice, group, "/ask " + find_question(bot.kb, "ambiguous", AMBIGUOUS_CANDIDATES))
        (offer,) = await bot.reply_to(question)
        chosen = offer.callback_data[0][len("d:en:"):]
        bot.api.user_presses(bob, offer, offer.callback_data[0])
        answer = render_answer(bot.kb, chosen, "en")
        await bot.api.wait_for(lambda: offer.text.startswith(answer.title))
        assert_clean(bot)


async def test_answers_posted_via_inline_mode_are_not_questions():
    async with running_bot() as bot:
        alice = bot.api.add_user("Alice", language_code="en")
        group = bot.api.add_group("Hall", members=[alice], privacy_mode=False)
        query_id = bot.api.user_inline_query(alice, GDP_EN)
        await bot.api.wait_for(lambda: query_id in bot.api.inline_answers)
        posted = bot.api.user_chooses_inline_result(alice, query_id, "gdp-2013", group)
        assert posted["via_bot"]["username"] == BOT_USERNAME
        await bot.settle()
        assert bot.api.bot_messages(group) == []
        assert_clean(bot)


async def test_command_menus_per_scope_and_language():
    async with running_bot() as bot:
        commands = {key: [c["command"] for c in value] for key, value in bot.api.commands.items()}
        assert "start" in commands[("all_private_chats", "")] and "ask" not in commands[("all_private_chats", "")]
        assert "ask" in commands[("all_group_chats", "")] and "autoanswer" not in commands[("all_group_chats", "")]
        assert "autoanswer" in commands[("all_chat_administrators", "")]
        for scope in ("all_private_chats", "all_group_chats", "all_chat_administrators"):
            assert commands[(scope, "zh")] == commands[(scope, "")]
        assert bot.api.descriptions[""] and bot.api.descriptions["zh"]
        assert bot.api.short_descriptions[""] and bot.api.short_descriptions["zh"]


class RecordingKnowledge(LiveKnowledge):
    """LiveKnowledge with the planned `record` hook, as the knowledge side will add it."""

    def __init__(self, directory):
        super().__init__(directory)
        self.recorded: list[tuple[str, str | None, str]] = []

    def record(self, reply, chat_type: str) -> None:
        self.recorded.append((reply.match.question, reply.match.entry_id, chat_type))


async def test_every_question_answered_or_declined_is_recorded_once():
    live = RecordingKnowledge(KNOWLEDGE)
    async with running_bot(live=live) as bot:
        alice, bob = bot.api.add_user("Alice", language_code="en"), bot.api.add_user("Bob", language_code="en")
        group = bot.api.add_group("Hall", members=[alice, bob], privacy_mode=False)
        declined = find_question(bot.kb, "declined", DECLINED_CANDIDATES)
        questions = [bot.api.user_sends(alice, bot.api.private_chat(alice), GDP_EN),
                     bot.api.user_sends(alice, group, f"/ask {declined}"),
                     bot.api.user_sends(bob, group, "nice weather today")]  # not addressed: not a question
        blocked = bot.api.add_user("Blocker", language_code="en")
        bot.api.user_blocks_bot(blocked)
        questions.append(bot.api.user_sends(blocked, bot.api.private_chat(blocked), GDP_EN))
        await bot.reply_to(questions[0])
        await bot.reply_to(questions[1])
        await bot.settle()
        assert sorted(live.recorded) == sorted([(GDP_EN, "gdp-2013", "private"), (declined, None, "supergroup"),
                                                (GDP_EN, "gdp-2013", "private")])
        assert_clean(bot)  # a user who blocked the bot is not an error
