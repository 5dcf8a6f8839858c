"""One-tap learning from unanswered questions: the buttons under /unanswered through the real
python-telegram-bot stack against the local Bot API server, /undo and /stats; the same in the
terminal (`faqbot report --review`, driven through stdin); concurrent edits never lost."""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from bot.core import ask
from bot.maintain import history, learn
from bot.services.knowledge import LiveKnowledge
from bot.services.store import QuestionStore
from telegram_harness import IGNORE_PTB_WARNINGS, KNOWLEDGE, running_bot, scaled_settings

pytestmark = pytest.mark.filterwarnings(IGNORE_PTB_WARNINGS)
ROOT = Path(__file__).resolve().parents[2]
ADMIN, OTHER_ADMIN = 4242, 4343
TO_CLOSEST = "number of yankee businesses set up in cq"  # -> us-investment-in-chongqing
CLOSEST = "us-investment-in-chongqing"
TO_ANOTHER = "when did that brief come out"  # -> brief-published, picked by topic and entry
TO_IGNORE = "is it going to rain in paris tomorrow"
WAIT = 90  # seconds: an addition loads the knowledge twice (the check, then the reload)


@pytest.fixture
def knowledge(tmp_path) -> Path:
    copy = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, copy)
    return copy


@pytest.fixture
def store(tmp_path) -> QuestionStore:
    store = QuestionStore(tmp_path / "questions.sqlite3")
    for _ in range(3):
        store.add_unanswered(TO_CLOSEST, "en", "private", "declined", "low-confidence", CLOSEST, 20.0)
    for _ in range(2):
        store.add_unanswered(TO_IGNORE, "en", "group", "declined", "low-confidence", None, 0.0)
    store.add_unanswered(TO_ANOTHER, "en", "private", "ambiguous", "did-you-mean", None, 0.0)
    return store


def two_admins(api):
    for user_id, name in ((ADMIN, "Li"), (OTHER_ADMIN, "Wang")):
        api.private_chat(api.add_user(name, user_id=user_id, language_code="en"))
    return scaled_settings(api, admins=frozenset({ADMIN, OTHER_ADMIN}))


def suggestion_messages(bot, chat) -> dict[str, object]:
    """The messages with suggestion buttons, by the wording they are about."""
    found = {}
    for message in bot.api.bot_messages(chat):
        for wording in (TO_CLOSEST, TO_ANOTHER, TO_IGNORE):
            if f"“{wording}”" in message.text.split("\n")[0]:
                found[wording] = message
    return found


def data(message, action: str) -> str:
    return next(d for d in message.callback_data if d.split(":")[2] == action)


async def test_admins_add_ignore_and_undo_with_buttons(knowledge, store):
    live = LiveKnowledge(knowledge, store=store)
    questions = (knowledge / "faq" / "50-investment.yaml")
    async with running_bot(live=live, settings=two_admins) as bot:
        try:
            chat, other_chat = bot.api.private_chat(ADMIN), bot.api.private_chat(OTHER_ADMIN)
            for who, where in ((ADMIN, chat), (OTHER_ADMIN, other_chat)):
                bot.api.user_sends(who, where, "/unanswered")
                await bot.api.wait_for(lambda where=where: len(suggestion_messages(bot, where)) == 3, timeout=30)
            mine, theirs = suggestion_messages(bot, chat), suggestion_messages(bot, other_chat)
            every_button = [d for m in (*mine.values(), *theirs.values()) for d in m.callback_data]
            assert all(len(d.encode()) <= 64 for d in every_button)
            assert len({d.split(":")[1] for d in every_button}) == 6  # a token per suggestion and admin
            assert "closest: " + CLOSEST in mine[TO_CLOSEST].text
            their_add = data(theirs[TO_CLOSEST], "a")
            assert mine[TO_CLOSEST].reply_markup["inline_keyboard"][0][0]["text"].startswith("Add as a question of “")

            # add to the closest entry: written, checked, reloaded, told
            assert TO_CLOSEST not in bot.kb.entries[CLOSEST].questions["en"]
            bot.api.user_presses(ADMIN, mine[TO_CLOSEST], data(mine[TO_CLOSEST], "a"))
            await bot.api.wait_for(lambda: "Added “" in mine[TO_CLOSEST].text, timeout=WAIT)
            assert "Reloaded" in mine[TO_CLOSEST].text and mine[TO_CLOSEST].callback_data == []
            assert f"        - {TO_CLOSEST}\n" in questions.read_text(encoding="utf-8")
            assert TO_CLOSEST in bot.kb.entries[CLOSEST].questions["en"]  # live, without a restart
            assert ask(bot.kb, TO_CLOSEST).match.entry_id == CLOSEST
            assert history.read_changelog(knowledge)[-1]["by"] == str(ADMIN)

            # the other admin's button for the same group is stale now: refused, nothing written twice
            bot.api.user_presses(OTHER_ADMIN, theirs[TO_CLOSEST], their_add)
            await bot.api.wait_for(lambda: "Already dealt with" in theirs[TO_CLOSEST].text, timeout=WAIT)
            assert questions.read_text(encoding="utf-8").count(TO_CLOSEST) == 1

            # ignore: never suggested again
            bot.api.user_presses(ADMIN, mine[TO_IGNORE], data(mine[TO_IGNORE], "i"))
            await bot.api.wait_for(lambda: "Ignored" in mine[TO_IGNORE].text, timeout=WAIT)
            assert store.reviewed()[TO_IGNORE] == "ignored"

            # another entry: a topic, then an entry
            message = mine[TO_ANOTHER]
            bot.api.user_presses(ADMIN, message, data(message, "o"))
            await bot.api.wait_for(lambda: "which topic" in message.text, timeout=WAIT)
            bot.api.user_presses(ADMIN, message, "u:" + data(message, "t").split(":")[1] + ":t:about")
            await bot.api.wait_for(lambda: "which entry" in message.text, timeout=WAIT)
            entry_button = next(d for d in message.callback_data if d.endswith(":e:brief-published"))
            bot.api.user_presses(ADMIN, message, entry_button)
            await bot.api.wait_for(lambda: "Added “" in message.text, timeout=WAIT)
            assert ask(bot.kb, TO_ANOTHER).match.entry_id == "brief-published"

            # a button pressed by someone who is not an admin does nothing
            alice = bot.api.add_user("Alice", language_code="en")
            alice_chat = bot.api.private_chat(alice)
            sent = len(bot.api.bot_messages(alice_chat))
            query = bot.api.user_presses(alice, mine[TO_CLOSEST], their_add, check=False)
            await bot.api.wait_for(lambda: query in bot.api.callback_answers, timeout=WAIT)
            assert len(bot.api.bot_messages(alice_chat)) == sent

            # /undo takes back the last change, and the bot forgets it at once
            before = len(bot.api.bot_messages(chat))
            bot.api.user_sends(ADMIN, chat, "/undo")
            undone = await bot.new_bot_message(chat, before, timeout=WAIT)
            assert undone.text.startswith(f"Undone: added “{TO_ANOTHER}”")
            assert TO_ANOTHER not in (knowledge / "faq" / "10-about.yaml").read_text(encoding="utf-8")
            assert TO_ANOTHER not in bot.kb.entries["brief-published"].questions["en"]
            assert [change["via"] for change in history.read_changelog(knowledge)] == ["learn", "learn", "undo"]

            # /stats: the headline figures
            bot.api.user_sends(ADMIN, chat, "/stats")
            stats = await bot.new_bot_message(chat, before + 1, timeout=WAIT)
            assert stats.text.startswith("Questions in the last 7 days: 6")
            assert "declined 5" in stats.text and "did you mean 1" in stats.text
            assert bot.api.schema_violations == [] and bot.errors.messages == []
        finally:
            await bot.app.post_shutdown(bot.app)


def test_a_wording_that_would_not_get_the_entry_is_refused(knowledge):
    before = (knowledge / "faq" / "30-economy.yaml").read_bytes()
    outcome = learn.add_question(knowledge, "gdp-2013", "what were chongqing exports to america", "en", by="t")
    assert not outcome.ok and outcome.message.startswith("Not added: even with it")
    assert "gets exports-to-us-2013, not gdp-2013" in outcome.message
    served = LiveKnowledge(knowledge).kb
    outcome = learn.add_question(knowledge, "gdp-2013", "What was Chongqing's GDP in 2019?", "en", by="t", kb=served)
    assert not outcome.ok and "asks beyond the source (other-year)" in outcome.message
    assert (knowledge / "faq" / "30-economy.yaml").read_bytes() == before
    assert history.read_changelog(knowledge) == []


def test_two_admins_at_once_lose_no_edit(knowledge):
    wordings = ["how much yankee cash went into cq", "total yankee money put into cq"]
    outcomes = []
    threads = [threading.Thread(target=lambda w=w: outcomes.append(
        learn.add_question(knowledge, CLOSEST, w, "en", by="t"))) for w in wordings]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(outcome.ok for outcome in outcomes), outcomes
    text = (knowledge / "faq" / "50-investment.yaml").read_text(encoding="utf-8")
    assert all(f"        - {w}\n" in text for w in wordings)


def test_review_in_the_terminal(knowledge, store):
    answers = "a\ni\ns\n"  # add the first to its closest entry, ignore the next, skip the last
    result = subprocess.run([sys.executable, "-m", "bot", "report", "--review", "--knowledge", str(knowledge),
                             "--db", str(store.path)], input=answers, capture_output=True, text=True,
                            cwd=ROOT, timeout=300)
    assert result.returncode == 0, result.stderr
    assert f"Added “{TO_CLOSEST}” as a question of {CLOSEST}" in result.stdout
    assert "Ignored: not suggested again." in result.stdout
    assert store.reviewed() == {TO_CLOSEST: f"added to {CLOSEST}", TO_IGNORE: "ignored"}
    [change] = history.read_changelog(knowledge)
    assert change["via"] == "learn" and change["by"].startswith("terminal")
    again = subprocess.run([sys.executable, "-m", "bot", "report", "--review", "--knowledge", str(knowledge),
                            "--db", str(store.path)], input="q\n", capture_output=True, text=True, cwd=ROOT,
                           timeout=300)
    assert TO_CLOSEST not in again.stdout and TO_IGNORE not in again.stdout and TO_ANOTHER in again.stdout


def test_undo_refuses_when_the_file_changed_since(knowledge):
    assert learn.add_question(knowledge, CLOSEST, TO_CLOSEST, "en", by="1").ok
    path = knowledge / "faq" / "50-investment.yaml"
    edited = path.read_text(encoding="utf-8") + "# a maintainer's note, saved by hand\n"
    path.write_text(edited, encoding="utf-8")
    undone = learn.undo_last(knowledge, by="1")
    assert not undone.ok and "changed after" in undone.message
    assert path.read_text(encoding="utf-8") == edited  # the later edit is not thrown away
