"""The update journal's bookkeeping (bot/tg/journal.py), on a real SQLite file."""

from __future__ import annotations

from bot.tg.journal import Journal


def test_states_replayed_calls_and_pruning(tmp_path):
    now = [1_000_000.0]
    journal = Journal(tmp_path / "j.sqlite3", keep_days=2, clock=lambda: now[0])
    updates = [{"update_id": n, "message": {"text": f"secret {n}"}} for n in (1, 2, 3)]
    assert journal.received(updates) == {1, 2, 3}
    assert journal.received(updates[:1]) == set()  # Telegram sent it again: not new
    tries, _, calls = journal.begin(1)
    assert (tries, calls) == (1, [])
    journal.sent(1, 0, "sendMessage", {"message_id": 7})
    assert journal.state(1) == "answered"
    tries, _, calls = journal.begin(1)  # handled again after a crash: the call is not made again
    assert (tries, calls) == (2, [("sendMessage", {"message_id": 7})])
    journal.finish(1, "sent")
    journal.finish(2, "dropped")
    assert [p.update_id for p in journal.pending()] == [3]
    assert journal.pending()[0].raw == updates[2]
    # finished rows keep no content, and go after keep_days; pending ones stay
    assert journal.db.execute("SELECT raw FROM journal WHERE update_id = 1").fetchone() == (None,)
    now[0] += 3 * 86400
    assert journal.prune() == 2
    assert journal.counts() == {"received": 1}
