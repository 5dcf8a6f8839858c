"""A poisoned update does not stop the bot: `faqbot run` as a real process, fed an update
python-telegram-bot cannot read and one whose handling always fails, then 50 good ones."""

from __future__ import annotations

import asyncio
import signal

import pytest

from bot.localapi import LocalBotApi
from telegram_harness import BOT_USERNAME, IGNORE_PTB_WARNINGS, TOKEN, bot_env, scaled_limits, start_bot

pytestmark = pytest.mark.filterwarnings(IGNORE_PTB_WARNINGS)
SECRET = "SECRET-question-text-4711"
QUESTIONS = ["What was Chongqing's GDP?", "How much did Chongqing export to the US?", "重庆人口多少？",
             "How big is Chongqing?", "When did the California trade office open?"]
MAX_LOG = 20_000  # bytes for the whole run; the unfixed bot wrote megabytes a minute


async def test_a_poisoned_update_is_skipped_and_the_next_50_are_answered(tmp_path):
    log = tmp_path / "bot.log"
    async with LocalBotApi(token=TOKEN, bot_username=BOT_USERNAME, limits=scaled_limits()) as api:
        process = await start_bot(api, bot_env(api, tmp_path), log)
        try:
            # 1. an update python-telegram-bot cannot parse (the chat is not an object)
            unreadable = next(api._update_ids)  # noqa: SLF001 - the server has no user action for this
            api.pending_updates.append({"update_id": unreadable, "message": {
                "message_id": 1, "date": 1764547200, "chat": "not-a-chat", "text": SECRET}})
            # 2. a question whose answer Telegram refuses with 502 every time
            doomed = api.add_user("Doomed", language_code="en")
            api.inject("sendMessage", "5xx", status=502, times=None,
                       match=lambda params: params.get("chat_id") == doomed["id"])
            failing = api.user_sends(doomed, api.private_chat(doomed), f"{SECRET} What was Chongqing's GDP?")
            # 3. fifty good questions from private chats and a group
            users = [api.add_user(f"U{n}", language_code="en") for n in range(10)]
            group = api.add_group("Hall", members=users)
            asked = []
            for n in range(50):
                user = users[n % 10]
                question = QUESTIONS[n % len(QUESTIONS)] + f" ({n})"
                if n % 10 == 0:  # five in the group, each with another answer (so none is merged)
                    asked.append(api.user_sends(user, group, f"/ask {QUESTIONS[n // 10]}"))
                else:
                    asked.append(api.user_sends(user, api.private_chat(user), question))

            def answered():
                return [m for m in asked if any(
                    b.message.get("reply_to_message", {}).get("message_id") == m["message_id"]
                    for b in api.bot_messages(m["chat"]["id"]))]

            await api.wait_for(lambda: len(answered()) == 50, timeout=30)
            # the failing one is tried a few times (0.5 + 1 + 2 s apart), then given up
            await api.wait_for(lambda: "failed 4 times; skipped" in log.read_text(errors="replace"), timeout=30)
            polls_before = sum(r["method"] == "getUpdates" for r in api.requests)
            await asyncio.sleep(2)
            polls = sum(r["method"] == "getUpdates" for r in api.requests) - polls_before
        finally:
            process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(process.wait(), timeout=20)

    for message in asked:
        replies = [b for b in api.bot_messages(message["chat"]["id"])
                   if b.message.get("reply_to_message", {}).get("message_id") == message["message_id"]]
        assert len(replies) == 1
    assert api.bot_messages(failing["chat"]["id"]) == []
    assert polls <= 4  # long polling waits for updates: no spinning on the poisoned one
    output = log.read_text(errors="replace")
    assert len(output.encode()) < MAX_LOG, output[-3000:]
    assert output.count(f"update {unreadable} (message) cannot be read") == 1
    assert output.count("failed 4 times; skipped") == 1
    assert SECRET not in output  # ids and kinds, never what people wrote
    assert TOKEN not in output and TOKEN.split(":")[1] not in output
