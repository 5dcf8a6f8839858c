"""facts.yaml: sources, units and facts (every figure and date, once); derived facts computed
from their formulas."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType
from typing import Any

from .figures import Formula, Period, parse_period, parse_value
from .model import LANGS, Fact, Source, Text, Unit
from .reader import _read_file, _Reader
from .yamlfile import DEFAULT_LIMITS, Problem, YamlLimits, YamlMap

FACT_ID = re.compile(r"^[a-z][a-z0-9_]*$")  # a Python identifier, so formulas can name it


# --- facts.yaml -----------------------------------------------------------------

FACT_KEYS = {"id", "label", "value", "text", "formula", "unit", "date", "source", "significant", "display",
             "measure", "from", "to", "with", "of"}
ABOUT_KEYS = ("measure", "from", "to", "with", "of")


def _read_sources(reader: _Reader, document: YamlMap) -> dict[str, Source]:
    sources = {}
    section = reader.mapping(document.get("sources", YamlMap()), document.line_of("sources"), "sources") or YamlMap()
    for source_id, raw in section.items():
        line = section.line_of(source_id)
        spec = reader.mapping(raw, line, f"source '{source_id}'")
        if spec is None:
            continue
        what = f"source '{source_id}'"
        title, publisher = reader.text(spec, "title", what), reader.text(spec, "publisher", what)
        published = reader.string(spec, "published", what)
        try:
            period = parse_period(published) if published else None
        except ValueError as error:
            reader.error(spec.line_of("published"), f"{what}: {error}")
            period = None
        if title and publisher and published and period:
            sources[source_id] = Source(source_id, title, publisher, published, period)
    if not sources:
        reader.error(document.line, "facts.yaml needs at least one entry under 'sources'")
    return sources


def _read_units(reader: _Reader, document: YamlMap) -> dict[str, Unit]:
    units = {}
    section = reader.mapping(document.get("units", YamlMap()), document.line_of("units"), "units") or YamlMap()
    for unit_id, raw in section.items():
        spec = reader.mapping(raw, section.line_of(unit_id), f"unit '{unit_id}'")
        if spec is None:
            continue
        fallback = str(spec.get(reader.languages[0], ""))
        template = Text(**{lang: str(spec.get(lang, fallback)) for lang in LANGS})
        for lang in reader.languages:
            if "{n}" not in template.get(lang):
                reader.error(spec.line_of(lang), f"unit '{unit_id}' needs '{lang}' text containing {{n}}")
        try:
            multiply = parse_value(spec.get("multiply", 1))[0]
        except ValueError as error:
            reader.error(spec.line_of("multiply"), f"unit '{unit_id}': {error}")
            multiply = Decimal(1)
        reader.unknown_keys(spec, {"en", "zh", "multiply", "measured_in", "per"}, f"unit '{unit_id}'")
        per = reader.text(spec, "per", f"unit '{unit_id}'", required=False)
        measured_in = str(spec["measured_in"]) if spec.get("measured_in") else None
        units[unit_id] = Unit(unit_id, template, multiply, measured_in, per)
    return units


def _read_fact(reader: _Reader, spec: YamlMap, line: int, sources: Mapping[str, Source],
               units: Mapping[str, Unit]) -> Fact | None:
    fact_id = reader.string(spec, "id", "fact")
    if fact_id is None:
        return None
    what = f"fact '{fact_id}'"
    if not FACT_ID.match(fact_id):
        reader.error(spec.line_of("id"), f"{what}: ids use lower-case letters, digits and _ (e.g. gdp_2013)")
    reader.unknown_keys(spec, FACT_KEYS, what)
    kinds = [key for key in ("value", "text", "formula") if key in spec]
    if len(kinds) != 1:
        reader.error(line, f"{what} needs exactly one of value, text or formula")
        return None
    source_id = str(spec.get("source", next(iter(sources), "")))
    source = sources.get(source_id)
    if source is None:
        reader.error(spec.line_of("source"), f"{what}: unknown source '{source_id}'")
        return None
    period = None
    if "date" in spec:
        try:
            period = parse_period(spec["date"])
        except ValueError as error:
            reader.error(spec.line_of("date"), f"{what}: {error}")
    unit = None
    if "unit" in spec:
        unit = units.get(str(spec["unit"]))
        if unit is None:
            reader.error(spec.line_of("unit"), f"{what}: unknown unit '{spec['unit']}' (define it under 'units')")
    fields: dict[str, Any] = dict(id=fact_id, source=source, period=period, unit=unit, file=reader.file, line=line,
                                  lines=MappingProxyType(dict(spec.key_lines)))  # Fact's, whatever kind
    fields["scale"] = MappingProxyType(_read_display(reader, spec, what))
    fields["label"] = reader.text(spec, "label", what, required=False)
    fields["about"] = MappingProxyType({key: str(spec[key]).strip() for key in ABOUT_KEYS if spec.get(key) is not None})
    if "text" in spec:
        text = reader.text(spec, "text", what)
        return Fact(text=text, **fields) if text else None
    if "value" in spec:
        try:
            value, en_scale = parse_value(spec["value"])
        except ValueError as error:
            reader.error(spec.line_of("value"), f"{what}: {error}")
            return None
        if en_scale and "en" not in fields["scale"]:
            fields["scale"] = MappingProxyType({**fields["scale"], "en": en_scale})
        return Fact(value=value, **fields)
    try:
        formula = Formula(str(spec["formula"]))
    except ValueError as error:
        reader.error(spec.line_of("formula"), f"{what}: {error}")
        return None
    significant = spec.get("significant", 3)
    if not isinstance(significant, int) or isinstance(significant, bool) or not 1 <= significant <= 12:
        reader.error(spec.line_of("significant"), f"{what}: 'significant' must be a whole number of digits (1-12)")
        significant = 3
    return Fact(formula=formula, significant=significant, **fields)


def _read_display(reader: _Reader, spec: YamlMap, what: str) -> dict[str, str]:
    display = spec.get("display")
    if display is None:
        return {}
    mapping = reader.mapping(display, spec.line_of("display"), f"{what}: 'display'")
    return {str(lang): str(scale) for lang, scale in (mapping or {}).items()}


def _compute_derived(reader: _Reader, facts: dict[str, Fact], faulty: set[str]) -> dict[str, Fact]:
    """Give each derived fact its value (and, unless stated, its inputs' common date).

    A derived fact whose input is already reported as faulty joins `faulty`
    quietly: one mistake, one message."""
    done: dict[str, Fact] = {}

    def resolve(fact: Fact, trail: tuple[str, ...]) -> Fact | None:
        if fact.id in done:
            return done[fact.id]
        if fact.formula is None:
            done[fact.id] = fact
            return fact
        if fact.id in trail:
            reader.error(fact.line_of("formula"),
                         f"fact '{fact.id}': formula refers to itself via {' -> '.join(trail)}")
            return None
        inputs: dict[str, Fact] = {}
        values: dict[str, Decimal] = {}
        for name in fact.formula.names:
            source_fact = facts.get(name)
            if name in faulty:
                faulty.add(fact.id)
                return None
            if source_fact is None:
                reader.error(fact.line_of("formula"), f"fact '{fact.id}': formula uses unknown fact '{name}'")
                return None
            resolved = resolve(source_fact, trail + (fact.id,))
            if resolved is None or resolved.value is None:
                if resolved is not None:
                    reader.error(fact.line_of("formula"),
                                 f"fact '{fact.id}': formula uses '{name}', which is not a figure")
                return None
            inputs[name], values[name] = resolved, resolved.value
        try:
            value = fact.formula.evaluate(values)
        except ValueError as error:
            reader.error(fact.line_of("formula"), f"fact '{fact.id}': {error}")
            return None
        period = fact.period or _common_period(reader, fact, inputs.values())
        multiply = fact.unit.multiply if fact.unit else Decimal(1)
        derived = Fact(**{**fact.__dict__, "value": value * multiply, "period": period})
        done[fact.id] = derived
        return derived

    for fact in facts.values():
        before = len(reader.problems)
        if resolve(fact, ()) is None or len(reader.problems) > before:
            faulty.add(fact.id)
    return done


def _common_period(reader: _Reader, fact: Fact, inputs: Iterable[Fact]) -> Period | None:
    periods = {f.period for f in inputs if f.period is not None}
    if len(periods) > 1:
        labels = ", ".join(sorted(p.label for p in periods))
        reader.error(fact.line, f"fact '{fact.id}': its inputs describe different dates ({labels}); give it a 'date'")
        return None
    return next(iter(periods), None)


def _read_facts(directory: Path, problems: list[Problem], languages: Sequence[str], limits: YamlLimits = DEFAULT_LIMITS
                ) -> tuple[dict[str, Source], dict[str, Unit], dict[str, Fact], set[str] | None]:
    """(sources, units, facts, faulty): `faulty` holds the ids of facts already
    reported as wrong, or is None when facts.yaml could not be read at all."""
    document, reader = _read_file(directory / "facts.yaml", directory, problems, languages=languages, limits=limits)
    if document is None:
        return {}, {}, {}, None
    document = reader.mapping(document, 1, "facts.yaml")
    if document is None:
        return {}, {}, {}, None
    reader.unknown_keys(document, {"sources", "units", "facts"}, "facts.yaml")
    sources = _read_sources(reader, document)
    units = _read_units(reader, document)
    facts: dict[str, Fact] = {}
    faulty: set[str] = set()
    for line, raw in reader.items(document.get("facts"), document.line_of("facts"), "facts"):
        before = len(problems)
        spec = reader.mapping(raw, line, "a fact")
        fact = _read_fact(reader, spec, line, sources, units) if spec is not None else None
        if len(problems) > before and isinstance(spec, dict):
            faulty.add(str(spec.get("id")))
        if fact is None:
            continue
        if fact.id in facts:
            reader.error(line, f"duplicate fact id '{fact.id}' (first at line {facts[fact.id].line})")
            continue
        facts[fact.id] = fact
    return sources, units, _compute_derived(reader, facts, faulty), faulty
