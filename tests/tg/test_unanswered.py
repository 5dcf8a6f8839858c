"""Unanswered questions: the SQLite store (concurrent writes, no user data, retention),
`faqbot report` grouping similar questions, and /unanswered for admins in Telegram."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from bot.core import ask
from bot.services.knowledge import LiveKnowledge
from bot.services.recording import unanswered_reason
from bot.services.store import QuestionStore
from telegram_harness import (
    DECLINED_CANDIDATES,
    IGNORE_PTB_WARNINGS,
    KNOWLEDGE,
    find_question,
    running_bot,
    scaled_settings,
)

pytestmark = pytest.mark.filterwarnings(IGNORE_PTB_WARNINGS)
ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2024, 6, 1, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def store(tmp_path) -> QuestionStore:
    return QuestionStore(tmp_path / "questions.sqlite3", retention_days=90)


def rows(store: QuestionStore, table: str) -> list[tuple]:
    with sqlite3.connect(store.path) as db:
        return db.execute(f"SELECT * FROM {table}").fetchall()  # noqa: S608 - our own table names


def columns(store: QuestionStore, table: str) -> list[str]:
    with sqlite3.connect(store.path) as db:
        return [row[1] for row in db.execute(f"PRAGMA table_info({table})")]


def test_the_schema_has_no_place_for_who_asked(store):
    assert columns(store, "unanswered") == ["id", "asked_at", "text", "lang", "chat_type", "status", "reason",
                                           "best_id", "best_score"]
    assert columns(store, "answer_counts") == ["day", "entry_id", "lang", "chat_type", "count"]
    with sqlite3.connect(store.path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)


async def test_concurrent_writes_from_many_tasks_all_land(store, kb):
    live = LiveKnowledge(KNOWLEDGE, store=store)
    kb = live.kb
    declined = find_question(kb, "declined", DECLINED_CANDIDATES)
    reply_declined = ask(kb, declined)
    reply_answered = ask(kb, "How much did Chongqing export to the US?")
    assert unanswered_reason(kb, reply_declined) is not None

    async def handler(number: int) -> None:
        await asyncio.sleep(0.001 * (number % 7))
        live.record(reply_declined if number % 2 else reply_answered, "private" if number % 3 else "supergroup")

    await asyncio.gather(*(handler(number) for number in range(200)))
    await live.flush()
    # and straight from threads, as `asyncio.to_thread` callers would
    await asyncio.gather(*(asyncio.to_thread(store.count_answer, "gdp-2013", "zh", "group") for _ in range(100)))

    assert len(rows(store, "unanswered")) == 100
    counts = {(entry, lang, chat): count for _, entry, lang, chat, count in rows(store, "answer_counts")}
    exports = reply_answered.match.entry_id
    assert counts[(exports, "en", "private")] + counts[(exports, "en", "supergroup")] == 100
    assert counts[("gdp-2013", "zh", "group")] == 100


def test_old_records_are_pruned(store):
    for days_ago in (0, 10, 89, 91, 400):
        moment = NOW - timedelta(days=days_ago)
        store.add_unanswered(f"question {days_ago}", "en", "private", "declined", "low-confidence", None, 0.0,
                             at=moment)
        store.count_answer("gdp-2013", "en", "private", at=moment)
    assert store.prune(now=NOW) == 4
    assert sorted(row.text for row in store.unanswered(now=NOW)) == ["question 0", "question 10", "question 89"]
    assert sum(row.count for row in store.answer_counts(now=NOW)) == 3
    assert [row.text for row in store.unanswered(days=30, now=NOW)] == ["question 0", "question 10"]
    assert store.prune(now=NOW) == 0


def fill(store: QuestionStore) -> None:
    now = datetime.now(timezone.utc)
    weather = ["What is the weather in Paris tomorrow?", "what's the weather in paris tomorrow",
               "Paris weather tomorrow?", "weather in Paris tomorrow please", "WEATHER IN PARIS TOMORROW"]
    for number, text in enumerate(weather):
        store.add_unanswered(text, "en", "private", "declined", "low-confidence", "gdp-2013", 3.0 + number,
                             at=now - timedelta(hours=number))
    for text in ("重庆2019年的GDP是多少", "重庆2019年GDP多少？", "重庆2019年的GDP"):
        store.add_unanswered(text, "zh", "supergroup", "declined", "other-year", "gdp-2013", 70.0)
    store.add_unanswered("Who won the football world cup?", "en", "private", "declined", "low-confidence",
                         None, 0.0)
    store.add_unanswered("<b>old</b> question", "en", "private", "declined", "low-confidence", None, 0.0,
                         at=now - timedelta(days=60))
    for _ in range(3):
        store.count_answer("exports-to-us-2013", "en", "private")
    store.count_answer("exports-to-us-2013", "zh", "supergroup")
    store.count_answer("gdp-2013", "zh", "private")


def test_faqbot_report_groups_similar_questions(store):
    fill(store)
    env = {**os.environ, "FAQBOT_DB": str(store.path)}
    result = subprocess.run([sys.executable, "-m", "bot", "report", "--days", "30"], capture_output=True,
                            text=True, cwd=ROOT, env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    out = result.stdout.splitlines()
    assert out[0] == "Unanswered questions (last 30 days): 9 in 3 groups"
    assert out[1] == "1. 5× “What is the weather in Paris tomorrow?”"
    assert out[2].startswith("   also: “") and out[2].endswith("” and 2 more")  # 5 wordings, 3 shown
    assert out[3] == "   closest: gdp-2013 (typical score 5) · low-confidence 5 · languages: en 5"
    assert out[4] == "   → new entry, or out of scope (closest gdp-2013 is far)"
    second = next(number for number, line in enumerate(out) if line.startswith("2. 3× “重庆2019年"))
    assert out[second + 1].startswith("   also: “重庆2019年")
    assert out[second + 2] == "   closest: gdp-2013 (typical score 70) · other-year 3 · languages: zh 3"
    assert "beyond the source (other-year)" in out[second + 3]
    assert any(line.startswith("3. 1× “Who won the football world cup?”") for line in out)
    assert not any("old" in line for line in out)  # 60 days ago: outside --days 30
    answers = out.index("Answers per entry (last 30 days): 5")
    assert out[answers + 1].split() == ["4", "exports-to-us-2013", "en", "3,", "zh", "1", "·", "private", "3,",
                                        "group", "1"]
    assert out[answers + 2].split()[:2] == ["1", "gdp-2013"]
    assert out[-1].startswith("Never answered: ")

    everything = subprocess.run([sys.executable, "-m", "bot", "report", "--days", "90", "--limit", "1"],
                                capture_output=True, text=True, cwd=ROOT, env=env, timeout=60).stdout
    assert everything.startswith("Unanswered questions (last 90 days): 10 in 4 groups, top 1 shown\n")


def test_faqbot_report_without_a_database_says_so(tmp_path):
    env = {**os.environ, "FAQBOT_DB": str(tmp_path / "none.sqlite3")}
    result = subprocess.run([sys.executable, "-m", "bot", "report"], capture_output=True, text=True, cwd=ROOT,
                            env=env, timeout=60)
    assert result.returncode == 1 and "FAQBOT_DB" in result.stderr
    assert not (tmp_path / "none.sqlite3").exists()


ADMIN = 710001


def admin_settings(api):
    admin = api.add_user("Li", user_id=ADMIN, language_code="en")
    api.private_chat(admin)
    return scaled_settings(api, admins=frozenset({ADMIN}))


async def test_questions_are_recorded_without_who_asked_and_shown_with_unanswered(store):
    live = LiveKnowledge(KNOWLEDGE, store=store)
    async with running_bot(live=live, settings=admin_settings) as bot:
        try:
            alice = bot.api.add_user("Alice", last_name="Smith", username="alice_s", language_code="en")
            chat = bot.api.private_chat(alice)
            declined = find_question(live.kb, "declined", DECLINED_CANDIDATES)
            for text in (declined, declined.lower(), "<b>wifi</b> & password?", "How much did Chongqing export?"):
                await bot.reply_to(bot.api.user_sends(alice, chat, text))
            group = bot.api.add_group("Fair hall", members=[alice])
            await bot.reply_to(bot.api.user_sends(alice, group, f"/ask {declined}"))
            await live.flush()

            recorded = store.unanswered()
            assert {row.text for row in recorded} >= {declined, declined.lower(), "<b>wifi</b> & password?"}
            assert {row.chat_type for row in recorded} == {"private", "supergroup"}
            assert all(row.status == "declined" for row in recorded if row.text != "How much did Chongqing export?")
            # nothing about Alice or her chats anywhere in the file
            with sqlite3.connect(store.path) as db:
                dump = "\n".join(db.iterdump())
            for secret in (str(alice["id"]), "Alice", "Smith", "alice_s", str(group["id"])):
                assert secret not in dump

            admin_chat = bot.api.private_chat(ADMIN)
            bot.api.user_sends(ADMIN, admin_chat, "/unanswered")
            report = await bot.new_bot_message(admin_chat, 0)
            assert report.text.startswith("Unanswered questions (last 30 days):")
            assert f"1. 3× “{declined}”" in report.text  # the same question, three times, grouped
            assert "“<b>wifi</b> & password?”" in report.text  # shown as typed ...
            assert "&lt;b&gt;wifi&lt;/b&gt; &amp; password?" in report.html  # ... because it was escaped
            assert "Answers per entry" in report.text
            assert report.html.startswith("<b>Unanswered questions")

            # everyone else: the unknown-command reply
            sent = len(bot.api.bot_messages(chat))
            bot.api.user_sends(alice, chat, "/nosuchcommand")
            unknown = await bot.new_bot_message(chat, sent)
            bot.api.user_sends(alice, chat, "/unanswered")
            refused = await bot.new_bot_message(chat, sent + 1)
            assert refused.text == unknown.text
            assert bot.api.schema_violations == [] and bot.errors.messages == []
        finally:
            await bot.app.post_shutdown(bot.app)


async def test_the_bot_opens_the_database_from_its_settings_and_prunes_on_start(tmp_path):
    path = tmp_path / "state" / "faqbot.sqlite3"
    QuestionStore(path).add_unanswered("asked long ago", "en", "private", "declined", "low-confidence", None, 0.0,
                                       at=datetime.now(timezone.utc) - timedelta(days=8))
    live = LiveKnowledge(KNOWLEDGE)
    settings = lambda api: scaled_settings(api, database=path, retention_days=7)  # noqa: E731
    async with running_bot(live=live, settings=settings) as bot:
        try:
            assert live.store is not None and live.store.path == path
            await bot.api.wait_for(lambda: not live.store.unanswered(), timeout=5)  # pruned by post_init
            alice = bot.api.add_user("Alice", language_code="en")
            chat = bot.api.private_chat(alice)
            await bot.reply_to(bot.api.user_sends(alice, chat, find_question(live.kb, "declined",
                                                                              DECLINED_CANDIDATES)))
        finally:
            await bot.app.post_shutdown(bot.app)  # also waits for the last records
    assert len(live.store.unanswered()) == 1


def test_settings_from_the_environment(tmp_path):
    from bot.tg.settings import TelegramSettings

    admins = tmp_path / "admins.txt"
    admins.write_text("# fair office\n123456789  # Li\n\n  987654321\n", encoding="utf-8")
    settings = TelegramSettings.from_env({"FAQBOT_ADMINS": "5, 6", "FAQBOT_ADMINS_FILE": str(admins),
                                          "FAQBOT_DB": str(tmp_path / "q.sqlite3"), "FAQBOT_RETENTION_DAYS": "30"})
    assert settings.admins == {5, 6, 123456789, 987654321}
    assert settings.database == tmp_path / "q.sqlite3" and settings.retention_days == 30
    assert settings.watch_knowledge is True
    defaults = TelegramSettings.from_env({})
    assert defaults.database == Path("faqbot.sqlite3") and defaults.retention_days == 90
    assert TelegramSettings.from_env({"FAQBOT_DB": "off", "FAQBOT_WATCH": "off"}).database is None
    assert TelegramSettings.from_env({"FAQBOT_WATCH": "off"}).watch_knowledge is False
    admins.write_text("123\nLi\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"admins.txt:2: expected a numeric Telegram user id"):
        TelegramSettings.from_env({"FAQBOT_ADMINS_FILE": str(admins)})
    with pytest.raises(ValueError, match="FAQBOT_RETENTION_DAYS"):
        TelegramSettings.from_env({"FAQBOT_RETENTION_DAYS": "ninety"})
