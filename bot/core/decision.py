"""What the engine decided about a question (`Match`: answer, offer choices or decline, and
why) and the reply written from it (`Reply`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypedDict

from .agreement import Disagreement
from .matcher import Candidate
from .meaning import Asked
from .render import Answer

GUARD_FLOOR = 0.5  # share of the threshold from which a scope guard names its reason

ANSWERED, AMBIGUOUS, DECLINED = "answered", "ambiguous", "declined"
# Why a question naming a figure is declined, by the first way the closest figure disagrees.
DECLINE_REASONS = {"detail": "other-detail", "party": "other-place", "year": "other-year", "unit": "other-unit",
                   "stock": "other-period", "flow": "other-period", "partners": "other-scope",
                   "measure": "other-figure", "direction": "other-figure", "operation": "other-figure"}


@dataclass(frozen=True)
class Match:
    question: str
    normalised: str
    lang: str  # language the question was written in
    status: str  # ANSWERED, AMBIGUOUS or DECLINED
    entry_id: str | None  # the answer, when ANSWERED
    score: float  # best candidate's confidence, 0-100
    candidates: tuple[Candidate, ...]  # best first
    reason: str | None = None  # why DECLINED: empty, greeting, low-confidence, other-year/-place/-detail
    detail: tuple[str, str] | None = None  # what was asked about (English, Chinese), e.g. a year
    options: tuple[str, ...] = ()  # entries offered by a "did you mean" (AMBIGUOUS) reply, or a decline's closest
    fact: str | None = None  # the figure the question asks for (answered) or the closest one (declined)
    premise: bool | None = None  # whether a number the question states is right
    asked: Asked | None = None  # what the question was read to ask
    disagreement: Disagreement | None = None  # why the closest figure does not answer it


class _MaybeAsked(TypedDict, total=False):
    asked: Asked  # once read


class MatchBasis(_MaybeAsked):
    """What every decision on one question shares, passed on as `Match(..., **basis)`."""

    question: str
    normalised: str
    lang: str
    candidates: tuple[Candidate, ...]


@dataclass(frozen=True)
class Reply:
    match: Match
    lang: str  # language of the reply
    text: str  # plain text, as a user reads it
    answer: Answer | None = None
    options: tuple[tuple[str, str], ...] = ()  # (entry id, title) of "did you mean" choices

    @property
    def answered(self) -> bool:
        return self.match.status == ANSWERED

    def to_json(self) -> dict[str, object]:
        chosen = self.match.entry_id
        return {
            "question": self.match.question,
            "answered": self.answered,
            "id": chosen,
            "score": self.match.score,
            "lang": self.lang,
            "answer": self.text,
            "alternatives": [{"id": c.entry_id, "score": c.score}
                             for c in self.match.candidates if c.entry_id != chosen and c.score > 0],
            "status": self.match.status,
            "reason": self.match.reason,
            "fact": self.match.fact,
            "premise": self.match.premise,
        }

SMALL_TALK = ("greeting", "thanks", "goodbye", "who-are-you")  # replies from messages.yaml, never recorded
