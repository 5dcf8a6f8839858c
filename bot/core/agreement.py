"""Whether a fact answers what a question asks: the ways a `Described` figure fails an `Asked`
meaning (`disagreements`), and whether a number the question states holds (`check_claim`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from .claims import Claim
from .lexicon import Lexicon
from .meaning import Asked, Described

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


def _whole_agrees(asked: Asked, fact: Described, lexicon: Lexicon) -> bool:
    """"What share of Chongqing's exports go to the US?" is a share of all exports: the share of
    exports in the trade with the US does not answer it."""
    if not asked.whole or fact.op != "share" or len(fact.inputs) != 2:
        return True
    whole = fact.inputs[1]
    spec = lexicon.measures.get(whole.named_measure or "")
    return asked.whole in {whole.named_measure, whole.measure, spec.broader if spec else None}


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


def _both_directions(fact: Described, lexicon: Lexicon) -> bool:
    """A figure derived from one flow's two directions named alike (US investment in Chongqing
    and Chongqing's in the US), which answers only a question comparing the two; exports and
    imports have words of their own, which say the question compares them."""
    ends = [(f.origin, f.destination) for f in fact.inputs]
    if len(ends) != 2 or ends[0][0] is None or ends[0] != ends[1][::-1]:
        return False
    first = lexicon.measures.get(fact.inputs[0].named_measure or "")
    return first is None or first.reverse != fact.inputs[1].named_measure


def _nested(fact: Described, lexicon: Lexicon) -> bool:
    """Whether one input's measure is a kind of the other's (contracted investment, investment):
    naming both ("合同美资") asks for one figure, not a comparison."""
    named = [lexicon.measures[f.named_measure] for f in fact.inputs if f.named_measure in lexicon.measures]
    return any(a.broader == b.id for a in named for b in named)


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
    # a place containing the home place only locates it ("Chongqing, China"), except as the
    # whole of a share ("what share of China's exports ...")
    if extra - containers or (extra & containers and (home not in asked.parties or asked.op == "share")):
        found.append(Disagreement(PARTY, sorted(extra - containers or extra)[0]))
    if asked.op and asked.op != fact.op:
        found.append(Disagreement(OPERATION, asked.op))
    elif fact.op and not asked.op and not (asked.measures and asked.measures >= fact.measures
                                           and len(fact.measures) > 1 and not _nested(fact, lexicon)):
        found.append(Disagreement(OPERATION, ""))
    if not _measure_agrees(asked, fact, lexicon) or not _whole_agrees(asked, fact, lexicon):
        found.append(Disagreement(MEASURE, ",".join(sorted(asked.named_measures))))
    if (not _direction_agrees(asked, fact) or (asked.two_way and _one_direction(fact))
            or (_both_directions(fact, lexicon) and not asked.two_way and (asked.origin or asked.destination))):
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
    if fact.stock and (asked.flow_period or (asked.years and not asked.as_of and not asked.cumulative)):
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
