"""Measuring the matcher on labelled questions, and choosing thresholds from them.

A question file is a YAML list of {q: question, expect: entry id or null for
out of scope, also: [other acceptable ids]} (see tests/questions/). The same
code scores the team's question sets in tests and CLINC150 in bench/.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .core import ANSWERED, KnowledgeBase
from .core.engine import decide, rank


@dataclass(frozen=True)
class Labelled:
    question: str
    expect: str | None  # None: out of scope, the bot must decline
    also: tuple[str, ...] = ()

    def accepts(self, entry_id: str | None) -> bool:
        return entry_id == self.expect or entry_id in self.also


@dataclass
class Scores:
    in_scope: int = 0
    in_scope_right: int = 0
    out_of_scope: int = 0
    out_of_scope_declined: int = 0
    misses: list = field(default_factory=list)  # (Labelled, Match) that went wrong

    @property
    def accuracy(self) -> float:
        """In-scope accuracy: answered with the right entry (did-you-mean counts as not answered)."""
        return self.in_scope_right / self.in_scope if self.in_scope else 0.0

    @property
    def oos_recall(self) -> float:
        """Out-of-scope recall: share of out-of-scope questions declined (or asked back)."""
        return self.out_of_scope_declined / self.out_of_scope if self.out_of_scope else 0.0


def load_questions(path: Path | str) -> list[Labelled]:
    items = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or []
    return [Labelled(str(item["q"]), item.get("expect"), tuple(item.get("also") or ())) for item in items]


def score(kb: KnowledgeBase, questions: list[Labelled], rankings=None,
          threshold: float | None = None, margin: float | None = None) -> Scores:
    """Score `questions`; pass precomputed `rankings` to try many thresholds cheaply."""
    rankings = rankings or [rank(kb, item.question) for item in questions]
    result = Scores()
    for item, ranking in zip(questions, rankings):
        found = decide(kb, item.question, ranking, threshold, margin)
        answered = found.entry_id if found.status == ANSWERED else None
        if item.expect is None:
            result.out_of_scope += 1
            right = answered is None
            result.out_of_scope_declined += right
        else:
            result.in_scope += 1
            right = item.accepts(answered)
            result.in_scope_right += right
        if not right:
            result.misses.append((item, found))
    return result


MARGIN_TOLERANCE = 0.01  # accuracy + recall we give up to ask "did you mean" rather than guess


def tune(kb: KnowledgeBase, questions: list[Labelled], thresholds=None, margins=None):
    """Choose (threshold, margin) on labelled `questions`.

    The threshold maximises in-scope accuracy + out-of-scope recall (ties: the
    lower one). A wrong answer and a "did you mean" count the same in those
    figures, but a user is better served by the question, so the margin is the
    largest one within MARGIN_TOLERANCE of the best. Returns (threshold, margin, Scores).
    """
    rankings = [rank(kb, item.question) for item in questions]
    thresholds = thresholds or [t / 2 for t in range(0, 161)]
    margins = sorted(margins or [0.0, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3])
    results = [(score(kb, questions, rankings, t, m), t, m) for t in thresholds for m in margins]
    best_key = max(s.accuracy + s.oos_recall for s, _, _ in results)
    good = [(s, t, m) for s, t, m in results if s.accuracy + s.oos_recall >= best_key - MARGIN_TOLERANCE]
    best_threshold = min(t for s, t, m in good if s.accuracy + s.oos_recall >= best_key - 1e-12)
    scores, threshold, margin = max((r for r in good if r[1] == best_threshold), key=lambda r: r[2])
    return threshold, margin, scores
