"""Question recording: what the bot could not answer well, and how often each answer was given.

A `QuestionRecorder` writes to a `QuestionStore` (or keeps nothing, without one). Which
questions count as unanswered depends on the knowledge being served, so the recorder is
given a way to read the current base rather than a copy of it.
"""

from __future__ import annotations

import asyncio
import logging
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

    def record(self, reply: Reply, chat_type: str) -> None:
        """Remember a question the bot replied to, if a store is configured: the unanswered
        ones with their best guess, and a count for each answer. Who asked is not recorded.

        Called from handlers: from a running event loop the write happens in a worker
        thread (see `flush`), so a slow disk never holds up other chats."""
        if self.store is None:
            return
        write = self._write_for(self.store, reply, chat_type)
        if write is None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            write()
            return
        future = loop.run_in_executor(None, write)
        self._writes.add(future)
        future.add_done_callback(self._written)

    def _write_for(self, store: QuestionStore, reply: Reply, chat_type: str) -> Callable[[], None] | None:
        found = reply.match
        entry_id = found.entry_id if found.status == ANSWERED else None

        def count() -> None:
            if entry_id:
                store.count_answer(entry_id, found.lang, chat_type)
        reason = unanswered_reason(self._current_kb(), reply)
        if reason is None:
            return count if entry_id else None
        best = found.candidates[0] if found.candidates else None

        def write() -> None:
            store.add_unanswered(found.question, found.lang, chat_type, found.status, reason,
                                 best.entry_id if best else None, best.score if best else 0.0)
            count()
        return write

    def _written(self, future: asyncio.Future[None]) -> None:
        self._writes.discard(future)
        if not future.cancelled() and future.exception() is not None:
            log.error("recording a question failed", exc_info=future.exception())

    async def flush(self) -> None:
        """Wait for the question records still being written."""
        while pending := [future for future in self._writes if not future.done()]:
            await asyncio.gather(*pending, return_exceptions=True)
