"""One busy group must not starve everyone else: its pacing delays only its own replies,
and a flood past its budget is cut short with one notice (time scaled 30x: 20 per 2 s)."""

from __future__ import annotations

import asyncio
import time
from collections import Counter

import pytest

from bot.core import ask
from bot.tg.durable import flood_notice
from telegram_harness import IGNORE_PTB_WARNINGS, assert_clean, running_bot, scaled_settings

pytestmark = pytest.mark.filterwarnings(IGNORE_PTB_WARNINGS)
FLOOD = 150


async def private_latency(bot, user: dict, question: str) -> float:
    api = bot.api
    started = time.monotonic()
    sent = api.user_sends(user, api.private_chat(user), question)
    (reply,) = await bot.reply_to(sent, timeout=20)
    return reply.history[0]["at"] - started


async def test_a_flooding_group_does_not_hold_up_private_chats(tmp_path):
    # few update slots, so that paced group replies holding them would show at once
    async with running_bot(settings=lambda api: scaled_settings(api, concurrent_updates=8)) as bot:
        api, kb = bot.api, bot.kb
        titles = [e.title(lang) for e in kb.entries.values() for lang in ("en", "zh")]
        questions = [t for t in titles if ask(kb, t).answered]
        users = [api.add_user(f"P{n}", language_code="en") for n in range(6)]
        idle = max([await private_latency(bot, users[0], "What was Chongqing's GDP?") for _ in range(3)])

        flooder = api.add_user("Flooder")
        group = api.add_group("Busy hall", members=[flooder])
        flood = [api.user_sends(flooder, group, f"/ask {questions[n % len(questions)]} #{n}") for n in range(FLOOD)]
        await asyncio.sleep(0.3)  # the flood is being handled
        during = []
        for n in range(10):  # private questions while the group's replies wait for its pace
            during.append(await private_latency(bot, users[1 + n % 5], "How much did Chongqing export to the US?"))
            await asyncio.sleep(0.1)
        assert max(during) < idle + 1.0, (idle, during)

        # the group: the first questions answered at its pace, the surplus dropped with one notice
        notice = flood_notice(kb)
        await api.wait_for(lambda: any(m.text == notice for m in api.bot_messages(group)), timeout=10)
        backlog = bot.app.update_processor.group_backlog
        await asyncio.sleep(backlog / 10 + 3)  # 20 per 2 s: the lane drains
        await bot.settle(0.5)
        messages = api.bot_messages(group)
        notices = [m for m in messages if m.text == notice]
        answers = [m for m in messages if m.text != notice]
        assert len(notices) == 1
        targets = Counter(m.message["reply_to_message"]["message_id"] for m in answers)
        assert max(targets.values()) == 1  # nothing answered twice
        assert 0 < len(answers) <= backlog + 4  # the backlog (plus the lane's handling slots), not 150
        assert bot.app.update_processor.dropped >= FLOOD - backlog - 4 - len(questions)
        assert api.max_in_window(group, 2.0) <= 20
        assert {m.message["reply_to_message"]["message_id"] for m in answers} <= {m["message_id"] for m in flood}
        print(f"\nidle {idle * 1000:.0f} ms; during the flood max {max(during) * 1000:.0f} ms; "
              f"group: {len(answers)} answers, {bot.app.update_processor.dropped} dropped, 1 notice")
        assert_clean(bot)
