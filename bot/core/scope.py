"""Scope guards: noticing a question about something the best entry does not cover.

Word overlap alone answers "What was Chengdu's GDP in 2019?" with Chongqing's
2013 GDP. Each entry's scope records the years, places and kinds of detail its
texts speak of; a question naming another year, place or detail is declined
with a reason the user can act on. The words come from the lexicon (lexicon.yaml).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .lexicon import Lexicon

YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")


@dataclass(frozen=True)
class Scope:
    """What an entry speaks of, gathered from its questions, keywords and answers."""

    years: frozenset[int]
    places: frozenset[str]
    details: frozenset[str]
    has_figures: bool = True  # whether its answer states any number
    quantities: frozenset[str] = frozenset()  # what its figures measure ("sales"), in the lexicon's words


def entry_scope(normalised_texts: list[str], fact_years: set[int], has_figures: bool, lexicon: Lexicon,
                said: list[str], figure_labels: Sequence[str] = ()) -> Scope:
    """`normalised_texts`: the entry's texts as the matcher normalises them; `said`: its
    questions and answers alone, normalised the same way (the details it covers);
    `figure_labels`: the labels of the figures it states (the quantities it gives)."""
    text = "\n".join(normalised_texts)
    years = {int(y) for y in YEAR.findall(text)} | fact_years
    return Scope(frozenset(years), frozenset(lexicon.places_in(text)),
                 frozenset(lexicon.details_in("\n".join(said))), has_figures,
                 frozenset(lexicon.details_in("\n".join(figure_labels), ("quantities",))))


DETAIL_KINDS = ("topics", "people", "times", "quantities")  # the lexicon's kinds of detail a guard checks


@dataclass(frozen=True)
class OutOfScope:
    reason: str  # "other-year", "other-place", "other-detail" or "no-figure"
    asked: tuple[str, str]  # what was asked about, in English and Chinese

    def asked_in(self, lang: str) -> str:
        return self.asked[1] if lang == "zh" else self.asked[0]


def out_of_scope(scope: Scope, normalised: str, years: Iterable[int], home_places: Iterable[str], lexicon: Lexicon,
                 detail_kinds: tuple[str, ...] = DETAIL_KINDS) -> OutOfScope | None:
    """Why the entry with `scope` cannot answer this question, or None if it can."""
    for year in years:
        if year not in scope.years:
            return OutOfScope("other-year", (str(year), f"{year}年"))
    relative = next((say for phrases, say, figures_only in lexicon.relative_years
                     if phrases.search(normalised) and (scope.has_figures or not figures_only)), None)
    if relative:
        return OutOfScope("other-year", relative)
    for place in sorted(lexicon.places_in(normalised) - scope.places - set(home_places)):
        if any(lexicon.contains(place, inner) for inner in scope.places):
            continue  # "which US state …?" about California
        return OutOfScope("other-place", (lexicon.place_name(place, "en"), lexicon.place_name(place, "zh")))
    said_kinds = tuple(kind for kind in detail_kinds if kind != "quantities")
    for detail in sorted(lexicon.details_in(normalised, said_kinds) - scope.details):
        return OutOfScope("other-detail", (detail, detail))
    if "quantities" in detail_kinds:  # "annual sales?": an entry that speaks of sales but gives no figure of them
        for quantity in sorted(lexicon.details_in(normalised, ("quantities",)) - scope.quantities):
            return OutOfScope("other-detail", (quantity, quantity))
    if not scope.has_figures and lexicon.asks_for_figure(normalised):
        return OutOfScope("no-figure", ("", ""))
    return None
