"""Dropped and slow connections during a burst: no answer lost, at most 1% duplicated.

The retry policy (bot/tg/retry.py): a request that surely never reached Telegram is retried;
one that may have (no answer came back) is retried once; sends wait long for a slow answer.
"""

from __future__ import annotations

import random

import pytest

from bot.core import ask
from telegram_harness import IGNORE_PTB_WARNINGS, running_bot, scaled_settings

pytestmark = pytest.mark.filterwarnings(IGNORE_PTB_WARNINGS)
USERS, PER_USER = 30, 10


async def test_dropped_and_slow_connections_lose_nothing_and_rarely_duplicate():
    settings = lambda api: scaled_settings(api, read_timeout=0.5, send_timeout=3.0)  # noqa: E731
    async with running_bot(settings=settings) as bot:
        api, kb = bot.api, bot.kb
        questions = [t for e in kb.entries.values() for lang in ("en", "zh") if ask(kb, t := e.title(lang)).answered]
        rng = random.Random(7)
        # the server answers 15 sends after 1 s (past the read timeout of other calls, within the
        # sends' own), drops 15 connections without acting, and 2 after posting the message
        api.inject("sendMessage", "slow", delay=1.0, times=15)
        api.inject("sendMessage", "drop", times=15)
        api.inject("sendMessage", "drop_after", times=2)
        asked = []
        for n in range(USERS):
            user = api.add_user(f"U{n}", language_code="en")
            chat = api.private_chat(user)
            asked += [api.user_sends(user, chat, rng.choice(questions)) for _ in range(PER_USER)]

        def counts():
            found = {m["message_id"] + m["chat"]["id"] * 1000: 0 for m in asked}
            for message in api.bot_messages():
                key = message.message.get("reply_to_message", {}).get("message_id", 0) + message.chat_id * 1000
                if key in found:
                    found[key] += 1
            return found

        await api.wait_for(lambda: all(counts().values()), timeout=40)
        await bot.settle(1.5)
        found = counts()
        lost = sum(1 for c in found.values() if c == 0)
        duplicated = sum(1 for c in found.values() if c > 1)
        print(f"\n{len(asked)} questions: lost {lost}, duplicated {duplicated}; faults injected "
              f"{dict((k[1], v) for k, v in api.injected.items())}")
        assert api.injected[("sendMessage", "drop")] == 15 and api.injected[("sendMessage", "slow")] == 15
        assert lost == 0
        assert duplicated <= len(asked) // 100  # only the messages posted before the connection dropped
        assert bot.errors.messages == []
