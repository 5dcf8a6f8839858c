"""The knowledge base a running bot serves: replaced whole, never edited in place.

Handlers read `live.kb` once per question; a reload builds a complete new base
and swaps the reference, so no question is answered from a half-loaded one, and
a broken edit leaves the last good base serving.
"""

from __future__ import annotations

import logging
from pathlib import Path

from .core import KnowledgeBase, KnowledgeError, Problem, load_knowledge

log = logging.getLogger(__name__)


class LiveKnowledge:
    def __init__(self, directory: Path | str):
        self.directory = Path(directory)
        self.kb: KnowledgeBase = load_knowledge(self.directory)  # the first load must succeed

    def reload(self) -> list[Problem]:
        """Load the directory again; swap it in only if it has no errors.

        Returns the errors that kept the old base serving (empty on success)."""
        try:
            fresh = load_knowledge(self.directory)
        except KnowledgeError as error:
            for problem in error.problems:
                log.error("knowledge not reloaded: %s", problem)
            return error.problems
        self.kb = fresh
        log.info("knowledge reloaded: %d entries, %d facts", len(fresh.entries), len(fresh.facts))
        return []
