"""Deciding by meaning: answer with a fact that agrees with what the question asks (measure,
direction, parties, period, operation, unit), or decline and name the closest figure."""

from __future__ import annotations

import math
from decimal import Decimal

from .agreement import DIRECTION, MEASURE, OPERATION, PARTY, Disagreement, check_claim, disagreements
from .decision import AMBIGUOUS, ANSWERED, DECLINE_REASONS, DECLINED, Match, MatchBasis
from .figures import EN_SCALES, ZH_SCALES
from .knowledge import KnowledgeBase
from .matcher import Ranking
from .meaning import Asked
from .render import facts_used
from .scope import OutOfScope, out_of_scope


def _described_facts(kb: KnowledgeBase, entry_id: str) -> list[str]:
    return [f.id for f in facts_used(kb, kb.entries[entry_id].answer.en) if f.id in kb.built_meaning().described]


def _preference(kb: KnowledgeBase, ranking: Ranking, fact_id: str) -> tuple[int, int, int]:
    """Which agreeing fact to answer with: the one whose entry retrieval ranks best, then a
    stated figure before a declared derived one before one derived on demand."""
    order = [c.entry_id for c in ranking.candidates]
    home = kb.built_meaning().home_entry.get(fact_id)
    rank_of_home = order.index(home) if home in order else len(order)
    kind = 2 if fact_id in kb.built_meaning().derived else (1 if kb.facts[fact_id].formula is not None else 0)
    return rank_of_home, kind, len(kb.built_meaning().described[fact_id].parties)


def _closest(kb: KnowledgeBase, asked: Asked, ranking: Ranking, checks: _Checks) -> str:
    """The figure the brief gives that comes closest to what was asked."""
    own = [f for c in ranking.candidates[:1] for f in _described_facts(kb, c.entry_id)]

    def distance(fact_id: str) -> int:  # another measure or direction is further than another scope
        return sum(2 if d.kind in (MEASURE, DIRECTION, OPERATION) else 1 for d in checks[fact_id])

    every = list(kb.built_meaning().described)
    return min(every, key=lambda f: (distance(f), f not in own, _preference(kb, ranking, f)))


def _meaning_decides(kb: KnowledgeBase, asked: Asked, ranking: Ranking) -> bool:
    """Whether the question names a figure the facts can be checked against."""
    if not kb.built_meaning().described:
        return False  # a knowledge base whose facts say nothing of what they measure (CLINC150)
    if ranking.top().entry_id in ranking.exact:
        return False  # one of the entry's own questions, word for word: the maintainers' answer
    if asked.asks_name and not asked.asks_figure:
        return False  # "which company ...": a question about the brief's text, not a figure
    return asked.explicit or not asked.leftover  # "what is special about Chongqing for trade": a statement


class _Checks(dict[str, list[Disagreement]]):
    """Each fact's disagreements with the question, worked out when first needed."""

    def __init__(self, kb: KnowledgeBase, asked: Asked):
        super().__init__()
        self.kb, self.asked = kb, asked

    def __missing__(self, fact_id: str) -> list[Disagreement]:
        meaning = self.kb.built_meaning()
        found = disagreements(self.asked, meaning.described[fact_id], self.kb.lexicon,
                              self.kb.settings["home_places"], meaning.published)
        self[fact_id] = found
        return found

    def agreeing(self) -> list[str]:
        return [fact_id for fact_id in self.kb.built_meaning().described if not self[fact_id]]


def resolve_meaning(kb: KnowledgeBase, asked: Asked, ranking: Ranking, common: MatchBasis, threshold: float,
                    margin: float) -> Match | None:
    """Answer with a fact that agrees with what the question asks, or decline and name the
    closest one. None when the meaning cannot decide (the topic decides then)."""
    if not _meaning_decides(kb, asked, ranking):
        return None
    best, checks = ranking.top(), _Checks(kb, asked)
    own = _described_facts(kb, best.entry_id)
    chosen = _by_claim(kb, asked, [f for f in own if not checks[f]])
    if chosen is None:
        agreeing = checks.agreeing()
        if not agreeing:
            return _decline_by_meaning(kb, asked, ranking, checks, common)
        chosen = min(agreeing, key=lambda f: _preference(kb, ranking, f))
    close = _close_agreeing(kb, ranking, checks, threshold, margin)
    if len(close) > 1 and not all(chosen in _described_facts(kb, entry_id) for entry_id in close):
        # two entries retrieval cannot tell apart, with different figures that agree; both
        # giving the chosen one is no question to ask back
        return Match(status=AMBIGUOUS, entry_id=None, score=best.score, options=close, **common)
    entry_id = _entry_for(kb, chosen, best.entry_id, own)
    guard = _detail_guard(kb, asked, ranking, chosen, entry_id)
    if guard is not None:
        return Match(status=DECLINED, entry_id=None, score=best.score, reason=guard.reason, detail=guard.asked,
                     **common)
    return Match(status=ANSWERED, entry_id=entry_id, score=best.score, fact=chosen,
                 premise=_premise(kb, asked, chosen), **common)


def _by_claim(kb: KnowledgeBase, asked: Asked, agreeing: list[str]) -> str | None:
    """The first agreeing figure, or, when the question states a number ("24 companies?"),
    the one of the same order of magnitude."""
    if len(agreeing) < 2 or not asked.claims:
        return agreeing[0] if agreeing else None
    claimed = float(asked.claims[0].value) or 1.0

    def distance(fact_id: str) -> float:
        value = float(kb.built_meaning().fact(kb, fact_id).plain_value or 0)
        return abs(math.log10(abs(value) or 1e-9) - math.log10(abs(claimed)))

    return min(agreeing, key=distance)


def _decline_by_meaning(kb: KnowledgeBase, asked: Asked, ranking: Ranking, checks: _Checks,
                        common: MatchBasis) -> Match:
    closest = _closest(kb, asked, ranking, checks)
    why = checks[closest][0]
    reason = DECLINE_REASONS.get(why.kind, "other-figure")
    if why.kind == PARTY and why.asked in kb.entities:
        reason = "other-entity"
    entry_id = kb.built_meaning().home_entry.get(closest) or ranking.top().entry_id
    return Match(status=DECLINED, entry_id=None, score=ranking.top().score, reason=reason, fact=closest,
                 disagreement=why, options=(entry_id,), **common)


def _entry_for(kb: KnowledgeBase, chosen: str, best_id: str, own: list[str]) -> str | None:
    """The entry about the chosen figure, unless the best one is about it too; None for a
    figure derived on demand (its answer is written from the fact)."""
    if chosen in kb.built_meaning().derived:
        return None
    home = kb.built_meaning().home_entry.get(chosen)
    return best_id if (own[:1] == [chosen] and home in (None, best_id)) else (home or best_id)


def _detail_guard(kb: KnowledgeBase, asked: Asked, ranking: Ranking, chosen: str,
                  entry_id: str | None) -> OutOfScope | None:
    """A detail no answer speaks of ("the tariff on exports") in the asking clause."""
    if not kb.settings["guards"]:
        return None
    places = kb.settings["home_places"] + list(kb.built_meaning().described[chosen].parties)
    guard = out_of_scope(kb.scopes[entry_id or ranking.top().entry_id], asked.clause or ranking.analysis.normalised,
                         (), places, kb.lexicon, detail_kinds=("topics",))
    return guard if guard is not None and guard.reason == "other-detail" else None


def _close_agreeing(kb: KnowledgeBase, ranking: Ranking, checks: _Checks, threshold: float,
                    margin: float) -> tuple[str, ...]:
    """Entries retrieval cannot tell apart (within the margin) that both give an agreeing figure."""
    best = ranking.top()
    about = kb.built_meaning().entry_facts
    return tuple(c.entry_id for c in ranking.candidates
                 if c.score >= threshold and best.posterior - c.posterior < margin
                 and any(not checks[f] for f in about.get(c.entry_id, ())))


def _premise(kb: KnowledgeBase, asked: Asked, fact_id: str) -> bool | None:
    """Whether the number the question states is right for the figure (None: states none).
    "Did Chongqing export more than it imported?" states that a difference is above zero."""
    fact = kb.built_meaning().fact(kb, fact_id)
    if fact.value is None:
        return None
    if not asked.claims and asked.yes_no and asked.op == "difference" and fact.formula is not None:
        first = kb.built_meaning().described[fact_id].inputs[:1]
        # "did it export more than it imported?"; a compound ("a trade surplus?") names no
        # measure first and says the difference is above zero (a deficit is a claim, below zero)
        larger_first = not first or asked.first_measure is None or first[0].named_measure == asked.first_measure
        return (fact.value > 0) == larger_first
    if not asked.claims:
        return None
    if asked.unit and fact.unit and fact.unit.measured_in and asked.unit != fact.unit.measured_in:
        return False  # "is GDP USD 1.2657 trillion?": the figure is in yuan
    percent = bool(fact.unit and fact.unit.multiply == 100)
    named = [EN_SCALES.get(fact.scale.get("en", ""), None), ZH_SCALES.get(fact.scale.get("zh", ""), None)]
    scales: list[Decimal | int] = [s for s in named if s]
    scales += [10**9, 10**6, 10**8, 10**4]
    value = fact.plain_value
    if value is None:  # never: fact.value is not None here
        return None
    return check_claim(asked.claims[0], value, percent, scales)
