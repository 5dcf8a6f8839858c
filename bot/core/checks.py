"""`faqbot check`: everything that can be wrong with a knowledge directory.

Schema and reference errors come from loading (knowledge.read_knowledge); on top
of that every entry's `examples` must be answered by that entry.
"""

from __future__ import annotations

from pathlib import Path

from .engine import build, match
from .knowledge import KnowledgeBase, Problem, read_knowledge


def check_examples(kb: KnowledgeBase) -> list[Problem]:
    """Each entry's example questions must be answered by that entry."""
    problems = []
    for entry in kb.entries.values():
        for example in entry.examples:
            found = match(kb, example)
            if found.status != "answered" or found.entry_id != entry.id:
                got = found.entry_id or f"{found.status} ({found.reason or 'did you mean'})"
                problems.append(Problem(entry.file, entry.line,
                                        f"entry '{entry.id}': example {example!r} gets {got}, score {found.score}"))
    return problems


def check_knowledge(directory: Path | str) -> list[Problem]:
    """All problems, errors first in file order; an empty list means sound."""
    kb, problems = read_knowledge(directory)
    if kb is not None:
        problems = problems + check_examples(build(kb))
    return sorted(problems, key=lambda p: (p.severity != "error", p.file, p.line))
