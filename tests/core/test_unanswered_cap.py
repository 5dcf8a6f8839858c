"""The unanswered log has a daily cap: a flood of distinct nonsense is counted, not kept, what
is kept stays intact, and `faqbot report` says how much was left out."""

from __future__ import annotations

import os
import random
import sqlite3
import string
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

from bot.services.store import QuestionStore

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)


def report(path: Path, *args: str, **env: str) -> str:
    done = subprocess.run([sys.executable, "-m", "bot", "report", *args], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "FAQBOT_DB": str(path), **env}, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_flood_is_capped_per_day_and_counted(tmp_path):
    path = tmp_path / "faqbot.sqlite3"
    store = QuestionStore(path, daily_cap=50)
    for n in range(80):
        store.add_unanswered(f"nonsense {n} qwzx", "en", "private", "declined", "low-confidence", None, 0.0, at=NOW)
    for n in range(5):  # the next day has its own budget
        store.add_unanswered(f"tomorrow {n}", "en", "private", "declined", "low-confidence", None, 0.0,
                             at=NOW + timedelta(days=1))
    kept = store.unanswered(now=NOW + timedelta(days=1))
    assert len(kept) == 55
    assert sorted(row.text for row in kept if row.text.startswith("nonsense")) == sorted(
        f"nonsense {n} qwzx" for n in range(50))  # the first 50, untouched
    assert store.dropped(now=NOW + timedelta(days=1)) == 30
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    out = report(path, "--days", "3650", FAQBOT_UNANSWERED_PER_DAY="50")  # the longest look-back allowed
    assert "(30 more were not recorded: over the cap of 50 a day)" in out


def test_report_on_a_big_log_groups_the_frequent_and_counts_the_rest(tmp_path):
    path = tmp_path / "faqbot.sqlite3"
    QuestionStore(path)
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    rng = random.Random(8)
    gibberish = ["".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(3, 9))) for _ in range(3000)]
    rows = [(stamp, " ".join(rng.sample(gibberish, 4)) + "?", "en", "private", "declined", "low-confidence", None,
             0.0) for _ in range(6486)]
    rows += [(stamp, "What is the weather in Paris tomorrow?", "en", "private", "declined", "low-confidence",
              "gdp-2013", 5.0)] * 40
    with sqlite3.connect(path) as db:
        db.executemany("INSERT INTO unanswered (asked_at, text, lang, chat_type, status, reason, best_id, best_score)"
                       " VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
    out = report(path, "--limit", "3")
    assert out.startswith("Unanswered questions (last 30 days): 6526 in ")
    assert "1. 40× “What is the weather in Paris tomorrow?”" in out
    assert "rarer wordings, are counted but not grouped)" in out
