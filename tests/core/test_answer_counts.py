"""Answer counts are gathered and written together: none is lost, and a burst of answers
costs one write, not one per answer (issue 12)."""

from __future__ import annotations

import asyncio

from bot.core import ask
from bot.services import recording
from bot.services.recording import QuestionRecorder
from bot.services.store import QuestionStore


def counted(store: QuestionStore) -> dict[tuple[str, str, str], int]:
    return {(row.entry_id, row.lang, row.chat_type): row.count for row in store.answer_counts(days=1)}


def test_answers_in_a_burst_are_counted_in_one_write_after_the_delay(kb, tmp_path, monkeypatch):
    monkeypatch.setattr(recording, "COUNT_DELAY", 0.2)
    store = QuestionStore(tmp_path / "faqbot.sqlite3")
    recorder = QuestionRecorder(store, lambda: kb)
    english, chinese = ask(kb, "What was Chongqing's GDP in 2013?"), ask(kb, "2013年重庆的GDP是多少？")
    assert english.answered and chinese.answered

    async def burst() -> tuple[dict, dict]:
        for _ in range(30):
            recorder.record(english, "private")
        recorder.record(chinese, "group")
        at_once = counted(store)
        await asyncio.sleep(0.6)  # the delay, and the worker thread's write
        return at_once, counted(store)

    at_once, later = asyncio.run(burst())
    assert at_once == {}  # nothing written while the answers go out
    assert later == {(english.match.entry_id, "en", "private"): 30, (chinese.match.entry_id, "zh", "group"): 1}


def test_flush_writes_what_is_gathered_without_waiting(kb, tmp_path, monkeypatch):
    monkeypatch.setattr(recording, "COUNT_DELAY", 3600.0)
    store = QuestionStore(tmp_path / "faqbot.sqlite3")
    recorder = QuestionRecorder(store, lambda: kb)
    reply = ask(kb, "What was Chongqing's GDP in 2013?")

    async def answer_then_stop() -> None:
        for _ in range(3):
            recorder.record(reply, "private")
        await recorder.flush()  # as the bot does when it stops, and before /stats and /unanswered
        for _ in range(2):  # answers after a flush start a new batch
            recorder.record(reply, "private")
        await recorder.flush()

    asyncio.run(answer_then_stop())
    assert counted(store) == {(reply.match.entry_id, "en", "private"): 5}


def test_without_an_event_loop_each_answer_is_written_at_once(kb, tmp_path):
    store = QuestionStore(tmp_path / "faqbot.sqlite3")
    reply = ask(kb, "What was Chongqing's GDP in 2013?")
    QuestionRecorder(store, lambda: kb).record(reply, "private")
    assert counted(store) == {(reply.match.entry_id, "en", "private"): 1}
