"""Flood errors, server errors, lost connections and updates the bot doesn't expect."""

from __future__ import annotations

import asyncio
import time

import pytest

from bot.localapi import ChatState
from telegram_harness import IGNORE_PTB_WARNINGS, assert_clean, running_bot

pytestmark = pytest.mark.filterwarnings(IGNORE_PTB_WARNINGS)
GDP_EN = "What was Chongqing's GDP?"


async def test_429_delays_the_answer_but_delivers_it_once():
    async with running_bot() as bot:
        alice = bot.api.add_user("Alice", language_code="en")
        chat = bot.api.private_chat(alice)
        bot.api.inject("sendMessage", "429", retry_after=1, times=2)
        started = time.monotonic()
        question = bot.api.user_sends(alice, chat, GDP_EN)
        await bot.reply_to(question, timeout=8)
        assert time.monotonic() - started >= 2.0  # waited retry_after twice
        await bot.settle(0.2)
        assert len(bot.replies_to(question)) == 1 and bot.api.injected[("sendMessage", "429")] == 2
        assert_clean(bot)


@pytest.mark.parametrize("kind", ["5xx", "drop", "slow"])
async def test_server_errors_and_dropped_connections_are_survived(kind):
    async with running_bot() as bot:
        alice = bot.api.add_user("Alice", language_code="en")
        chat = bot.api.private_chat(alice)
        bot.api.inject("sendMessage", kind, times=1, delay=0.3, status=502)
        question = bot.api.user_sends(alice, chat, GDP_EN)
        await bot.reply_to(question)
        await bot.settle(0.3)
        assert len(bot.replies_to(question)) == 1  # retried, not duplicated
        assert bot.api.injected[("sendMessage", kind)] == 1
        assert_clean(bot)


def deliver_raw(api, kind: str, chat: dict, fields: dict, sender: dict | None = None) -> None:
    """Deliver an update the simulation has no user action for (stickers, channel posts ...).

    Uses the server's internal delivery so the message is stored, validated against the
    Bot API schema and queued like any other.
    """
    state = api._chat(chat)
    stored = api._store_message(state, sender=sender, fields=fields) if sender else None
    if stored is not None:
        api._deliver_user_message(state, stored, kind)
    else:
        api._enqueue(kind, {"message_id": state.next_message_id, "date": int(time.time()), "chat": chat, **fields})
        state.next_message_id += 1


STICKER = {"sticker": {"file_id": "CAACAgIAAx0", "file_unique_id": "AgAD", "type": "regular", "width": 512,
                       "height": 512, "is_animated": False, "is_video": False, "emoji": "👍"}}


async def test_strange_updates_never_crash_a_handler():
    async with running_bot() as bot:
        api = bot.api
        alice = api.add_user("Alice", language_code="en")
        chat = api.private_chat(alice)
        group = api.add_group("Open hall", members=[alice], privacy_mode=False)
        channel = {"id": -1009990001, "type": "channel", "title": "Fair news"}
        api.chats[channel["id"]] = ChatState(chat=channel, privacy_mode=False)

        question = api.user_sends(alice, chat, GDP_EN)
        await bot.reply_to(question)
        api.user_edits(alice, question, "How much did Chongqing export to the US?")  # edited_message
        deliver_raw(api, "message", group, STICKER, sender=alice)  # sticker in a group: ignored
        deliver_raw(api, "message", chat, STICKER, sender=alice)  # sticker in private: ask for text
        deliver_raw(api, "channel_post", channel, {"sender_chat": channel, "text": GDP_EN})
        deliver_raw(api, "edited_channel_post", channel,
                    {"sender_chat": channel, "text": "edited", "edit_date": int(time.time())})
        api.add_member(group, api.add_user("Newcomer"))  # service message in a group
        api.user_presses(alice, bot.replies_to(question)[0], "forged:data", check=False)
        api.user_inline_query(alice, "exports", chat_type="channel")
        api._enqueue("my_chat_member", {
            "chat": group, "from": alice, "date": int(time.time()),
            "old_chat_member": {"status": "member", "user": api.bot_user},
            "new_chat_member": {"status": "left", "user": api.bot_user}})
        await bot.settle(0.5)

        assert len(bot.replies_to(question)) == 1  # the edit was not answered again
        hint = api.bot_messages(chat)[-1]
        assert hint.text == bot.kb.message("empty", "en")
        assert api.bot_messages(group) == []
        # and the bot still answers
        again = api.user_sends(alice, chat, "How big is Chongqing?")
        await bot.reply_to(again)
        assert_clean(bot)


async def test_a_slow_handler_does_not_hold_up_other_chats():
    async with running_bot() as bot:
        alice, bob = bot.api.add_user("Alice", language_code="en"), bot.api.add_user("Bob", language_code="en")
        bot.api.inject("sendMessage", "slow", delay=1.5, match=lambda p: p["chat_id"] == alice["id"])
        slow = bot.api.user_sends(alice, bot.api.private_chat(alice), GDP_EN)
        await asyncio.sleep(0.1)
        fast = bot.api.user_sends(bob, bot.api.private_chat(bob), GDP_EN)
        await bot.reply_to(fast, timeout=1.0)  # concurrent updates: Bob is not queued behind Alice
        await bot.reply_to(slow, timeout=3.0)
        assert_clean(bot)
