"""The knowledge watcher survives every error: edits that used to kill it are reported and a
later good edit is still picked up; a watcher that keeps failing is restarted and the admins
are told."""

from __future__ import annotations

import asyncio

import pytest
from test_live_reload import ADMIN, admin_settings, edit, save

from bot.services.knowledge import LiveKnowledge
from bot.tg.watchdog import supervise
from telegram_harness import IGNORE_PTB_WARNINGS, running_bot

pytestmark = pytest.mark.filterwarnings(IGNORE_PTB_WARNINGS)


def watcher_task(bot) -> asyncio.Task:
    (task,) = [t for t in bot.app.bot_data["background"] if t.get_name() == "faqbot:watch-knowledge"]
    return task


async def test_edits_that_killed_the_watcher_are_reported_and_it_lives_on(knowledge_copy):
    live = LiveKnowledge(knowledge_copy)
    async with running_bot(live=live, settings=admin_settings) as bot:
        try:
            admin_chat = bot.api.private_chat(ADMIN)
            await asyncio.sleep(0.3)  # the watcher is set up
            facts = knowledge_copy / "facts.yaml"
            original_facts = facts.read_text(encoding="utf-8")
            topic = sorted((knowledge_copy / "faq").glob("*.yaml"))[0]
            original_topic = topic.read_text(encoding="utf-8")
            sent = 0

            async def notice() -> str:
                nonlocal sent
                message = await bot.new_bot_message(admin_chat, sent, timeout=15)
                sent += 1
                return message.text

            for broken, path, original in [("", facts, original_facts),  # an empty facts.yaml
                                           ("[a, b]: 1\n" + original_topic, topic, original_topic)]:  # unhashable key
                good = live.kb
                save(path, broken)
                assert (await notice()).startswith("Knowledge not reloaded")
                assert live.kb is good and not watcher_task(bot).done()
                save(path, original)
                assert (await notice()).startswith("Knowledge reloaded.")

            # a later good edit is picked up
            edit(facts, "value: 82400", "value: 82401")
            await bot.api.wait_for(lambda: str(live.kb.facts["area"].value) == "82401", timeout=15)
            alice = bot.api.add_user("Alice", language_code="en")
            (answer,) = await bot.reply_to(bot.api.user_sends(alice, bot.api.private_chat(alice),
                                                              "How big is Chongqing?"))
            assert "82,401 km²" in answer.text
            assert not watcher_task(bot).done()
        finally:
            await bot.app.post_shutdown(bot.app)


async def test_a_failing_watcher_is_restarted_and_the_admins_told():
    runs, told, healthy = [], [], asyncio.Event()

    async def watch() -> None:
        runs.append(len(runs))
        if len(runs) <= 4:
            raise OSError(f"inotify watch limit reached ({len(runs)})")
        healthy.set()
        await asyncio.Event().wait()  # watching, until cancelled

    async def tell(text: str) -> None:
        told.append(text)

    task = asyncio.create_task(supervise("watching the knowledge directory", watch, tell, first_delay=0.01,
                                         max_delay=0.05, tell_after=3))
    await asyncio.wait_for(healthy.wait(), timeout=5)
    assert len(runs) == 5 and not task.done()
    assert len(told) == 1 and "failed 3 times in a row" in told[0] and "OSError" in told[0]
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
