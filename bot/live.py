"""The knowledge base a running bot serves: replaced whole, never edited in place.

Handlers read `live.kb` once per question; a reload builds a complete new base
and swaps the reference, so no question is answered from a half-loaded one, and
a broken edit leaves the last good base serving.

`watch()` reloads whenever a YAML file in the directory changes (watchfiles: the
operating system's change notifications, debounced). With a `QuestionStore`,
`record()` keeps the questions the bot could not answer well, and answer counts.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path

from .core import ANSWERED, DECLINED, KnowledgeBase, KnowledgeError, Problem, Reply
from .indexcache import load_knowledge, prebuild
from .core import loss as removals
from .core.engine import SMALL_TALK
from .store import QuestionStore

log = logging.getLogger(__name__)

DEBOUNCE = 1.0  # seconds: an editor's save (temp file, rename, chmod) is one change
KNOWLEDGE_SUFFIXES = (".yaml", ".yml")
NOT_RECORDED = (*SMALL_TALK, "empty")  # not questions: nothing to learn from them
# From this many question variants a reload builds the index in a child process: below it the
# build (about 0.3 s for the bundled 1,400) is shorter than starting a Python with numpy.
PREBUILD_VARIANTS = 5000
SURE_MARGIN = 20.0  # answers scoring below threshold + this count as low-confidence


def sure_score(kb: KnowledgeBase) -> float:
    """The score from which an answer counts as confident: the same bar the Telegram layer
    sets for answering a group message nobody addressed to it (tg.handlers.auto_answer_threshold)."""
    configured = kb.settings.get("auto_answer_threshold")
    if configured is not None:
        return float(configured)
    return min(float(kb.settings.get("threshold", 30)) + SURE_MARGIN, 90.0)


def unanswered_reason(kb: KnowledgeBase, reply: Reply) -> str | None:
    """Why a reply goes on the unanswered list, or None when it was answered confidently."""
    found = reply.match
    if found.status == DECLINED:
        return None if found.reason in NOT_RECORDED else (found.reason or "low-confidence")
    if found.status != ANSWERED:
        return "did-you-mean"
    return "low-score" if found.score < sure_score(kb) else None


def _variants(kb: KnowledgeBase) -> int:
    return sum(len(questions) for entry in kb.entries.values() for questions in entry.questions.values())


def is_knowledge_file(change, path: str) -> bool:
    """watchfiles filter: YAML files, not editors' hidden swap and backup files."""
    name = Path(path).name
    return name.endswith(KNOWLEDGE_SUFFIXES) and not name.startswith((".", "#"))


class LiveKnowledge:
    def __init__(self, directory: Path | str, store: QuestionStore | None = None, remember: bool = False):
        self.directory = Path(directory)
        self.kb: KnowledgeBase = load_knowledge(self.directory)  # the first load must succeed
        self.store = store
        # what the last accepted load removed (reloads that remove need ALLOW-REMOVALS; see core.loss)
        self.last_loss: removals.Loss | None = None
        self.remember = remember  # write down what is loaded, for `faqbot check` and the next start
        if remember:
            before = removals.read_manifest(self.directory)
            self.last_loss = removals.lost(before, removals.Inventory.of(self.kb)) if before else None
            if self.last_loss:
                log.warning("since the bot last ran, the knowledge lost %s", self.last_loss.summary())
            removals.write_manifest(self.directory, self.kb)
        self._reloading = threading.Lock()  # the watcher and /reload may ask at the same time
        self._writes: set[asyncio.Future] = set()

    # --- reloading -----------------------------------------------------------------------

    def reload(self) -> list[Problem]:
        """Load the directory again; swap it in only if it has no errors.

        Returns the errors that kept the old base serving (empty on success). Loading
        takes a moment: from the event loop, use `reload_async`. A large base's index is
        built in a child process (indexcache.prebuild) when the cache is on, so that the
        build does not compete with answering for this interpreter."""
        with self._reloading:
            try:
                if _variants(self.kb) >= PREBUILD_VARIANTS:
                    prebuild(self.directory)
                fresh = load_knowledge(self.directory)
            except Exception as error:  # noqa: BLE001 - any failure keeps the last good base serving
                problems = error.problems if isinstance(error, KnowledgeError) else [
                    Problem(str(self.directory), 0, f"cannot load the knowledge: {type(error).__name__}: {error}")]
                log.error("knowledge in %s not reloaded: %d problem(s); the previous version is still served",
                          self.directory, len(problems))
                for problem in problems:
                    log.error("%s", problem)
                return problems
            refused, loss = removals.guard(self.directory, self.kb, fresh)
            if refused:
                log.error("knowledge in %s not reloaded: it would remove %s", self.directory, loss.summary())
                return refused
            self.kb = fresh  # one assignment: handlers see the old base or the new one, never a mix
            self.last_loss = loss or None
            if self.remember:
                removals.write_manifest(self.directory, fresh)
        for warning in fresh.warnings:
            log.warning("%s", warning)
        log.info("knowledge reloaded: %d entries, %d facts", len(fresh.entries), len(fresh.facts))
        return []

    async def reload_async(self) -> list[Problem]:
        """`reload` in a worker thread, so the bot keeps answering while the base loads."""
        return await asyncio.to_thread(self.reload)

    async def watch(self, on_reload: Callable[[list[Problem]], Awaitable[None]] | None = None, *,
                    debounce: float = DEBOUNCE, stop_event: asyncio.Event | None = None) -> None:
        """Reload after every change to the directory's YAML files, until cancelled (or
        `stop_event` is set). `on_reload(problems)` hears each outcome: [] when the new
        base is being served, else the errors that kept the previous one."""
        from watchfiles import awatch  # only a running bot needs it

        log.info("watching %s for changes", self.directory)
        async for changes in awatch(self.directory, watch_filter=is_knowledge_file, debounce=int(debounce * 1000),
                                    step=50, stop_event=stop_event):
            names = sorted({Path(path).name for _, path in changes})
            log.info("knowledge changed (%s); reloading", ", ".join(names))
            problems = await self.reload_async()
            if on_reload is not None:
                try:
                    await on_reload(problems)
                except Exception:  # noqa: BLE001 - a failed notice must not stop the watching
                    log.exception("reporting a reload failed")

    # --- recording questions ----------------------------------------------------------------

    def record(self, reply: Reply, chat_type: str) -> None:
        """Remember a question the bot replied to, if a store is configured: the unanswered
        ones with their best guess, and a count for each answer. Who asked is not recorded.

        Called from handlers: from a running event loop the write happens in a worker
        thread (see `flush`), so a slow disk never holds up other chats."""
        if self.store is None:
            return
        write = self._write_for(reply, chat_type)
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

    def _write_for(self, reply: Reply, chat_type: str) -> Callable[[], None] | None:
        found, store = reply.match, self.store
        if found.status == ANSWERED and found.entry_id:
            count = lambda: store.count_answer(found.entry_id, found.lang, chat_type)  # noqa: E731
        else:
            count = None
        reason = unanswered_reason(self.kb, reply)
        if reason is None:
            return count
        best = found.candidates[0] if found.candidates else None

        def write() -> None:
            store.add_unanswered(found.question, found.lang, chat_type, found.status, reason,
                                 best.entry_id if best else None, best.score if best else 0.0)
            if count is not None:
                count()
        return write

    def _written(self, future) -> None:
        self._writes.discard(future)
        if not future.cancelled() and future.exception() is not None:
            log.error("recording a question failed", exc_info=future.exception())

    async def flush(self) -> None:
        """Wait for the question records still being written."""
        while pending := [future for future in self._writes if not future.done()]:
            await asyncio.gather(*pending, return_exceptions=True)
