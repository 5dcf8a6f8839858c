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
ACCURACY_TOLERANCE = 0.01  # in-scope accuracy the "in-scope-first" objective may give up
OBJECTIVES = ("balanced", "in-scope-first")


def _key(scores: Scores, objective: str, accuracy_floor: float):
    """Higher is better. "balanced": accuracy + recall. "in-scope-first": the best
    recall among settings whose accuracy stays within ACCURACY_TOLERANCE of the best
    accuracy any setting reaches (the operating point of an assistant that must
    rarely turn away a real question)."""
    if objective == "balanced":
        return scores.accuracy + scores.oos_recall
    if scores.accuracy < accuracy_floor:
        return -1.0
    return scores.oos_recall + scores.accuracy * 1e-6


def pick(results, objective: str = "balanced"):
    """From [(Scores, threshold, margin)], the chosen (Scores, threshold, margin).

    Ties go to the lower threshold; then, since a wrong answer and a "did you mean"
    count the same in these figures but a user is better served by the question,
    to the largest margin within MARGIN_TOLERANCE of the best."""
    if objective not in OBJECTIVES:
        raise ValueError(f"objective must be one of {OBJECTIVES}")
    floor = max(s.accuracy for s, _, _ in results) - ACCURACY_TOLERANCE
    keys = [(_key(s, objective, floor), s, t, m) for s, t, m in results]
    best_key = max(k for k, *_ in keys)
    best_threshold = min(t for k, s, t, m in keys if k >= best_key - 1e-12)
    near = [(k, s, t, m) for k, s, t, m in keys if t == best_threshold and k >= best_key - MARGIN_TOLERANCE]
    _, scores, threshold, margin = max(near, key=lambda item: item[3])
    return scores, threshold, margin


def tune(kb: KnowledgeBase, questions: list[Labelled], thresholds=None, margins=None, objective="balanced"):
    """Choose (threshold, margin) on labelled `questions` (see `pick`).
    Returns (threshold, margin, Scores)."""
    rankings = [rank(kb, item.question) for item in questions]
    thresholds = thresholds or [t / 2 for t in range(0, 161)]
    margins = sorted(margins or [0.0, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3])
    results = [(score(kb, questions, rankings, t, m), t, m) for t in thresholds for m in margins]
    scores, threshold, margin = pick(results, objective)
    return threshold, margin, scores
