"""What a question asks, what a fact measures, and whether the two agree.

Retrieval (matcher.py) finds the topic; it does not know the meaning. "How much did the US
export to Chongqing?" shares every word with the entry on Chongqing's exports to the US,
yet asks for the opposite flow. This module reads a question into an `Asked` (measure,
direction, parties, period, operation, unit, claimed numbers) using the lexicon, describes
each fact as a `Described` (from facts.yaml's measure/from/to/with/of keys); agreement.py
lists the ways a fact fails to answer a question (`disagreements`) and claims.py reads the
numbers a question states. The engine answers only with a fact that agrees, or declines and
says what the brief does give.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from itertools import pairwise

from .claims import Claim, _claims, _han_number
from .lexicon import HAN, Lexicon, Measure, Phrases

_HAN = re.compile(f"[{HAN}]")

_SKIP_BEFORE = ("the", "a", "an", "its", "their")

HOME = "home"  # placeholder resolved to the knowledge base's home place


@dataclass(frozen=True)
class Asked:
    """What a question asks for, as far as the lexicon can tell."""

    measures: frozenset[str] = frozenset()  # measure families named
    named_measures: frozenset[str] = frozenset()  # measures as named (utilised, not just investment)
    op: str | None = None  # share | per | difference
    origin: str | None = None  # directed flows: where from
    destination: str | None = None  # directed flows: where to
    parties: frozenset[str] = frozenset()  # places and entities named
    all_partners: bool = False  # "total exports": with every partner, not one
    years: tuple[int, ...] = ()
    relative_year: tuple[str, str] | None = None
    now: bool = False
    flow_period: bool = False  # "in 2013 alone", "当年新增"
    cumulative: bool = False  # "so far", "累计"
    unit: str | None = None  # a currency or unit asked in
    claims: tuple[Claim, ...] = ()
    asks_figure: bool = False
    asks_name: bool = False  # "which company ...": a name, not a figure
    explicit: bool = False  # asks for a figure in so many words ("how much", a number, a share)
    total_words: bool = False  # "total", "全市": with all partners, even when one is named
    as_of: bool = False  # "as of end-2013", "截至": a running total at a date
    excluding: bool = False  # "other than the US": leaves a party out
    two_way: bool = False  # "US investment in Chongqing ... Chongqing's in the US": both directions of a flow
    leftover: bool = False  # words that neither a weak measure, a party nor a figure word explain
    asks_date: bool = False  # "when was ...", "哪年"
    yes_no: bool = False  # "did ...?", "...吗"
    clause: str = ""  # the asking clause, normalised, when the question has several
    details: frozenset[str] = frozenset()  # kinds of detail no figure measures ("tariffs", "stores")
    months: tuple[int, ...] = ()  # months named ("in August", "8月")
    named: frozenset[str] = frozenset()  # every place or entity the whole question names
    asks_day: bool = False  # "on what exact day", "哪一天": finer than a month
    asks_more: bool = False  # "which other offices", "还有哪些": more of a list than the brief gives
    first_measure: str | None = None  # the measure named first ("exported more than it imported")
    whole: str | None = None  # the measure a share is of ("share of Chongqing's exports": exports)
    weak: bool = False  # the measure was read from hint words only ("how big", "capital")

    @property
    def specific(self) -> bool:
        """Whether the question names what figure it wants."""
        return bool(self.measures) and (not self.weak or self.asks_figure)


@dataclass(frozen=True)
class Described:
    """What a figure measures: the fact's description from facts.yaml (or, for a derived
    figure, its formula's inputs)."""

    fact_id: str
    measure: str | None  # family (exports and imports are one family, told apart by direction)
    named_measure: str | None
    origin: str | None = None
    destination: str | None = None
    partner: str | None = None  # undirected flows (trade): the other party, "*" for all
    of: str | None = None  # whom the figure is about
    op: str | None = None  # derived: share | per | difference
    inputs: tuple[Described, ...] = ()
    period_kind: str = ""  # year | year-end | month | as-published
    year: int = 0
    unit: str | None = None  # currency or unit the figure is in
    stock: bool = False
    on_demand: bool = False  # derived by the engine, not listed in facts.yaml

    @cached_property
    def parties(self) -> frozenset[str]:
        own = {p for p in (self.origin, self.destination, self.partner, self.of) if p and p != "*"}
        for item in self.inputs:
            own |= item.parties
        return frozenset(own)

    @cached_property
    def measures(self) -> frozenset[str]:
        if self.inputs:
            return frozenset(m for item in self.inputs for m in item.measures)
        return frozenset({self.measure} if self.measure else ())


# --- reading a question ---------------------------------------------------------------------

def mask(text: str, spans: Iterable[tuple[int, int, str]]) -> str:
    """`text` with the spans blanked out (same length, so later spans still fit)."""
    for start, end, _ in spans:
        text = text[:start] + " " * (end - start) + text[end:]
    return text


def _role_before(text: str, start: int, lexicon: Lexicon) -> str | None:
    """The flow marker right before a party mention: 'to', 'from', 'with', or None."""
    before = text[:start].rstrip()
    words = before.split()
    while words and words[-1] in _SKIP_BEFORE:
        words.pop()
    tail_latin = " ".join(words[-2:])
    tail = before[-2:]
    for role in ("to", "from", "with", "by"):
        for _, end, phrase in lexicon.flow_markers[role].find(tail_latin):
            if end == len(tail_latin) and phrase.isascii():
                return "agent" if role == "by" else role
        for marker_start, end, phrase in lexicon.flow_markers[role].find(tail):
            if end == len(tail) and not phrase.isascii():
                at = len(before) - len(tail) + marker_start
                if any(before[max(0, at - len(w) + len(phrase)):at + len(phrase)] == w for w in lexicon.not_markers):
                    continue  # 合同, 现在: part of another word
                return role
    return None


@dataclass
class _Mention:
    party: str
    start: int
    end: int
    role: str | None  # to, from, with (a marker before it), agent ("by X"), attr ("US firms"), or None


def _parties(text: str, names: dict[str, str], phrases: Phrases, lexicon: Lexicon) -> list[_Mention]:
    return [_Mention(names[phrase], start, end, _role_before(text, start, lexicon))
            for start, end, phrase in phrases.find(text)]


def _measures(text: str, lexicon: Lexicon, hints: bool = True) -> list[tuple[int, int, str]]:
    """(start, end, measure id) of each measure word, longest words first ("进出口" is trade,
    not exports); hint words only when nothing else is found."""
    found = [(start, end, lexicon.measure_of[phrase]) for start, end, phrase in lexicon.measure_words.find(text)]
    if not found and hints:
        found = [(start, end, lexicon.hint_of[phrase]) for start, end, phrase in lexicon.hint_words.find(text)]
    return found


RECEIVER_GAP = 12  # characters between a party and a verb such as "approved" for it to be the receiver
ATTRIBUTE_GAP = 1  # "US firms", "美国企业", "美国的投资": a space or one character (的) between


def _receiver(mentions: list[_Mention], receive_at: list[int]) -> None:
    """"Chongqing has approved ... US-funded firms", "重庆有多少美资企业": the party right
    before a receiving verb is the flow's destination."""
    for verb in receive_at:
        before = [m for m in mentions if m.start < verb]
        if before and before[-1].role is None and verb - before[-1].end <= RECEIVER_GAP:
            before[-1].role = "to"


def _attributes(mentions: list[_Mention], measure_spans: list[tuple[int, int, str]],
                directed_ids: Collection[str]) -> None:
    """A party written right before a directed measure word qualifies it: "US investment",
    "美国企业" name the investor; "Chongqing's exports" the exporter."""
    for mention in mentions:
        if mention.role is None and any(0 <= start - mention.end <= ATTRIBUTE_GAP and mid in directed_ids
                                        for start, _, mid in measure_spans):
            mention.role = "attr"


def _possessor(mentions: list[_Mention], text: str) -> None:
    """"重庆的美资": Chongqing's US capital is US capital in Chongqing. Of two parties that
    qualify a measure, one written "X的" before the other is the other end of the flow."""
    attrs = [m for m in mentions if m.role == "attr"]
    if len(attrs) >= 2 and text[attrs[0].end:attrs[0].end + 1] == "的":
        attrs[0].role = "with"


def _direction(mentions: list[_Mention], measure: Measure, measure_at: int, home: str,
               latin_pairs: bool) -> tuple[str | None, str | None]:
    """(origin, destination) of a directed flow from the parties' roles.

    The subject of "exports" is the origin, of "imports" the destination (`measure.subject`);
    a "with" partner, or a bare party after the measure word ("exports us", "出口美国"), is the
    other end."""
    ends: dict[str, str | None] = {"origin": None, "destination": None}
    subject_side = measure.subject
    other_side = "destination" if subject_side == "origin" else "origin"
    for mention in mentions:
        if mention.role == "from" and ends["origin"] is None:
            ends["origin"] = mention.party
        elif mention.role == "to" and ends["destination"] is None:
            ends["destination"] = mention.party
    agent = next((m for m in mentions if m.role == "agent"), None)
    attrs = [m for m in mentions if m.role == "attr"]
    before = sorted(attrs + [m for m in mentions if m.role is None and m.start < measure_at], key=lambda m: m.start)
    pair = next((first for first, second in pairwise(before) if second.start - first.end <= 1), None)
    subject: _Mention | None
    if agent is not None:  # "goods purchased by Chongqing": the agent is the subject
        subject = agent
    elif latin_pairs and pair is not None:  # "cq us exports": the first of the pair
        subject = pair
    elif attrs:  # "US investment", "重庆实际使用的美资": the party qualifying the measure
        subject = attrs[0]
    else:
        after = [m for m in mentions if m.role is None and m.start > measure_at]
        subject = before[0] if before else (after[0] if len(after) > 1 else None)
        before = before or (after if len(after) > 1 else [])  # "export share of chongqing-us trade"
    for mention in before + ([agent] if agent else []):
        mention.role = "attr" if mention is subject else "with"
    ordered = ([m for m in mentions if m.role == "attr"]
               + [m for m in mentions if m.role in ("with", None)])
    for mention in ordered:
        if mention.party in ends.values():
            continue
        # "exports us", "出口美国": a bare party after a trade flow is its other end
        counterpart = mention.role == "with" or (mention.role is None and mention.start > measure_at
                                                 and measure.reverse is not None)
        side = other_side if counterpart else subject_side
        if ends[side] is None:
            ends[side] = mention.party
        elif ends[other_side if side == subject_side else subject_side] is None:
            ends[other_side if side == subject_side else subject_side] = mention.party
    if ends["origin"] is None and ends["destination"] is None and measure.reverse:
        ends[subject_side] = home  # "exports?" in a bot about one place: that place's exports
    elif measure.reverse and ends[subject_side] is None and ends[other_side] != home:
        ends[subject_side] = home  # "exports to the US": Chongqing's
    return ends["origin"], ends["destination"]


def _read_compounds(text: str, lexicon: Lexicon) -> tuple[str | None, list[str], str, Claim | None]:
    """(op, measure ids, text with the compounds masked, a claim that it is negative):
    "trade surplus" is exports minus imports; "a deficit?" claims it is below zero."""
    op: str | None = None
    measure_ids: list[str] = []
    negative: Claim | None = None
    for compound in lexicon.compounds.values():
        found = compound.words.find(text)
        if found:
            op = compound.op
            measure_ids += list(compound.measures)
            if compound.negative.search(text):
                negative = Claim(Decimal(0), "less", False, True, compound.negative.find(text)[0][2])
            text = mask(text, found)
    return op, measure_ids, text, negative


def _read_measures(text: str, lexicon: Lexicon, have_compound: bool) -> tuple[list[tuple[int, int, str]], bool]:
    """(measure word spans, weak): measure words, or hint words when there is nothing else."""
    spans = _measures(text, lexicon, hints=False)
    weak = not have_compound and not spans
    if weak:
        spans = _measures(text, lexicon)
    return spans, weak


def _read_op(text: str, lexicon: Lexicon, claims: tuple[Claim, ...]) -> str | None:
    for name, phrases in lexicon.operations.items():
        if name == "difference" and claims:
            continue  # "more than 30 million" compares with a number; it is not a difference
        if phrases.search(text):
            return name
    return None


def read_question(normalised: str, cleaned: str, years: tuple[int, ...], lexicon: Lexicon,
                  party_names: dict[str, str], party_phrases: Phrases, home: str,
                  figure_asked: bool = False) -> Asked:
    """Read what the question asks. `normalised`: the matcher's normalised text (synonyms
    applied, spelling corrected); `cleaned`: the text before normalisation, for numbers.
    `figure_asked`: the conversation already asks for a figure ("and US companies in CQ?"
    after "How many companies ...?" counts companies)."""
    text = mask(normalised, lexicon.not_measures.find(normalised))
    compound_op, compound_ids, text, negative = _read_compounds(text, lexicon)
    unit_spans = lexicon.unit_phrases.find(text)  # after compounds: "per km²" asks for no unit
    units = {lexicon.unit_names[phrase] for _, _, phrase in unit_spans}
    text = mask(text, unit_spans)
    mentions = _parties(text, party_names, party_phrases, lexicon)
    spans, weak = _read_measures(text, lexicon, bool(compound_ids))
    measure_ids = compound_ids + [mid for _, _, mid in spans]
    claims = _claims(cleaned, lexicon) + ((negative,) if negative else ())
    op = compound_op or _read_op(mask(text, spans), lexicon, claims)  # 占地 is area, not a share
    if op == "per" and any(lexicon.measures[mid].average for mid in measure_ids):
        # "average income", "income per person": the income figure is itself an average
        op, measure_ids = None, [mid for mid in measure_ids if lexicon.measures[mid].average]
    asks_name = lexicon.asks_for_name.search(normalised)
    if asks_name:  # "which four companies ...": a number that describes, not a claim
        claims = tuple(c for c in claims if c.scaled and not c.text.isalpha())
    explicit = bool(figure_asked or lexicon.asks_for_figure(normalised) or claims or op or units
                    or lexicon.all_partners.search(normalised))  # "total trade", "全部出口": a figure
    counting = lexicon.count_words.search(normalised)
    if not explicit or (not counting and not claims
                        and not all(lexicon.measures[mid].counted for mid in measure_ids)):
        # "Sacramento and Chongqing companies": a company named, no count asked; "how much did
        # US companies invest": the companies invest, the investment is asked
        measure_ids = [mid for mid in measure_ids if not lexicon.measures[mid].counted]
        spans = [span for span in spans if not lexicon.measures[span[2]].counted]
    measures = [lexicon.measures[mid] for mid in dict.fromkeys(measure_ids)]
    if op is None and any(c.percent for c in claims) and len(measures) > 1:
        op = "share"  # "is more than half of the investment in use?"
    excluding = lexicon.excluding.search(normalised)
    if excluding and op is None and mentions:
        op = "difference"  # "trade with countries other than the US": all trade minus that
    origin = destination = None
    two_way = False
    directed = next((m for m in measures if m.directed), None)
    if directed is not None:
        receive_at = [start for start, _, _ in lexicon.flow_markers["receive"].find(text)]
        # "重庆实际使用美资": a measure word that is also a receiving verb (使用) takes a receiver
        _attributes(mentions, [span for span in spans if span[0] not in receive_at],
                    {m.id for m in measures if m.directed})
        if not directed.reverse:  # "Chongqing approved US firms"; an importer already receives
            _receiver(mentions, receive_at)
        _possessor(mentions, text)
        measure_at = next((start for start, _, mid in spans if mid == directed.id), len(text))
        origin, destination = _direction(mentions, directed, measure_at, home, not _HAN.search(text))
        if origin == destination or (op in ("ratio", "difference") and _swapped(mentions)):
            # "exports to the US than imports from the US", "US investment in Chongqing than
            # Chongqing's in the US": two flows, no one direction
            two_way, origin, destination = origin is not None, None, None
    parties = frozenset(m.party for m in mentions)
    details = lexicon.details_in(mask(text, list(spans) + [(m.start, m.end, "") for m in mentions]), ("topics",))
    return Asked(
        named=parties,
        measures=frozenset(m.family for m in measures), named_measures=frozenset(m.id for m in measures), op=op,
        origin=origin, destination=destination, two_way=two_way, parties=parties,
        all_partners=(lexicon.all_partners.search(normalised) and not (parties - {home})
                      or lexicon.beyond.search(normalised)),
        years=years, relative_year=next((say for phrases, say, _ in lexicon.relative_years
                                         if phrases.search(normalised)), None),
        now=lexicon.now.search(normalised), flow_period=lexicon.flow_period.search(normalised),
        cumulative=lexicon.cumulative.search(normalised), unit=sorted(units)[0] if len(units) == 1 else None,
        claims=claims, asks_figure=explicit or bool(spans and not weak and not asks_name), asks_name=asks_name,
        explicit=explicit, weak=weak, total_words=lexicon.all_partners.search(normalised),
        as_of=lexicon.as_of.search(normalised), excluding=excluding,
        leftover=_leftover(text, spans, mentions, claims, lexicon),
        asks_date=bool(lexicon.asks_for_date.search(normalised) or lexicon.asks_for_day.search(normalised)),
        yes_no=lexicon.asks_yes_no(normalised),
        details=frozenset(details), months=_months(cleaned), asks_day=lexicon.asks_for_day.search(normalised),
        asks_more=lexicon.asks_for_more.search(normalised),
        first_measure=spans[0][2] if spans and not compound_ids else None,  # "顺差": the compound's own order
        whole=_whole(text, spans, lexicon) if op == "share" else None)


WHOLE_GAP = 12  # characters between "share of" and the measure it is of ("share of chongqing s exports")


def _whole(text: str, spans: list[tuple[int, int, str]], lexicon: Lexicon) -> str | None:
    """The measure named right after "share of" / "占": the whole the share is of."""
    for _, end, _ in lexicon.share_of.find(text):
        first = min(((start, mid) for start, _, mid in spans if start >= end), default=None)
        if first is not None and first[0] - end <= WHOLE_GAP:
            return first[1]
    return None


def _swapped(mentions: list[_Mention]) -> bool:
    """Whether the parties come in swapped order, X ... Y then Y (... X): a comparison of a
    flow with its reverse, the second clause led by the first one's other end."""
    parties = [m.party for m in mentions]
    if len(set(parties)) != 2:
        return False
    second = next(p for p in parties if p != parties[0])
    at = parties.index(second)
    return parties[at + 1:at + 2] == [second]


_MONTHS_EN = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
              "november", "december")
_MONTH = re.compile(r"\b(" + "|".join(m[:3] + f"(?:{m[3:]})?" for m in _MONTHS_EN)
                    + r")\b|(\d{1,2}|[一二三四五六七八九十]{1,3})月")


def _months(cleaned: str) -> tuple[int, ...]:
    found = []
    for match in _MONTH.finditer(cleaned):
        if match.group(1):
            found.append(next(i for i, m in enumerate(_MONTHS_EN, 1) if m.startswith(match.group(1)[:3])))
        else:
            text = match.group(2)
            found.append(int(text) if text.isdigit() else _han_number(text))
    return tuple(m for m in found if 1 <= m <= 12 and not (m == 5 and "may i" in cleaned))


def _leftover(text: str, spans: list[tuple[int, int, str]], mentions: list[_Mention], claims: tuple[Claim, ...],
              lexicon: Lexicon) -> bool:
    """Whether the question says more than its measure, parties, figure words and numbers:
    "what is special about Chongqing for trade" is about a statement, not the trade figure;
    "how big are the shale gas reserves" is not about the area."""
    text = mask(text, list(spans) + [(m.start, m.end, "") for m in mentions])
    text = mask(text, lexicon.explained.find(text))
    return lexicon.says_more_than_fillers(text, ignoring=lexicon.scales)


__all__ = ["Asked", "Claim", "Described", "read_question"]
