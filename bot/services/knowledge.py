"""The knowledge base a running bot serves: replaced whole, never edited in place.

Handlers read `live.kb` once per question; a reload builds a complete new base
and swaps the reference, so no question is answered from a half-loaded one, and
a broken edit leaves the last good base serving.

`watch()` reloads whenever a YAML file in the directory changes (watchfiles: the
operating system's change notifications, debounced). The question recorder
(services.recording) is built with it, as `live.recorder`, since what counts as
unanswered depends on the base being served.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING

from ..core import KnowledgeBase, KnowledgeError, Problem, Reply
from ..core import loss as removals
from ..indexcache import load_knowledge, prebuild
from .recording import QuestionRecorder
from .store import QuestionStore

if TYPE_CHECKING:  # watchfiles loads only when watching (a running bot)
    from watchfiles import Change

log = logging.getLogger(__name__)

DEBOUNCE = 1.0  # seconds: an editor's save (temp file, rename, chmod) is one change
KNOWLEDGE_SUFFIXES = (".yaml", ".yml")
# From this many question variants a reload builds the index in a child process: below it the
# build (about 0.3 s for the bundled 1,400) is shorter than starting a Python with numpy.
PREBUILD_VARIANTS = 5000


def _variants(kb: KnowledgeBase) -> int:
    return sum(len(questions) for entry in kb.entries.values() for questions in entry.questions.values())


def is_knowledge_file(change: Change, path: str) -> bool:
    """watchfiles filter: YAML files, not editors' hidden swap and backup files."""
    name = Path(path).name
    return name.endswith(KNOWLEDGE_SUFFIXES) and not name.startswith((".", "#"))


class LiveKnowledge:
    """The knowledge a running bot serves, and the recorder of the questions it is asked."""

    def __init__(self, directory: Path | str, store: QuestionStore | None = None, remember: bool = False):
        self.directory = Path(directory)
        self.kb: KnowledgeBase = load_knowledge(self.directory)  # the first load must succeed
        self.recorder = QuestionRecorder(store, lambda: self.kb)
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
        # Building an index needs scipy, which a start from a warm cache does not load: load it
        # now, so the first reload after an edit does not take its import (0.2-0.3 s) too.
        import bot.core.training  # noqa: F401

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

    # --- the recorder, as the Telegram layer still reaches it ---------------------------------
    # bot/tg (being split elsewhere) calls live.record / live.flush and reads or sets live.store;
    # these pass through to `self.recorder`, which new code uses directly.

    @property
    def store(self) -> QuestionStore | None:
        return self.recorder.store

    @store.setter
    def store(self, store: QuestionStore | None) -> None:
        self.recorder.store = store

    def record(self, reply: Reply, chat_type: str) -> None:
        self.recorder.record(reply, chat_type)

    async def flush(self) -> None:
        await self.recorder.flush()
