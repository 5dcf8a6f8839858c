"""Live reload: the watcher swaps in an edited knowledge base, a broken edit keeps the last
good one and reaches the admins in Telegram, /reload works for admins only."""

from __future__ import annotations

import asyncio
import logging
import os
from dataclasses import replace
from pathlib import Path

import pytest

from bot.core import ask
from bot.services.knowledge import LiveKnowledge
from telegram_harness import IGNORE_PTB_WARNINGS, running_bot, scaled_settings

pytestmark = pytest.mark.filterwarnings(IGNORE_PTB_WARNINGS)

ADMIN, SILENT_ADMIN = 700001, 700002  # the second admin never started the bot
DEBOUNCE = 0.05


def save(path: Path, text: str) -> None:
    """Write a file the way editors do: a temporary file renamed over the old one."""
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    save(path, text.replace(old, new))


async def until(predicate, timeout: float = 10.0):
    deadline = asyncio.get_running_loop().time() + timeout
    while not (value := predicate()):
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError("condition not met")
        await asyncio.sleep(0.01)
    return value


async def watching(live: LiveKnowledge, outcomes: list) -> asyncio.Task:
    async def on_reload(problems):
        outcomes.append(problems)

    task = asyncio.create_task(live.watch(on_reload, debounce=DEBOUNCE))
    await asyncio.sleep(0.3)  # the watcher is set up
    return task


async def stop(task: asyncio.Task) -> None:
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_the_watcher_swaps_in_an_edit_and_keeps_the_last_good_base(knowledge_copy, caplog):
    live = LiveKnowledge(knowledge_copy)
    outcomes: list = []
    task = await watching(live, outcomes)
    try:
        first = live.kb
        edit(knowledge_copy / "facts.yaml", "value: 82400", "value: 82401")
        await until(lambda: live.kb is not first)
        assert str(live.kb.facts["area"].value) == "82401"
        assert "82,401 km²" in ask(live.kb, "how big is chongqing").text
        assert outcomes and all(problems == [] for problems in outcomes)

        good = live.kb
        with caplog.at_level(logging.ERROR, logger="bot.services.knowledge"):
            edit(knowledge_copy / "faq" / "30-economy.yaml", "{gdp_2013}", "{gdp_2031}")
            broken = await until(lambda: next((problems for problems in outcomes if problems), None))
        assert live.kb is good  # still serving the last good base
        assert all(problem.file == "knowledge/faq/30-economy.yaml" for problem in broken)
        logged = [record.getMessage() for record in caplog.records]
        assert any(line.startswith("knowledge/faq/30-economy.yaml:") and "gdp_2031" in line for line in logged)

        (knowledge_copy / "faq" / "notes.txt").write_text("not knowledge", encoding="utf-8")  # ignored
        edit(knowledge_copy / "faq" / "30-economy.yaml", "{gdp_2031}", "{gdp_2013}")
        await until(lambda: live.kb is not good)
        assert outcomes[-1] == []
    finally:
        await stop(task)


async def test_questions_asked_during_reloads_get_whole_answers(knowledge_copy):
    """Handlers read live.kb once: whatever moment they do, they get a complete base."""
    live = LiveKnowledge(knowledge_copy)
    facts = knowledge_copy / "facts.yaml"
    answers = set()

    async def keep_asking():
        for _ in range(200):
            answers.add(ask(live.kb, "how big is chongqing").text.splitlines()[0])
            await asyncio.sleep(0.001)

    async def keep_reloading():
        for value in ("82401", "82402", "82403"):
            edit(facts, f"value: {int(value) - 1}", f"value: {value}")
            assert await live.reload_async() == []

    await asyncio.gather(keep_asking(), keep_reloading())
    assert answers and all("km²" in answer for answer in answers)


def admin_settings(api):
    admin = api.add_user("Li", user_id=ADMIN, language_code="en")
    api.private_chat(admin)  # Li pressed Start once
    api.add_user("Wang", user_id=SILENT_ADMIN)
    return scaled_settings(api, admins=frozenset({ADMIN, SILENT_ADMIN}), watch_knowledge=True,
                           reload_debounce=DEBOUNCE)


async def test_a_broken_edit_is_reported_to_the_admins_in_telegram(knowledge_copy):
    live = LiveKnowledge(knowledge_copy)
    async with running_bot(live=live, settings=admin_settings) as bot:
        try:
            admin_chat = bot.api.private_chat(ADMIN)
            await asyncio.sleep(0.3)  # the watcher is set up
            good = live.kb
            edit(knowledge_copy / "facts.yaml", "value: 82400", "value: [82400")
            notice = await bot.new_bot_message(admin_chat, 0, timeout=10)
            assert notice.text.startswith("Knowledge not reloaded")
            assert "knowledge/facts.yaml:" in notice.text and "YAML syntax" in notice.text
            assert "<b>Knowledge not reloaded" in notice.html
            assert live.kb is good

            # users are still answered, from the last good base
            alice = bot.api.add_user("Alice", language_code="en")
            chat = bot.api.private_chat(alice)
            (answer,) = await bot.reply_to(bot.api.user_sends(alice, chat, "How big is Chongqing?"))
            assert "82,400 km²" in answer.text

            # the fix is announced too, once
            edit(knowledge_copy / "facts.yaml", "value: [82400", "value: 82401")
            fixed = await bot.new_bot_message(admin_chat, 1, timeout=10)
            assert fixed.text.startswith("Knowledge reloaded.")
            assert str(live.kb.facts["area"].value) == "82401"

            # the admin who never started the bot could not be told; that is no error
            assert SILENT_ADMIN not in bot.api.chats
            assert bot.api.schema_violations == []
            # what was logged at ERROR is the broken edit, as FILE:LINE: message
            assert bot.errors.messages and all(
                m.startswith(("knowledge in", "knowledge/facts.yaml:")) for m in bot.errors.messages)
        finally:
            await bot.app.post_shutdown(bot.app)


async def test_reload_for_admins_and_an_unknown_command_for_everyone_else(knowledge_copy):
    live = LiveKnowledge(knowledge_copy)
    settings = lambda api: replace(admin_settings(api), watch_knowledge=False)  # noqa: E731
    async with running_bot(live=live, settings=settings) as bot:
        try:
            admin_chat = bot.api.private_chat(ADMIN)
            edit(knowledge_copy / "facts.yaml", "value: 82400", "value: 82409")
            bot.api.user_sends(ADMIN, admin_chat, "/reload")
            reply = await bot.new_bot_message(admin_chat, 0)
            assert reply.text.startswith("Knowledge reloaded.") and f"{len(live.kb.entries)} entries" in reply.text
            assert str(live.kb.facts["area"].value) == "82409"

            edit(knowledge_copy / "facts.yaml", "value: 82409", "value: oops")
            bot.api.user_sends(ADMIN, admin_chat, "/reload")
            refused = await bot.new_bot_message(admin_chat, 1)
            assert refused.text.startswith("Knowledge not reloaded") and "knowledge/facts.yaml:" in refused.text
            assert str(live.kb.facts["area"].value) == "82409"

            mallory = bot.api.add_user("Mallory", language_code="en")
            chat = bot.api.private_chat(mallory)
            bot.api.user_sends(mallory, chat, "/nosuchcommand")
            unknown = await bot.new_bot_message(chat, 0)
            for number, command in enumerate(("/reload", "/unanswered", "/reload@cq_faq_bot"), 1):
                bot.api.user_sends(mallory, chat, command)
                reply = await bot.new_bot_message(chat, number)
                assert reply.text == unknown.text and reply.html == unknown.html

            # in a group, where unknown commands get no reply, neither do these, even from an admin
            group = bot.api.add_group("Fair hall", members=[mallory, ADMIN], admins=[ADMIN])
            bot.api.user_sends(ADMIN, group, "/reload")
            bot.api.user_sends(mallory, group, "/unanswered")
            await bot.settle()
            assert bot.api.bot_messages(group) == []

            # menus: the admin commands only in the admin's own chat
            public = [c["command"] for scope in ("all_private_chats", "all_group_chats", "all_chat_administrators")
                      for c in bot.api.get_commands({"type": scope})]
            assert "reload" not in public and "unanswered" not in public
            own = [c["command"] for c in bot.api.get_commands({"type": "chat", "chat_id": ADMIN})]
            assert {"reload", "unanswered", "start", "help"} <= set(own)
            assert bot.api.schema_violations == []
        finally:
            await bot.app.post_shutdown(bot.app)
