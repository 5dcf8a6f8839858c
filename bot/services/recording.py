"""Question recording: what the bot could not answer well, and how often each answer was given.

A `QuestionRecorder` writes to a `QuestionStore` (or keeps nothing, without one). Which
questions count as unanswered depends on the knowledge being served, so the recorder is
given a way to read the current base rather than a copy of it.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Callable

from ..core import ANSWERED, DECLINED, KnowledgeBase, Reply
from ..core.engine import SMALL_TALK
from .store import QuestionStore

log = logging.getLogger(__name__)

NOT_RECORDED = (*SMALL_TALK, "empty")  # not questions: nothing to learn from them
SURE_MARGIN = 20.0  # answers scoring below threshold + this count as low-confidence


def sure_score(kb: KnowledgeBase) -> float:
    """The score from which an answer counts as confident: also the bar for answering a
    group message nobody addressed to the bot (tg.handlers.questions)."""
    return min(float(kb.settings["threshold"]) + SURE_MARGIN, 90.0)


def unanswered_reason(kb: KnowledgeBase, reply: Reply) -> str | None:
    """Why a reply goes on the unanswered list, or None when it was answered confidently."""
    found = reply.match
    if found.status == DECLINED:
        return None if found.reason in NOT_RECORDED else (found.reason or "low-confidence")
    if found.status != ANSWERED:
        return "did-you-mean"
    return "low-score" if found.score < sure_score(kb) else None


class QuestionRecorder:
    """Records the questions a bot replied to into `store`; does nothing when `store` is None."""

    def __init__(self, store: QuestionStore | None, current_kb: Callable[[], KnowledgeBase]):
        self.store = store
        self._current_kb = current_kb  # the base being served now (it changes on reload)
        self._writes: set[asyncio.Future[None]] = set()
        # answers given, not yet written: while one write of counts is under way the next
        # ones gather here and go in one transaction (each write opens the file: about a
        # millisecond of CPU, more than answering the question; issue 12)
        self._counts: Counter[tuple[str, str, str]] = Counter()
        self._counting = False

    def record(self, reply: Reply, chat_type: str) -> None:
        """Remember a question the bot replied to, if a store is configured: the unanswered
        ones with their best guess, and a count for each answer. Who asked is not recorded.

        Called from handlers: from a running event loop the write happens in a worker
        thread (see `flush`), so a slow disk never holds up other chats."""
        if self.store is None:
            return
        found = reply.match
        if found.status == ANSWERED and found.entry_id:
            self._counts[(found.entry_id, found.lang, chat_type)] += 1
        write = self._unanswered_write(self.store, reply, chat_type)
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            if write is not None:
                write()
            self._write_counts(self.store)
            return
        if write is not None:
            self._in_worker(write)
        if self._counts and not self._counting:
            self._count_in_worker(self.store)

    def _in_worker(self, write: Callable[[], None]) -> asyncio.Future[None]:
        future = asyncio.get_running_loop().run_in_executor(None, write)
        self._writes.add(future)
        future.add_done_callback(self._written)
        return future

    def _count_in_worker(self, store: QuestionStore) -> None:
        """Write the counts gathered so far; those gathered meanwhile follow when it is done."""
        self._counting = True
        counts, self._counts = self._counts, Counter()
        self._in_worker(lambda: store.count_answers(counts)).add_done_callback(self._counted)

    def _counted(self, future: asyncio.Future[None]) -> None:
        self._counting = False
        if self._counts and self.store is not None:
            self._count_in_worker(self.store)

    def _write_counts(self, store: QuestionStore) -> None:
        counts, self._counts = self._counts, Counter()
        if counts:
            store.count_answers(counts)

    def _unanswered_write(self, store: QuestionStore, reply: Reply, chat_type: str) -> Callable[[], None] | None:
        found = reply.match
        reason = unanswered_reason(self._current_kb(), reply)
        if reason is None:
            return None
        best = found.candidates[0] if found.candidates else None

        def write() -> None:
            store.add_unanswered(found.question, found.lang, chat_type, found.status, reason,
                                 best.entry_id if best else None, best.score if best else 0.0)
        return write

    def _written(self, future: asyncio.Future[None]) -> None:
        self._writes.discard(future)
        if not future.cancelled() and future.exception() is not None:
            log.error("recording a question failed", exc_info=future.exception())

    async def flush(self) -> None:
        """Wait for the question records still being written, counts gathered included."""
        while True:
            if self._counts and not self._counting and self.store is not None:
                self._count_in_worker(self.store)
            pending = [future for future in self._writes if not future.done()]
            if not pending and not (self._counts and self.store is not None):
                return
            if pending:
                await asyncio.gather(*pending, return_exceptions=True)
            else:
                await asyncio.sleep(0)  # a count write just ended: its callback starts the next
