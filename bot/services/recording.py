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
# Answers are counted in memory and written this many seconds later, all at once: a write
# opens the file (about a millisecond of CPU, more than answering the question), and done
# at once it competed with the reply for the interpreter (issue 12). A crash loses the
# counts of the last second, never a reply; a shutdown writes them (`flush`).
COUNT_DELAY = 1.0


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
        self._counts: Counter[tuple[str, str, str]] = Counter()  # answers given, not yet written
        self._count_timer: asyncio.TimerHandle | None = None  # when they will be
        self._counting = False  # a write of counts is under way

    def record(self, reply: Reply, chat_type: str) -> None:
        """Remember a question the bot replied to, if a store is configured: the unanswered
        ones with their best guess, and a count for each answer. Who asked is not recorded.

        Called from handlers: from a running event loop the writes happen in a worker
        thread, answer counts gathered for COUNT_DELAY seconds (see `flush`), so a slow disk
        never holds up other chats."""
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
        self._count_later()

    def _in_worker(self, write: Callable[[], None]) -> asyncio.Future[None]:
        future = asyncio.get_running_loop().run_in_executor(None, write)
        self._writes.add(future)
        future.add_done_callback(self._written)
        return future

    def _count_later(self) -> None:
        if self._counts and self._count_timer is None and not self._counting:
            self._count_timer = asyncio.get_running_loop().call_later(COUNT_DELAY, self._count_in_worker)

    def _count_in_worker(self) -> None:
        """Write the counts gathered so far in a worker thread; those gathered meanwhile wait
        for the next write."""
        self._count_timer = None
        store = self.store
        if not self._counts or store is None:
            return
        self._counting = True
        counts, self._counts = self._counts, Counter()
        self._in_worker(lambda: store.count_answers(counts)).add_done_callback(self._counted)

    def _counted(self, future: asyncio.Future[None]) -> None:
        self._counting = False
        self._count_later()

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
        """Write what is gathered and wait for the question records still being written."""
        while True:
            if self._count_timer is not None:
                self._count_timer.cancel()
                self._count_in_worker()
            pending = [future for future in self._writes if not future.done()]
            if pending:
                await asyncio.gather(*pending, return_exceptions=True)
            elif self._counts and self.store is not None:
                if not self._counting:
                    self._count_in_worker()
                else:
                    await asyncio.sleep(0)  # a write just ended: let its callback run
            else:
                return
