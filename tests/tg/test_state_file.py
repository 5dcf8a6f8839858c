"""The state file survives a crash mid-write and a damaged one never stops the bot (issue 14,
point 3): through the real Application with its persistence, against the local Bot API."""

from __future__ import annotations

import logging
import pickle

import pytest
from telegram import Bot
from telegram.ext import PersistenceInput

from bot.tg.state import SafePicklePersistence
from telegram_harness import IGNORE_PTB_WARNINGS, running_bot, scaled_settings

pytestmark = pytest.mark.filterwarnings(IGNORE_PTB_WARNINGS)


async def choose_chinese(bot, name: str) -> dict:
    user = bot.api.add_user(name, language_code="en")
    chat = bot.api.private_chat(user)
    bot.api.user_sends(user, chat, "/lang")
    menu = await bot.new_bot_message(chat, 0)
    bot.api.user_presses(user, menu, "l:en:zh")
    await bot.api.wait_for(lambda: "中文" in menu.text, timeout=10)
    return user


@pytest.mark.parametrize("damage", ["truncated", "garbage", "wrong-shape"])
async def test_a_damaged_state_file_is_moved_aside_and_the_bot_starts(tmp_path, caplog, damage):
    state = tmp_path / "state.pickle"
    settings = lambda api: scaled_settings(api, state_file=state)  # noqa: E731
    async with running_bot(settings=settings) as bot:
        await choose_chinese(bot, "Alice")
    saved = state.read_bytes()
    assert pickle.loads(saved)["user_data"]  # written on the way out
    state.write_bytes({"truncated": saved[: len(saved) // 2], "garbage": b"\x00not a pickle at all",
                       "wrong-shape": pickle.dumps(["a", "list"])}[damage])

    with caplog.at_level(logging.WARNING, logger="bot.tg.state"):
        async with running_bot(settings=settings) as bot:
            bob = bot.api.add_user("Bob", language_code="en")
            chat = bot.api.private_chat(bob)
            (answer,) = await bot.reply_to(bot.api.user_sends(bob, chat, "How big is Chongqing?"))
            assert "km²" in answer.text
            await choose_chinese(bot, "Carol")
    (aside,) = tmp_path.glob("state.pickle.damaged-*")
    assert aside.read_bytes() != saved
    assert any("is damaged" in record.getMessage() and "moved it to state.pickle.damaged-" in record.getMessage()
               for record in caplog.records)
    users = pickle.loads(state.read_bytes())["user_data"]  # a fresh, whole state file
    assert [data["lang"] for data in users.values() if "lang" in data] == ["zh"]  # Carol's, not Alice's


class Unpicklable:
    def __reduce__(self):
        raise RuntimeError("the process dies in the middle of writing")


def test_a_write_that_fails_halfway_leaves_the_old_file_whole(tmp_path):
    state = tmp_path / "state.pickle"
    persistence = SafePicklePersistence(state, store_data=PersistenceInput(bot_data=False, callback_data=False))
    persistence.set_bot(Bot("123456:not-used"))
    persistence.user_data, persistence.chat_data, persistence.conversations = {1: {"lang": "zh"}}, {}, {}
    persistence.bot_data, persistence.callback_data = {}, None
    persistence._dump_singlefile()
    before = state.read_bytes()

    persistence.user_data = {1: {"lang": "en", "padding": "x" * 100_000}, 2: {"oops": Unpicklable()}}
    with pytest.raises(RuntimeError):
        persistence._dump_singlefile()
    assert state.read_bytes() == before  # never truncated: the write went to a temporary file
    assert sorted(path.name for path in tmp_path.iterdir()) == ["state.pickle"]  # which is cleaned up
