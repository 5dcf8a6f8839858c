"""The update journal's bookkeeping (bot/tg/journal.py), on a real SQLite file."""

from __future__ import annotations

import asyncio
import sqlite3

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


def test_updates_finished_in_one_turn_of_the_loop_are_written_together(tmp_path):
    path = tmp_path / "j.sqlite3"
    journal = Journal(path)
    journal.received([{"update_id": n, "message": {"text": "q"}} for n in (1, 2, 3)])
    for update_id in (1, 2, 3):
        assert journal.state(update_id) == "received"
        assert journal.begin(update_id)[::2] == (1, [])  # first try, nothing recorded
        journal.sent(update_id, 0, "sendMessage", {"message_id": 10 + update_id})

    def written() -> dict[str, int]:
        with sqlite3.connect(path) as other:  # as the next start would read it
            return dict(other.execute("SELECT state, COUNT(*) FROM journal GROUP BY state").fetchall())

    async def handle() -> dict[str, int]:
        journal.finish_soon(1)
        journal.finish_soon(2)
        before = written()
        await asyncio.sleep(0)  # the end of this turn of the loop
        return before

    assert asyncio.run(handle()) == {"answered": 3}  # until then a crash replays them, recorded calls and all
    assert written() == {"sent": 2, "answered": 1}
    assert journal.begin(3)[2] == [("sendMessage", {"message_id": 13})]

    async def finish_and_read() -> None:
        journal.finish_soon(3)
        assert journal.state(3) == "sent"  # this process reads its own writes at once

    asyncio.run(finish_and_read())
    assert journal.db.execute("SELECT COUNT(*) FROM journal_sends").fetchone() == (0,)


def test_a_sent_message_is_kept_without_the_question_it_quotes():
    from bot.tg.journaled import without_quoted

    sent = {"message_id": 9, "text": "answer", "reply_to_message": {"message_id": 5, "text": "a user's question"}}
    assert without_quoted(sent) == {"message_id": 9, "text": "answer"}
    assert sent["reply_to_message"]["text"] == "a user's question"  # Telegram's answer itself is left as it was
    assert without_quoted([{"update_id": 1}]) == [{"update_id": 1}]
    assert without_quoted(True) is True
