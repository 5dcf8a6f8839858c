"""What a question asks, what a fact measures, and whether the two agree.

Retrieval (matcher.py) finds the topic; it does not know the meaning. "How much did the US
export to Chongqing?" shares every word with the entry on Chongqing's exports to the US,
yet asks for the opposite flow. This module reads a question into an `Asked` (measure,
direction, parties, period, operation, unit, claimed numbers) using the lexicon, describes
each fact as a `Described` (from facts.yaml's measure/from/to/with/of keys), and lists the
ways a fact fails to answer a question (`disagreements`). The engine answers only with a
fact that agrees, or declines and says what the brief does give.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from itertools import pairwise

from .lexicon import HAN, Lexicon, Measure, Phrases

_HAN = re.compile(f"[{HAN}]")

HOME = "home"  # placeholder resolved to the knowledge base's home place


@dataclass(frozen=True)
class Claim:
    """A number a question asserts: "Is trade USD 68.7 billion?", "over 30 million?"."""

    value: Decimal
    comparator: str  # "equal", "about", "more", "less"
    percent: bool
    scaled: bool  # a scale word was given (billion, 亿)
    text: str  # as written


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

_NUMBER = re.compile(
    r"(?<![\d.])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?\s*"
    r"(%|percent|per cent|trillion|billion|million|thousand|bn|mn|tn|[mbk](?![a-z])|万亿|亿|万|千)?")
_SCALE_OF = {"%": 1, "percent": 1, "per cent": 1, "trillion": 10**12, "billion": 10**9, "million": 10**6,
             "thousand": 10**3, "bn": 10**9, "mn": 10**6, "tn": 10**12, "m": 10**6, "b": 10**9, "k": 10**3,
             "万亿": 10**12, "亿": 10**8, "万": 10**4, "千": 10**3}
_SKIP_BEFORE = ("the", "a", "an", "its", "their")


def _mask(text: str, spans: Iterable[tuple[int, int, str]]) -> str:
    for start, end, _ in spans:
        text = text[:start] + " " * (end - start) + text[end:]
    return text


_HAN_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_HAN_UNITS = {"十": 10, "百": 100, "千": 1000}
_HAN_SCALES = {"万": 10**4, "亿": 10**8}
_EN_NUMBERS = {w: n for n, w in
               enumerate("zero one two three four five six seven eight nine ten eleven twelve".split())}
_EN_SCALES = {"hundred": 100, "thousand": 10**3, "million": 10**6, "billion": 10**9, "trillion": 10**12}
_WORD_NUMBER = re.compile(
    r"(?<![a-z])(?:(" + "|".join(_EN_NUMBERS) + r"|a|half a) (hundred|thousand|million|billion|trillion)"
    r"|(" + "|".join(_EN_NUMBERS) + r")(?= (?:consecutive|years|times|companies|enterprises|firms|offices|cities|"
    r"flights)\b))"
    r"|([一二两三四五六七八九十百千]+)(多)?([万亿]*)(?![一二两三四五六七八九十百千万亿])")
_HAN_COUNTERS = "家个人次届座年倍位名"


def _han_number(text: str) -> int:
    """一 .. 九千九百九十九, with 万 and 亿: 三千 3000, 五百 500, 一万 10000, 十二 12."""
    total, section, digit = 0, 0, 0
    for char in text:
        if char in _HAN_DIGITS:
            digit = _HAN_DIGITS[char]
        elif char in _HAN_UNITS:
            section += (digit or 1) * _HAN_UNITS[char]
            digit = 0
        elif char in _HAN_SCALES:
            total = (total + section + digit) * _HAN_SCALES[char]
            section = digit = 0
    return total + section + digit


def _small_numbers(cleaned: str, lexicon: Lexicon) -> list[Claim]:
    """Numbers written in words: "one trillion yuan", "three consecutive years", "三千多万人",
    "五百多家" (多: more than), "连续三年"."""
    found = []
    for match in _WORD_NUMBER.finditer(cleaned):
        english, scale, count, han, more, han_scale = match.groups()
        if english or scale:
            value = Decimal("0.5") if english == "half a" else Decimal(_EN_NUMBERS.get(english, 1))
            value *= _EN_SCALES[scale]
        elif count:
            value = Decimal(_EN_NUMBERS[count])
        else:
            after = cleaned[match.end():match.end() + 1]
            ordinal = "第" in cleaned[max(0, match.start() - 1):match.start()]
            if ordinal or not (set(han + (han_scale or "")) & set("十百千万亿") or after in _HAN_COUNTERS) or (
                    han == "一" and not han_scale):
                continue  # 第一 is an ordinal; a lone digit counts only before a counter (三年, 五家)
            value = Decimal(_han_number(han + (han_scale or "")))
        before = cleaned[max(0, match.start() - 24):match.start()]
        comparator = next((kind for kind, phrases in lexicon.comparators.items() if phrases.find(before)),
                          "more" if more else "equal")
        found.append(Claim(value, comparator, False, bool(scale or han_scale), match.group()))
    return found


def _claims(cleaned: str, lexicon: Lexicon) -> tuple[Claim, ...]:
    """Numbers the question states, with the comparator before them; years are not claims."""
    found = _small_numbers(cleaned, lexicon)
    for match in _NUMBER.finditer(cleaned):
        digits, decimals, scale = match.group(1), match.group(2) or "", (match.group(3) or "").strip()
        after = cleaned[match.end():match.end() + 1]
        if not scale and not decimals and len(digits) == 4 and digits[:2] in ("19", "20"):
            continue  # a year
        if after in ("年", "月", "日", "号", "届", "次") and not scale:
            continue
        value = Decimal(digits.replace(",", "") + decimals) * _SCALE_OF.get(scale, 1)
        before = cleaned[max(0, match.start() - 24):match.start()]
        comparator = "equal"
        for kind, phrases in lexicon.comparators.items():
            if phrases.find(before) or phrases.find(cleaned[match.end():match.end() + 4]):
                comparator = kind
        found.append(Claim(value, comparator, scale in ("%", "percent", "per cent"),
                           bool(scale) and scale not in ("%", "percent", "per cent"), match.group().strip()))
    for word in ("half", "一半", "过半"):
        if word in cleaned:
            before = cleaned[:cleaned.index(word)][-24:]
            comparator = next((kind for kind, phrases in lexicon.comparators.items() if phrases.find(before)), "about")
            found.append(Claim(Decimal(50), comparator, True, False, word))
    return tuple(found)


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
            text = _mask(text, found)
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
                  party_names: dict[str, str], party_phrases: Phrases, home: str) -> Asked:
    """Read what the question asks. `normalised`: the matcher's normalised text (synonyms
    applied, spelling corrected); `cleaned`: the text before normalisation, for numbers."""
    text = _mask(normalised, lexicon.not_measures.find(normalised))
    compound_op, compound_ids, text, negative = _read_compounds(text, lexicon)
    unit_spans = lexicon.unit_phrases.find(text)  # after compounds: "per km²" asks for no unit
    units = {lexicon.unit_names[phrase] for _, _, phrase in unit_spans}
    text = _mask(text, unit_spans)
    mentions = _parties(text, party_names, party_phrases, lexicon)
    spans, weak = _read_measures(text, lexicon, bool(compound_ids))
    measure_ids = compound_ids + [mid for _, _, mid in spans]
    claims = _claims(cleaned, lexicon) + ((negative,) if negative else ())
    op = compound_op or _read_op(_mask(text, spans), lexicon, claims)  # 占地 is area, not a share
    if op == "per" and any(lexicon.measures[mid].average for mid in measure_ids):
        # "average income", "income per person": the income figure is itself an average
        op, measure_ids = None, [mid for mid in measure_ids if lexicon.measures[mid].average]
    asks_name = lexicon.asks_for_name.search(normalised)
    if asks_name:  # "which four companies ...": a number that describes, not a claim
        claims = tuple(c for c in claims if c.scaled and not c.text.isalpha())
    explicit = bool(lexicon.asks_for_figure(normalised) or claims or op or units
                    or lexicon.all_partners.search(normalised))  # "total trade", "全部出口": a figure
    if not explicit:  # "Sacramento and Chongqing companies": a company named, no count asked
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
        measure_at = next((start for start, _, mid in spans if mid == directed.id), len(text))
        origin, destination = _direction(mentions, directed, measure_at, home, not _HAN.search(text))
        if origin == destination:  # "exports to the US than imports from the US": two flows, no one direction
            two_way, origin, destination = origin is not None, None, None
    parties = frozenset(m.party for m in mentions)
    details = lexicon.details_in(_mask(text, list(spans) + [(m.start, m.end, "") for m in mentions]), ("topics",))
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
        first_measure=spans[0][2] if spans else None)


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
    text = _mask(text, list(spans) + [(m.start, m.end, "") for m in mentions])
    text = _mask(text, lexicon.explained.find(text))
    words = [w for w in re.findall(r"[a-z]+", text)
             if w not in lexicon.fillers_en and w not in lexicon.scales and len(w) > 2]
    han = [c for c in "".join(re.findall(f"[{HAN}]+", text)) if c not in lexicon.fillers_zh]
    return bool(words) or len(han) > 1


# --- checking a fact against a question -------------------------------------------------------

MEASURE, DIRECTION, PARTY, PARTNERS, YEAR, STOCK, FLOW, UNIT, OPERATION, DETAIL = (
    "measure", "direction", "party", "partners", "year", "stock", "flow", "unit", "operation", "detail")


@dataclass(frozen=True)
class Disagreement:
    kind: str  # one of the constants above
    asked: str = ""  # what the question asked for, e.g. "2014", "ford", "CNY"


def _measure_agrees(asked: Asked, fact: Described, lexicon: Lexicon) -> bool:
    if not asked.measures:
        return True
    if fact.inputs:
        specs = [lexicon.measures[f.named_measure] for f in fact.inputs if f.named_measure in lexicon.measures]
        own = fact.measures | {m.broader for m in specs} - {None}
        wholes_of_inputs = {m.part_of for m in specs} - {None}
        if not asked.measures <= own | wholes_of_inputs:
            return False
        wholes = {lexicon.measures[m].part_of for m in asked.named_measures if m in lexicon.measures}
        # an input the question does not name may be implied ("exports' share" of the same
        # trade), but not the total with every partner ("share of total exports" is not that)
        missing = {f.measure for f in fact.inputs if f.measure not in asked.measures
                   and lexicon.measures[f.named_measure].broader not in asked.measures}
        if missing and (fact.op == "ratio" or any(f.partner == "*" and f.measure in missing for f in fact.inputs)):
            return False  # a ratio names both its sides
        counted = fact.op == "per" and any(_is_count(m, lexicon) for m in asked.measures)
        return all(m in wholes or counted or fact.op == "per" and _is_count(m, lexicon) for m in missing) and (
            _named_agree(asked, fact, lexicon))
    if fact.measure not in asked.measures:
        broader = {lexicon.measures[m].broader for m in asked.named_measures if m in lexicon.measures}
        if fact.named_measure not in asked.named_measures and fact.measure not in broader:
            named = lexicon.measures.get(fact.named_measure)
            if not (named and named.broader in asked.named_measures):
                return False
    return _named_agree(asked, fact, lexicon)


def _named_agree(asked: Asked, fact: Described, lexicon: Lexicon) -> bool:
    """Contracted vs utilised: when the question names the narrower measure, the fact must be it."""
    facts = [fact, *fact.inputs]
    narrower = [m for m in asked.named_measures if m in lexicon.measures and lexicon.measures[m].broader]
    present = [m for m in narrower if any(f.named_measure == m for f in facts)]
    if fact.op or asked.op:
        return len(present) == len(narrower)
    return not narrower or bool(present)  # "contracted and utilised investment": either figure


def _is_count(measure: str | None, lexicon: Lexicon) -> bool:
    return measure in ("companies", "population", "area")


def _direction_agrees(asked: Asked, fact: Described) -> bool:
    items = fact.inputs or (fact,)
    directed = [f for f in items if f.origin or f.destination]
    if not directed or not (asked.origin or asked.destination):
        return True
    return any((not asked.origin or asked.origin == f.origin) and
               (not asked.destination or asked.destination in (f.destination, "*")) for f in directed)


def _one_direction(fact: Described) -> bool:
    """A figure derived from two flows the same way (contracted and utilised US investment),
    which cannot answer a question comparing a flow's two directions."""
    ends = {(f.origin, f.destination) for f in fact.inputs if f.origin or f.destination}
    return len(fact.inputs) == 2 and len(ends) == 1


def _partner_of(fact: Described, home: str) -> str | None:
    """The other party of a flow: its partner, or the end that is not the home place."""
    if fact.partner:
        return fact.partner
    if fact.origin or fact.destination:
        return fact.origin if fact.destination == home else fact.destination
    return None


def _year_agrees(year: int, fact: Described, published: int) -> bool:
    if fact.period_kind in ("", "as-published"):
        return published - 1 <= year <= published
    return fact.year == year


def disagreements(asked: Asked, fact: Described, lexicon: Lexicon, home_places: Sequence[str],
                  published: int) -> list[Disagreement]:
    """Every way `fact` fails to answer `asked`; empty when it answers it."""
    found = []
    home, containers = home_places[0] if home_places else "", set(home_places[1:])
    extra = asked.parties - fact.parties - {home}  # the home place may be named by any question
    if extra - containers or (extra & containers and home not in asked.parties):
        found.append(Disagreement(PARTY, sorted(extra - containers or extra)[0]))
    if asked.op and asked.op != fact.op:
        found.append(Disagreement(OPERATION, asked.op))
    elif fact.op and not asked.op and not (
            asked.measures and asked.measures >= fact.measures and len(fact.measures) > 1):
        found.append(Disagreement(OPERATION, ""))
    if not _measure_agrees(asked, fact, lexicon):
        found.append(Disagreement(MEASURE, ",".join(sorted(asked.named_measures))))
    if not _direction_agrees(asked, fact) or (asked.two_way and _one_direction(fact)):
        found.append(Disagreement(DIRECTION, f"{asked.origin or '?'}>{asked.destination or '?'}"))
    if asked.all_partners and not asked.excluding and any(_partner_of(f, home) not in ("*", None)
                                                          for f in (fact.inputs or (fact,))):
        found.append(Disagreement(PARTNERS, "*"))
    elif asked.total_words and fact.op == "share" and not any(_partner_of(f, home) == "*" for f in fact.inputs):
        found.append(Disagreement(PARTNERS, "*"))  # "share of total exports": the whole is with all partners
    elif (not asked.total_words and not asked.excluding and fact.on_demand
          and any(_partner_of(f, home) == "*" for f in fact.inputs)):
        found.append(Disagreement(PARTNERS, ""))  # "share of US trade": not of all foreign trade
    missing = [year for year in asked.years
               if not all(_year_agrees(year, f, published) for f in (fact.inputs or (fact,)))]
    if missing and len(missing) == len(asked.years):  # "2013? and 2012?": the year it has answers
        found.append(Disagreement(YEAR, str(missing[0])))
    if fact.stock and (asked.flow_period or (asked.years and not asked.as_of)):
        found.append(Disagreement(STOCK, ""))  # "in 2013" asks what happened that year
    if asked.cumulative and not fact.stock and fact.period_kind == "year":
        found.append(Disagreement(FLOW, ""))
    if asked.unit and fact.unit and asked.unit != fact.unit and not asked.claims:
        found.append(Disagreement(UNIT, asked.unit))  # with a claim ("USD 1.27 trillion?"), a false premise
    if asked.excluding and not (fact.op == "difference" and _partner_of(fact.inputs[0], home) == "*"
                                and asked.parties - {home} <= fact.inputs[1].parties):
        found.append(Disagreement(PARTNERS, "*"))  # "other than the US": all partners less that one
    if asked.leftover and asked.weak:
        found.append(Disagreement(MEASURE, ""))
    if asked.details:  # "the tariff on exports", "sales of the 535 firms": no figure measures that
        found.append(Disagreement(DETAIL, sorted(asked.details)[0]))
    return found


# --- claims -----------------------------------------------------------------------------------


def _readings(claim: Claim, display_scales: Sequence[Decimal | int]) -> list[Decimal]:
    """What a number may mean: as written, or in the figure's own scale when none is given."""
    values = [claim.value]
    if not claim.scaled and not claim.percent:
        values += [claim.value * scale for scale in display_scales]
    return values


def check_claim(claim: Claim, value: Decimal, percent: bool, display_scales: Sequence[Decimal | int] = ()) -> bool:
    """Whether the question's claim holds for the figure `value` (a ratio when `percent`)."""
    target = value * 100 if percent else value
    if target == 0:
        return claim.value == 0
    reading = min(_readings(claim, display_scales), key=lambda v: abs((v - target) / target))
    if claim.comparator == "more":
        return target > reading
    if claim.comparator == "less":
        return target < reading
    tolerance = Decimal("0.1") if claim.comparator == "about" else Decimal("0.03")
    return abs(reading - target) <= tolerance * abs(target)


__all__ = ["Asked", "Claim", "Described", "Disagreement", "check_claim", "disagreements", "read_question",
           "field"]
