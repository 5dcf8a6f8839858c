"""The bot keeps a few connections to the Bot API and queues sends for them, however many
updates it handles at once (issue 12: with python-telegram-bot's 256, of which httpx keeps 20
alive, a burst reconnected every few sends)."""

from __future__ import annotations

import asyncio

import pytest

from bot.tg.app import CONNECTIONS
from telegram_harness import IGNORE_PTB_WARNINGS, running_bot

pytestmark = pytest.mark.filterwarnings(IGNORE_PTB_WARNINGS)
ASKERS = 40  # more than CONNECTIONS, fewer than the updates handled at once (64)


async def test_no_more_sends_on_the_wire_than_connections_and_none_lost():
    async with running_bot() as bot:
        api = bot.api
        api.inject("sendMessage", "slow", delay=0.4, times=None)  # every send takes a while to answer
        users = [api.add_user(f"Asker {n}", language_code="en") for n in range(ASKERS)]
        for user in users:
            api.user_sends(user, api.private_chat(user), "What was Chongqing's GDP in 2013?")

        def answered() -> int:
            return sum(1 for r in api.requests if r["method"] == "sendMessage" and r["status"] == 200)

        most = 0
        for _ in range(1000):  # at most 20 s
            arrived = api.injected[("sendMessage", "slow")]  # counted as each send reaches the server
            most = max(most, arrived - answered())
            if answered() >= ASKERS:
                break
            await asyncio.sleep(0.02)
        assert answered() == ASKERS
        assert len({m.chat_id for m in api.bot_messages()}) == ASKERS  # every asker got the answer
        assert CONNECTIONS // 2 <= most <= CONNECTIONS  # sends go in parallel, up to the bound
        assert bot.errors.messages == []
