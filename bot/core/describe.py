"""What each fact measures, and the figures that can be derived on demand.

Built once per knowledge base (engine.build): every described figure becomes a
`meaning.Described`; declared formulas are described by their inputs; and shares,
per-unit figures and differences of two described facts of the same date and scope are
derived here, so that "imports as a share of US trade" is computed (1.58 ÷ 10.65) instead
of being answered with the exports' share. Nothing is combined across dates or scopes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal

from .figures import Formula
from .knowledge import PLACEHOLDER, Fact, KnowledgeBase, Text, Unit
from .lexicon import HAN, Lexicon, Phrases
from .meaning import Described
from .render import fact_label
from .text import Synonyms

COUNT_MEASURES = ("companies", "population")
RATIO_UNIT = Unit("times", Text("{n} times", "{n}倍"))


@dataclass(frozen=True)
class MeaningIndex:
    described: dict[str, Described]  # fact id -> given, declared-derived and derived-on-demand figures
    derived: dict[str, Fact]  # fact id -> Fact, for the figures derived on demand
    home_entry: dict[str, str]  # fact id -> entry id whose answer is about it (none for on-demand ones)
    entry_facts: dict[str, list[str]]  # entry id -> the described facts it is about (the inverse of home_entry)
    party_names: dict[str, str]  # lower-case name -> place or entity id
    known_parties: frozenset[str]  # the parties some fact names, and every entity
    party_phrases: Phrases
    home: str
    published: int  # the publication year of the (first) source
    # entity id -> the entries whose answers name it
    entity_entries: dict[str, frozenset[str]] = field(default_factory=dict)
    # entry id -> kinds of entity (and "place") its answer names
    kinds_named: dict[str, frozenset[str]] = field(default_factory=dict)
    # kind -> Phrases asking for such a name, synonyms applied
    asks_for_kind: dict[str, Phrases] = field(default_factory=dict)

    def fact(self, kb: KnowledgeBase, fact_id: str) -> Fact:
        return kb.facts.get(fact_id) or self.derived[fact_id]


def _describe(fact: Fact, lexicon: Lexicon, home: str) -> Described | None:
    measure_id = fact.about.get("measure")
    if measure_id is None or measure_id not in lexicon.measures:
        return None
    measure = lexicon.measures[measure_id]
    origin, destination = fact.about.get("from"), fact.about.get("to")
    partner = fact.about.get("with")
    of = fact.about.get("of") or (None if origin or destination else home)
    period = fact.period
    stock = bool(period and period.kind == "year-end") or (measure.kind == "stock" and period is None)
    unit = fact.unit.measured_in if fact.unit else None
    return Described(fact.id, measure.family, measure_id, origin, destination, partner, of,
                     period_kind=period.kind if period else "", year=period.year if period else 0,
                     unit=unit, stock=stock)


def _describe_derived(fact: Fact, described: Mapping[str, Described]) -> Described | None:
    parts = fact.formula.binary() if fact.formula is not None else None
    if parts is None or parts[1] not in described or parts[2] not in described:
        return None
    symbol, left, right = parts
    percent = bool(fact.unit and fact.unit.multiply == 100)
    op = {"/": "share" if percent else "per", "-": "difference"}.get(symbol)
    if op is None:
        return None
    inputs = (described[left], described[right])
    period = fact.period
    return Described(fact.id, None, None, op=op, inputs=inputs, of=None,
                     period_kind=period.kind if period else "", year=period.year if period else 0,
                     unit=fact.unit.measured_in if fact.unit else None,
                     stock=any(i.stock for i in inputs))


def _same_time(a: Described, b: Described) -> bool:
    return (a.period_kind, a.year) == (b.period_kind, b.year)


def _directions_match(a: Described, b: Described) -> bool:
    return (a.origin, a.destination) == (b.origin, b.destination)


def _same_family(a: Described, b: Described, lexicon: Lexicon) -> bool:
    """One measure, or one and a narrower kind of it: contracted US investment in Chongqing
    compares with Chongqing's investment in the US."""
    def family(item: Described) -> set[str | None]:
        return {item.measure, lexicon.measures[item.named_measure].broader} - {None}
    return bool(family(a) & family(b))


def _is_part(part: Described, whole: Described, lexicon: Lexicon) -> bool:
    """Exports are part of the trade with the same partner; trade with one partner is part of
    trade with all; utilised investment part of contracted investment of the same flow."""
    if part.fact_id == whole.fact_id or not _same_time(part, whole) or part.unit != whole.unit:
        return False
    spec = lexicon.measures[part.named_measure]
    if spec.part_of == whole.named_measure and part.named_measure != whole.named_measure:
        if whole.partner == "*":  # exports to the US are part of all foreign trade
            return whole.of in (part.origin, part.destination, None)
        if whole.partner:  # a two-way flow: the part's parties are its parties
            ends = (part.origin, part.destination)
            return whole.partner in ends and whole.of in (*ends, None)
        return _directions_match(part, whole)
    return (part.named_measure == whole.named_measure and whole.partner == "*"
            and part.partner not in (None, "*"))


def _candidate_pairs(items: list[Described], lexicon: Lexicon) -> Iterator[tuple[str, Described, Described]]:
    """(op, numerator, denominator) for every share, per-unit figure and difference that may be asked."""
    for a in items:
        for b in items:
            if _is_part(a, b, lexicon):
                yield "share", a, b
                yield "ratio", b, a  # "total trade is how many times the US trade?"
                if a.measure == b.measure or not lexicon.measures[a.named_measure].reverse:
                    yield "difference", b, a  # contracted - utilised; all trade - trade with one partner
            if (b.named_measure in COUNT_MEASURES and a.named_measure not in COUNT_MEASURES and a.unit
                    and _same_time(a, b) and _directions_match(a, b) and (a.origin or a.destination)):
                yield "per", a, b
            if (_same_family(a, b, lexicon) and _same_time(a, b) and a.unit == b.unit and a.origin
                    and a.origin == b.destination and a.destination == b.origin):
                # one flow's two directions (exports and imports; firms each way): how many times
                yield "ratio", a, b
                yield "difference", a, b  # the larger less the smaller: build_meaning drops the other


def _derived_fact(kb: KnowledgeBase, op: str, a: Fact, b: Fact, proper: frozenset[str]) -> Fact | None:
    """`proper`: the first words of proper names (`_proper_names`), which keep their capital in a label."""
    symbol = "/" if op in ("share", "per", "ratio") else "-"
    if a.value is None or b.value is None:  # statements, not figures
        return None
    try:
        value = Formula(f"{a.id} {symbol} {b.id}").evaluate({a.id: a.value, b.id: b.value})
    except ValueError:
        return None
    unit = _derived_unit(kb, op, a, b)
    if unit is None:
        return None
    label = _derived_label(op, a, b, proper)
    return Fact(id=f"{a.id}__{op}__{b.id}", source=a.source, period=a.period, value=value * unit.multiply,
                formula=Formula(f"{a.id} {symbol} {b.id}"), unit=unit, significant=3, label=label,
                file=a.file, line=a.line)


def _derived_unit(kb: KnowledgeBase, op: str, a: Fact, b: Fact) -> Unit | None:
    if op == "difference":
        return a.unit
    if op == "share":
        return next((u for u in kb.units.values() if u.multiply == 100), None)
    if op == "ratio":
        return RATIO_UNIT
    if a.unit is None or b.unit is None or b.unit.per is None:
        return None
    template = Text(f"{a.unit.template.en} {b.unit.per.en}", f"{b.unit.per.zh}{a.unit.template.zh}")
    return Unit(f"{a.unit.id}_per_{b.unit.id}", template, Decimal(1), a.unit.measured_in)


def _proper_names(kb: KnowledgeBase) -> frozenset[str]:
    """The first words of places' and entities' English names, in lower case."""
    names = [n for place in kb.lexicon.places.values() for n in place.names.get("en", ())]
    names += [n for entity in kb.entities.values() for n in entity.names.get("en", ())]
    return frozenset(n.split()[0].lower() for n in names if n.split())


def _lower_first(text: str, proper: frozenset[str]) -> str:
    """"Contracted US investment" mid-sentence; "Chongqing investment in the US" keeps its capital."""
    first = text.split()[0] if text.split() else ""
    return text[:1].lower() + text[1:] if text[1:2].islower() and first.lower() not in proper else text


def _derived_label(op: str, a: Fact, b: Fact, proper: frozenset[str]) -> Text:
    la, lb = (fact_label(a, "en"), fact_label(b, "en")), (fact_label(a, "zh"), fact_label(b, "zh"))
    second = _lower_first(la[1], proper)
    if op == "share":
        return Text(f"{la[0]} as a share of {second}", f"{lb[0]}占{lb[1]}的比重")
    if op == "difference":
        return Text(f"{la[0]} minus {second}", f"{lb[0]}与{lb[1]}之差")
    if op == "ratio":
        return Text(f"{la[0]} compared with {second}", f"{lb[0]}是{lb[1]}的")
    per = b.unit.per if b.unit is not None else None
    if per is None:  # never: _derived_unit gives no unit to such a pair
        raise ValueError(f"'{b.id}' has no per-unit wording")
    return Text(f"{la[0]} {per.en}", f"{per.zh}{lb[0]}")


def _home_entries(kb: KnowledgeBase) -> dict[str, str]:
    """For each fact, the entry that is about it: of the entries whose answers state its
    value, the one that states it earliest and states the fewest other figures (an overview
    states many; "In {us_trade_2013.when}" only dates a sentence)."""
    ranked: dict[str, tuple[tuple[int, int, int], str]] = {}
    for order, entry in enumerate(kb.entries.values()):
        stated = list(dict.fromkeys(m["fact"] for m in PLACEHOLDER.finditer(entry.answer.en)
                                    if m["part"] is None and m["fact"] in kb.facts))
        # an entry stating a derived figure is about it, not about the figure's inputs
        formulas = [kb.facts[f].formula for f in stated]
        inputs = {name for formula in formulas if formula is not None for name in formula.names}
        for position, fact_id in enumerate(f for f in stated if f not in inputs):
            key = (position, len(stated), order)
            if fact_id not in ranked or key < ranked[fact_id][0]:
                ranked[fact_id] = (key, entry.id)
    return {fact_id: entry_id for fact_id, (_, entry_id) in ranked.items()}


def _norm_name(name: str) -> str:
    """A name as it stands in normalised text: lower case, no apostrophes, words split on the rest."""
    return " ".join(re.findall(rf"[a-z0-9]+|[{HAN}]+", name.lower().replace("'", "")))


def _party_names(kb: KnowledgeBase, lexicon: Lexicon) -> dict[str, str]:
    names: dict[str, str] = {}
    for place in lexicon.places.values():
        for lang_names in place.names.values():
            names.update({_norm_name(name): place.id for name in lang_names})
    for entity in kb.entities.values():
        for lang_names in (*entity.names.values(), *entity.known_as.values()):
            names.update({_norm_name(name): entity.id for name in lang_names})
    return names


def build_meaning(kb: KnowledgeBase, synonyms: Synonyms, rendered: Mapping[str, list[str]]) -> MeaningIndex:
    """`rendered`: each entry's answers as written out (engine.build renders them once)."""
    lexicon = kb.lexicon
    home = (kb.settings.get("home_places") or [""])[0]
    described: dict[str, Described] = {}
    for fact in kb.facts.values():
        item = _describe(fact, lexicon, home)
        if item is not None:
            described[fact.id] = item
    for fact in kb.facts.values():
        if fact.formula is not None:
            item = _describe_derived(fact, described)
            if item is not None:
                described[fact.id] = item
    declared = {(d.op, tuple(i.fact_id for i in d.inputs)) for d in described.values() if d.op}
    derived: dict[str, Fact] = {}
    plain = [d for d in described.values() if not d.op]
    proper = _proper_names(kb)
    for op, a, b in _candidate_pairs(plain, lexicon):
        if (op, (a.fact_id, b.fact_id)) in declared:
            continue
        pair_fact = _derived_fact(kb, op, kb.facts[a.fact_id], kb.facts[b.fact_id], proper)
        if pair_fact is None or pair_fact.value is None or pair_fact.id in derived or (
                op == "ratio" and pair_fact.value < 1) or (op == "difference" and pair_fact.value < 0):
            continue  # "how many times larger", "how much more": the larger over or less the smaller
        pair = _describe_derived(pair_fact, {a.fact_id: a, b.fact_id: b})
        if pair is None:  # never: the pair was built from these two
            continue
        derived[pair_fact.id] = pair_fact
        described[pair_fact.id] = replace(pair, op=op, on_demand=True)
    names = _party_names(kb, lexicon)
    # names as the matcher sees them: synonyms applied ("America" -> "usa")
    names.update({_norm_name(synonyms.apply(n)): pid for n, pid in list(names.items())})
    phrases = Phrases(list(names))
    published = next(iter(kb.sources.values())).period.year if kb.sources else 0
    home_entry = _home_entries(kb)
    entry_facts: dict[str, list[str]] = {}
    for fact_id, entry_id in home_entry.items():
        if fact_id in described:
            entry_facts.setdefault(entry_id, []).append(fact_id)
    known = frozenset(p for d in described.values() for p in d.parties) | frozenset(kb.entities)
    answers = {entry_id: " ".join(texts).lower() for entry_id, texts in rendered.items()}
    entity_entries = _entity_entries(kb, answers)
    kinds_named = {entry_id: frozenset({kb.entities[e].kind for e, entries in entity_entries.items()
                                        if entry_id in entries}
                                       | ({"place"} if lexicon.places_in(text) else set()))
                   for entry_id, text in answers.items()}
    # as the matcher sees them: "哪些公司" is "哪些 company" once synonyms are applied
    asks_for_kind = {kind: Phrases([w for word in phrases.words for w in (word, _norm_name(synonyms.apply(word)))])
                     for kind, phrases in lexicon.asks_for_kind.items()}
    return MeaningIndex(described, derived, home_entry, entry_facts, names, known, phrases, home, published,
                        entity_entries, kinds_named, asks_for_kind)


def _entity_entries(kb: KnowledgeBase, answers: dict[str, str]) -> dict[str, frozenset[str]]:
    return {entity.id: frozenset(entry_id for entry_id, text in answers.items() if entity.is_named_in(text))
            for entity in kb.entities.values()}
