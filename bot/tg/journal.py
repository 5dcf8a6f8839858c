"""The update journal: every update is written to SQLite before Telegram may forget it.

Long polling confirms updates to Telegram with the next getUpdates call; a webhook
confirms them with its HTTP answer. Either way Telegram never sends them again, while
the bot may still be answering them (group replies wait for the group's pace). So each
update is written here first, with the state of its reply:

    received   written, not yet handled (or handling did not finish)
    answered   handling started sending: some of its Bot API calls are recorded in
               journal_sends, the rest not yet
    sent       handled to the end: every reply was accepted by Telegram
    dropped    deliberately not answered (a group flooding past its budget)
    skipped    could not be parsed or handled after a few tries (a poisoned update)

Each Bot API call an update's handling makes (a message sent, an edit, a button
answered) is recorded with Telegram's result the moment Telegram accepts it. When the
bot starts, updates not yet sent are handled again, in order; calls already recorded
are not made a second time: the recorded result stands in for them. The one gap is a
call Telegram accepted whose answer the bot had not recorded yet when it died.

The raw update (which holds the user's text and id) is kept only until it is handled;
then only its id, kind, times and state remain, and those rows are pruned after
`keep_days`.

No python-telegram-bot here: dicts in, dicts out. One connection, used from the event
loop's thread; each write is one small transaction (WAL, synchronous=NORMAL: it
survives the process being killed; a power cut may lose the last moments), except the
end of handling, which is not urgent: `finish_soon` writes the updates finished in one
turn of the event loop together, in one transaction (see there).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def scrub(value):
    """The value with every lone surrogate in its strings replaced by U+FFFD.

    JSON may carry them (as \\ud800 escapes) and some clients send them; UTF-8 cannot
    encode them, so the first library to encode the text (OpenCC, httpx, SQLite) fails."""
    if isinstance(value, str):
        return LONE_SURROGATE.sub("\ufffd", value) if LONE_SURROGATE.search(value) else value
    if isinstance(value, dict):
        return {key: scrub(item) for key, item in value.items()}
    if isinstance(value, list):
        return [scrub(item) for item in value]
    return value


SCHEMA = """
CREATE TABLE IF NOT EXISTS journal (
    update_id    INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL,      -- message, callback_query, inline_query, ... (or ? if unreadable)
    received_at  REAL NOT NULL,      -- Unix time the bot wrote it
    state        TEXT NOT NULL,      -- received, answered, sent, dropped, skipped
    tries        INTEGER NOT NULL DEFAULT 0,
    finished_at  REAL,
    raw          TEXT                -- the update as Telegram sent it; NULL once finished
);
CREATE INDEX IF NOT EXISTS journal_state ON journal (state, update_id);
CREATE TABLE IF NOT EXISTS journal_sends (
    update_id    INTEGER NOT NULL,
    seq          INTEGER NOT NULL,   -- 0, 1, 2 ...: the order of the calls while handling it
    method       TEXT NOT NULL,
    result       TEXT NOT NULL,      -- Telegram's result, JSON
    PRIMARY KEY (update_id, seq)
);
"""

PENDING = ("received", "answered")
FINISHED = ("sent", "dropped", "skipped")


def update_kind(raw: dict) -> str:
    """The kind of an update ("message", "callback_query" ...), from its raw JSON."""
    kinds = [key for key in raw if key != "update_id"]
    return kinds[0] if kinds else "?"


@dataclass(frozen=True)
class Pending:
    update_id: int
    kind: str
    received_at: float
    tries: int
    raw: dict | None


class Journal:
    """The journal tables, in the question database's SQLite file or a file of their own."""

    def __init__(self, path: Path | str, *, keep_days: float = 2.0, clock=time.time):
        self.path = Path(path)
        self.keep_days = keep_days
        self.clock = clock
        if not self.path.parent.exists():
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, timeout=10, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA busy_timeout=10000")
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(SCHEMA)
        # Updates this process wrote and has not begun handling: received, not tried, no
        # calls recorded, so starting to handle one needs no reading (update id -> received at).
        self._fresh: dict[int, float] = {}
        self._finishing: list[tuple[int, str, str, float]] = []  # finish_soon's, not yet written

    def close(self) -> None:
        self.write_finished()
        self.db.close()

    # --- writing -----------------------------------------------------------------------

    def received(self, raws: Iterable[dict]) -> set[int]:
        """Write fetched updates (one transaction); returns the ids that were new.

        An id already in the journal was written before (Telegram sends an update again
        when the bot died before confirming it): it is handled from the journal, not anew.
        """
        now = self.clock()
        new = set()
        with self.db:
            self.db.execute("BEGIN")
            for raw in raws:
                update_id = int(raw["update_id"])
                cursor = self.db.execute(
                    "INSERT OR IGNORE INTO journal (update_id, kind, received_at, state, raw) VALUES (?, ?, ?, ?, ?)",
                    (update_id, update_kind(raw), now, "received", json.dumps(raw, ensure_ascii=False)))
                if cursor.rowcount:
                    new.add(update_id)
        self._fresh.update(dict.fromkeys(new, now))
        return new

    def state(self, update_id: int) -> str | None:
        if update_id in self._fresh:
            return "received"
        self.write_finished()
        row = self.db.execute("SELECT state FROM journal WHERE update_id = ?", (update_id,)).fetchone()
        return row[0] if row else None

    def begin(self, update_id: int) -> tuple[int, float, list]:
        """Handling starts (again): count the try; returns (tries so far, when it was
        received, (method, result) of the calls already made for it, in order)."""
        with self.db:
            self.db.execute("UPDATE journal SET tries = tries + 1 WHERE update_id = ?", (update_id,))
        received_at = self._fresh.pop(update_id, None)
        if received_at is not None:  # its first try, and nothing recorded: nothing to read
            return 1, received_at, []
        self.write_finished()
        row = self.db.execute("SELECT tries, received_at FROM journal WHERE update_id = ?", (update_id,)).fetchone()
        results = [(method, json.loads(result)) for method, result in self.db.execute(
            "SELECT method, result FROM journal_sends WHERE update_id = ? ORDER BY seq", (update_id,))]
        return (row[0], row[1], results) if row else (1, self.clock(), results)

    def untry(self, update_id: int) -> None:
        """A try that was interrupted by a shutdown does not count against the update."""
        with self.db:
            self.db.execute("UPDATE journal SET tries = MAX(tries - 1, 0) WHERE update_id = ?", (update_id,))

    def sent(self, update_id: int, seq: int, method: str, result) -> None:
        """Telegram accepted a call made while handling the update: record it first thing."""
        self._fresh.pop(update_id, None)
        with self.db:
            self.db.execute("BEGIN")
            self.db.execute("INSERT OR REPLACE INTO journal_sends (update_id, seq, method, result) VALUES (?, ?, ?, ?)",
                            (update_id, seq, method, json.dumps(result, ensure_ascii=False)))
            self.db.execute("UPDATE journal SET state = 'answered' WHERE update_id = ? AND state = 'received'",
                            (update_id,))

    def finish(self, update_id: int, state: str = "sent", kind: str = "?") -> None:
        """Handled (sent), deliberately left unanswered (dropped) or given up (skipped):
        forget the update's content and its calls."""
        assert state in FINISHED
        self._finishing.append((update_id, state, kind, self.clock()))
        self.write_finished()

    def finish_soon(self, update_id: int, state: str = "sent", kind: str = "?") -> None:
        """finish, written at the end of this turn of the event loop together with the other
        updates finished in it: one transaction for a burst's many instead of one each
        (issue 12). Nothing is lost if the process dies first: the update is handled again
        at the next start with its calls recorded, so none is made twice. Reads see it at once."""
        assert state in FINISHED
        if not self._finishing:
            asyncio.get_running_loop().call_soon(self.write_finished)
        self._finishing.append((update_id, state, kind, self.clock()))

    def write_finished(self) -> None:
        """Write the finishes waiting (finish_soon), in one transaction."""
        if not self._finishing:
            return
        finishing, self._finishing = self._finishing, []
        with self.db:
            self.db.execute("BEGIN")
            for update_id, state, kind, at in finishing:
                self._fresh.pop(update_id, None)
                cursor = self.db.execute("UPDATE journal SET state = ?, finished_at = ?, raw = NULL"
                                         " WHERE update_id = ?", (state, at, update_id))
                if not cursor.rowcount:  # never written (an update put in the queue by other means)
                    self.db.execute("INSERT OR IGNORE INTO journal (update_id, kind, received_at, state, finished_at)"
                                    " VALUES (?, ?, ?, ?, ?)", (update_id, kind, at, state, at))
            self.db.executemany("DELETE FROM journal_sends WHERE update_id = ?",
                                [(update_id,) for update_id, *_ in finishing])

    def prune(self) -> int:
        """Delete finished rows older than keep_days; returns how many."""
        cutoff = self.clock() - self.keep_days * 86400
        self.write_finished()
        with self.db:
            return self.db.execute("DELETE FROM journal WHERE state IN ('sent', 'dropped', 'skipped')"
                                   " AND finished_at < ?", (cutoff,)).rowcount

    # --- reading -----------------------------------------------------------------------

    def pending(self) -> list[Pending]:
        """Updates not handled to the end, oldest first."""
        self.write_finished()
        rows = self.db.execute("SELECT update_id, kind, received_at, tries, raw FROM journal"
                               " WHERE state IN ('received', 'answered') ORDER BY update_id").fetchall()
        return [Pending(uid, kind, at, tries, json.loads(raw) if raw else None) for uid, kind, at, tries, raw in rows]

    def counts(self) -> dict[str, int]:
        self.write_finished()
        return dict(self.db.execute("SELECT state, COUNT(*) FROM journal GROUP BY state").fetchall())


async def prune_journal(journal: Journal, every: float = 3600.0) -> None:
    while True:
        try:
            deleted = journal.prune()
            if deleted:
                log.info("deleted %d old journal rows", deleted)
        except Exception:  # noqa: BLE001 - next hour is another try
            log.exception("pruning the update journal failed")
        await asyncio.sleep(every)
