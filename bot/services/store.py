"""What the bot remembers about its questions: the unanswered ones, and answer counts.

An SQLite file (the standard library's sqlite3, nothing to install or run):

    unanswered     one row per declined, "did you mean" or low-confidence question:
                   its text, language, chat type, time, best guess and reason
    answer_counts  answered questions per day, entry, language and chat type

No user name, user id, chat id or message id is stored: a question's text is kept
for maintainers to read, never who asked it or where. Rows older than the retention
period are deleted (`prune`, run when the bot starts and then daily).

Every call opens its own connection, so several handlers (threads) can write at
once; the file is in WAL mode, so `faqbot report` can read while the bot writes.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

DEFAULT_RETENTION_DAYS = 90
DEFAULT_DAILY_CAP = 1000  # unanswered questions recorded per day; the rest only counted
MAX_TEXT = 1000  # characters of a question kept (the engine matches no more either)

SCHEMA = """
CREATE TABLE IF NOT EXISTS unanswered (
    id          INTEGER PRIMARY KEY,
    asked_at    TEXT NOT NULL,     -- UTC, ISO 8601 to the second
    text        TEXT NOT NULL,     -- the question as asked (mentions of the bot removed)
    lang        TEXT NOT NULL,     -- language of the question: en or zh
    chat_type   TEXT NOT NULL,     -- private, group, supergroup
    status      TEXT NOT NULL,     -- declined, ambiguous, or answered (with low confidence)
    reason      TEXT NOT NULL,     -- low-confidence, other-year, other-place, ..., did-you-mean, low-score
    best_id     TEXT,              -- the entry it came closest to, if any
    best_score  REAL NOT NULL      -- that entry's confidence, 0-100
);
CREATE INDEX IF NOT EXISTS unanswered_asked_at ON unanswered (asked_at);
CREATE TABLE IF NOT EXISTS unanswered_dropped (
    day         TEXT PRIMARY KEY,  -- UTC date: questions not recorded that day, over the daily cap
    count       INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS reviewed (
    text        TEXT PRIMARY KEY,  -- an unanswered wording a maintainer dealt with: not suggested again
    outcome     TEXT NOT NULL,     -- "added to ENTRY" or "ignored"
    at          TEXT NOT NULL      -- UTC, ISO 8601 to the second
);
CREATE TABLE IF NOT EXISTS answer_counts (
    day         TEXT NOT NULL,     -- UTC date, YYYY-MM-DD
    entry_id    TEXT NOT NULL,
    lang        TEXT NOT NULL,
    chat_type   TEXT NOT NULL,
    count       INTEGER NOT NULL,
    PRIMARY KEY (day, entry_id, lang, chat_type)
);
"""


@dataclass(frozen=True)
class Unanswered:
    asked_at: str
    text: str
    lang: str
    chat_type: str
    status: str
    reason: str
    best_id: str | None
    best_score: float


@dataclass(frozen=True)
class AnswerCount:
    entry_id: str
    lang: str
    chat_type: str
    count: int


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def _stamp(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")


class QuestionStore:
    """The SQLite file; safe to share between threads and processes."""

    def __init__(self, path: Path | str, retention_days: int = DEFAULT_RETENTION_DAYS,
                 daily_cap: int = DEFAULT_DAILY_CAP):
        self.path = Path(path)
        self.retention_days = retention_days
        self.daily_cap = daily_cap  # a flood of distinct nonsense cannot grow the file without bound
        if self.path.parent and not self.path.parent.exists():
            self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(self._connect()) as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=10)
        db.execute("PRAGMA busy_timeout=10000")
        db.execute("PRAGMA synchronous=NORMAL")  # with WAL: durable enough, and quick
        return db

    # --- writing -----------------------------------------------------------------------

    def add_unanswered(self, text: str, lang: str, chat_type: str, status: str, reason: str,
                       best_id: str | None, best_score: float, at: datetime | None = None) -> None:
        moment = at or utc_now()
        day = moment.astimezone(timezone.utc).date()
        with closing(self._connect()) as db, db:
            recorded = db.execute("SELECT COUNT(*) FROM unanswered WHERE asked_at >= ? AND asked_at < ?",
                                  (day.isoformat(), (day + timedelta(days=1)).isoformat())).fetchone()[0]
            if recorded >= self.daily_cap:  # keep what is there; count what is not
                db.execute("INSERT INTO unanswered_dropped (day, count) VALUES (?, 1)"
                           " ON CONFLICT (day) DO UPDATE SET count = count + 1", (day.isoformat(),))
                return
            db.execute("INSERT INTO unanswered (asked_at, text, lang, chat_type, status, reason, best_id, best_score)"
                       " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       (_stamp(moment), text[:MAX_TEXT], lang, chat_type, status, reason, best_id,
                        float(best_score)))

    def count_answer(self, entry_id: str, lang: str, chat_type: str, at: datetime | None = None) -> None:
        self.count_answers({(entry_id, lang, chat_type): 1}, at)

    def count_answers(self, counts: Mapping[tuple[str, str, str], int], at: datetime | None = None) -> None:
        """Add answers given, by (entry id, language, chat type), to the day's counts: one
        transaction however many (opening the file costs more than the writing)."""
        day = (at or utc_now()).astimezone(timezone.utc).date().isoformat()
        with closing(self._connect()) as db, db:
            db.executemany("INSERT INTO answer_counts (day, entry_id, lang, chat_type, count) VALUES (?, ?, ?, ?, ?)"
                           " ON CONFLICT (day, entry_id, lang, chat_type) DO UPDATE SET count = count + excluded.count",
                           [(day, entry_id, lang, chat_type, count)
                            for (entry_id, lang, chat_type), count in counts.items()])

    def mark_reviewed(self, texts, outcome: str, at: datetime | None = None) -> None:
        """Wordings a maintainer added to an entry or chose to ignore: never suggested again."""
        with closing(self._connect()) as db, db:
            db.executemany("INSERT OR REPLACE INTO reviewed (text, outcome, at) VALUES (?, ?, ?)",
                           [(text, outcome, _stamp(at or utc_now())) for text in texts])

    def reviewed(self) -> dict[str, str]:
        """Wording -> what a maintainer did with it."""
        with closing(self._connect()) as db:
            return dict(db.execute("SELECT text, outcome FROM reviewed").fetchall())

    def answers_per_day(self, days: float | None = None, now: datetime | None = None) -> list[tuple[str, int]]:
        """(UTC day, answers) over the last `days` days, oldest first."""
        since = ((now or utc_now()) - timedelta(days=days)).date().isoformat() if days is not None else ""
        with closing(self._connect()) as db:
            return db.execute("SELECT day, SUM(count) FROM answer_counts WHERE day >= ? GROUP BY day ORDER BY day",
                              (since,)).fetchall()

    def prune(self, now: datetime | None = None) -> int:
        """Delete what is older than the retention period; returns the rows deleted."""
        cutoff = (now or utc_now()) - timedelta(days=self.retention_days)
        with closing(self._connect()) as db, db:
            deleted = db.execute("DELETE FROM unanswered WHERE asked_at < ?", (_stamp(cutoff),)).rowcount
            first_day = cutoff.astimezone(timezone.utc).date().isoformat()
            deleted += db.execute("DELETE FROM answer_counts WHERE day < ?", (first_day,)).rowcount
            db.execute("DELETE FROM unanswered_dropped WHERE day < ?", (first_day,))
        return deleted

    # --- reading -----------------------------------------------------------------------

    def unanswered(self, days: float | None = None, now: datetime | None = None) -> list[Unanswered]:
        """Unanswered questions of the last `days` days (all kept ones if None), newest first."""
        since = _stamp((now or utc_now()) - timedelta(days=days)) if days is not None else ""
        with closing(self._connect()) as db:
            rows = db.execute("SELECT asked_at, text, lang, chat_type, status, reason, best_id, best_score"
                              " FROM unanswered WHERE asked_at >= ? ORDER BY asked_at DESC, id DESC",
                              (since,)).fetchall()
        return [Unanswered(*row) for row in rows]

    def dropped(self, days: float | None = None, now: datetime | None = None) -> int:
        """Unanswered questions not recorded over the last `days` days (over the daily cap)."""
        since = ((now or utc_now()) - timedelta(days=days)).date().isoformat() if days is not None else ""
        with closing(self._connect()) as db:
            return db.execute("SELECT COALESCE(SUM(count), 0) FROM unanswered_dropped WHERE day >= ?",
                              (since,)).fetchone()[0]

    def answer_counts(self, days: float | None = None, now: datetime | None = None) -> list[AnswerCount]:
        """Answers per entry, language and chat type over the last `days` days."""
        since = ((now or utc_now()) - timedelta(days=days)).date().isoformat() if days is not None else ""
        with closing(self._connect()) as db:
            rows = db.execute("SELECT entry_id, lang, chat_type, SUM(count) FROM answer_counts WHERE day >= ?"
                              " GROUP BY entry_id, lang, chat_type", (since,)).fetchall()
        return [AnswerCount(*row) for row in rows]
