"""The knowledge base: facts, FAQ entries and bot messages, read from YAML and checked.

Layout of a knowledge directory (each file explains itself in comments):

    facts.yaml        sources, units and facts: every figure and date, once
    faq/*.yaml        one topic per file: its FAQ entries with questions and answers
    messages.yaml     what the bot says around answers (welcome, help, decline ...)
    synonyms.yaml     optional: words users write for the same thing (US = USA = 美国)
    settings.yaml     optional: matching thresholds chosen on validation data

`load_knowledge` returns an immutable `KnowledgeBase` or raises `KnowledgeError`
with every problem found, each as FILE:LINE: message.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from pathlib import Path
from string import Formatter
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, TypedDict, cast

from .figures import AS_PUBLISHED, Formula, Period, parse_period, parse_value
from .yamlfile import DEFAULT_LIMITS, Problem, YamlFileError, YamlLimits, YamlList, YamlMap, load_yaml
from .yamlfile import SETTINGS as YAML_LIMIT_SETTINGS

if TYPE_CHECKING:  # built from a KnowledgeBase, so imported for the annotations only
    from .describe import MeaningIndex
    from .lexicon import Lexicon
    from .matcher import Index
    from .scope import Scope

LANGS = ("en", "zh")
ENTRY_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,47}$")  # fits Telegram deep links and callback data
FACT_ID = re.compile(r"^[a-z][a-z0-9_]*$")  # a Python identifier, so formulas can name it
PLACEHOLDER = re.compile(r"\{(?P<fact>[a-z][a-z0-9_]*)(?:\.(?P<part>[A-Za-z]+))?\}")
PLACEHOLDER_PARTS = ("when", "When")


@dataclass(frozen=True)
class Text:
    """The same text in English and Simplified Chinese."""

    en: str
    zh: str

    def get(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


@dataclass(frozen=True)
class Source:
    id: str
    title: Text
    publisher: Text
    published: str  # as written, e.g. "2014-10-27"
    period: Period


@dataclass(frozen=True)
class Unit:
    id: str
    template: Text  # "USD {n}" / "{n}美元"
    multiply: Decimal = Decimal(1)  # e.g. 100 for percent, so formulas stay plain ratios
    measured_in: str | None = None  # the currency or unit of measure (lexicon units), e.g. USD
    per: Text | None = None  # for counts: how "per one" reads ("per enterprise" / "平均每家")


@dataclass(frozen=True)
class Fact:
    """A figure or statement from a source, with the time it describes.

    Exactly one of `value` (a figure), `text` (a statement) or `formula` (a
    figure derived from other facts) is set.
    """

    id: str
    source: Source
    period: Period | None
    value: Decimal | None = None
    text: Text | None = None
    formula: Formula | None = None
    unit: Unit | None = None
    significant: int | None = None  # derived figures: rounded to this many digits
    scale: Mapping[str, str] = field(default_factory=dict)  # display hint per language
    label: Text | None = None  # what the figure is, for lists such as the key-figures card
    about: Mapping[str, str] = field(default_factory=dict)  # measure, from, to, with, of (see facts.yaml)
    file: str = ""
    line: int = 0
    lines: Mapping[str, int] = field(default_factory=dict)  # key -> the line it is written on

    def line_of(self, key: str) -> int:
        """Where a field is written, so a problem with it points there (else the fact's line)."""
        return self.lines.get(key, self.line)

    @property
    def is_figure(self) -> bool:
        return self.text is None

    @property
    def plain_value(self) -> Decimal | None:
        """The value before the unit's multiplier: a percentage as the ratio it is (0.148)."""
        if self.value is None:
            return None
        return self.value / self.unit.multiply if self.unit else self.value


@dataclass(frozen=True)
class Entry:
    id: str
    topic: str
    questions: Mapping[str, tuple[str, ...]]
    keywords: Mapping[str, tuple[str, ...]]
    answer: Text
    related: tuple[str, ...]
    examples: tuple[str, ...]  # questions that must match this entry (checked by `check`)
    file: str
    line: int
    # Where each field is written, so a problem points at its line: "answer.en", "answer.en
    # {gdp_2013}" (the line of a placeholder), "related.0", "examples.2" ...
    lines: Mapping[str, int] = field(default_factory=dict)

    def line_of(self, key: str) -> int:
        return self.lines.get(key, self.line)

    def title(self, lang: str) -> str:
        """The entry's first question in `lang`: how buttons and lists name it."""
        return (self.questions.get(lang) or self.questions.get("en") or (self.id,))[0]


@dataclass(frozen=True)
class Entity:
    """A company, place or body the source names, so that a question describing it finds it."""

    id: str
    kind: str
    names: Mapping[str, tuple[str, ...]]
    about: Text
    line: int = 0
    # phrases that point at this one entity without naming it ("the Detroit carmaker")
    known_as: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def name(self, lang: str) -> str:
        return (self.names.get(lang) or self.names.get("en") or (self.id,))[0]


@dataclass(frozen=True)
class Topic:
    id: str
    name: Text
    entry_ids: tuple[str, ...]


@dataclass(frozen=True)
class KnowledgeBase:
    directory: Path
    sources: Mapping[str, Source]
    units: Mapping[str, Unit]
    facts: Mapping[str, Fact]
    topics: tuple[Topic, ...]
    entries: Mapping[str, Entry]
    messages: Mapping[str, Text]
    synonyms: tuple[tuple[str, tuple[str, ...]], ...]
    settings: Settings
    lexicon: Lexicon  # the package's lexicon extended by the directory's
    warnings: tuple[Problem, ...] = ()
    entities: Mapping[str, Entity] = field(default_factory=dict)
    index: Index | None = None  # the matcher's index, attached by engine.build
    scopes: Mapping[str, Scope] = field(default_factory=dict)  # entry id -> what it covers, attached by engine.build
    meaning: MeaningIndex | None = None  # what each fact measures, attached by engine.build

    def message(self, key: str, lang: str, **values: object) -> str:
        return self.messages[key].get(lang).format(**values)

    def built_index(self) -> Index:
        """The matching index: engine.build attaches it (engine.load_knowledge always does)."""
        if self.index is None:
            raise ValueError("this knowledge base has no index yet: pass it through engine.build")
        return self.index

    def built_meaning(self) -> MeaningIndex:
        """What each fact measures: engine.build attaches it with the index."""
        if self.meaning is None:
            raise ValueError("this knowledge base has no meaning index yet: pass it through engine.build")
        return self.meaning


class KnowledgeError(Exception):
    """The knowledge directory has errors; `problems` lists each with file and line."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))


# --- reading helpers ----------------------------------------------------------


class _Reader:
    """Collects problems for one file while reading typed values out of it."""

    def __init__(self, display_name: str, problems: list[Problem], languages: Sequence[str] = LANGS) -> None:
        self.file = display_name
        self.problems = problems
        self.languages = languages  # the languages every text must be given in
        self.source: list[str] = []  # the file's lines, to find where a placeholder is written

    def line_containing(self, needle: str, start: int) -> int:
        """The first line from `start` on whose text contains `needle` (else `start`)."""
        for number, text in enumerate(self.source[start - 1:], start):
            if needle in text:
                return number
        return start

    def error(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.file, line, message))

    def warn(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.file, line, message, "warning"))

    def mapping(self, value: object, line: int, what: str) -> YamlMap | None:
        if isinstance(value, YamlMap):
            return value
        self.error(getattr(value, "line", line), f"{what} must be a mapping (key: value)")
        return None

    def items(self, value: object, line: int, what: str) -> list[tuple[int, object]]:
        """(line, item) pairs of a list; an absent list is empty."""
        if value is None:
            return []
        if not isinstance(value, YamlList):
            self.error(getattr(value, "line", line), f"{what} must be a list")
            return []
        return [(value.line_of(index), item) for index, item in enumerate(value)]

    def string(self, parent: YamlMap, key: str, what: str, required: bool = True) -> str | None:
        value = parent.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.error(parent.line_of(key), f"{what} needs '{key}'")
            return None
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            self.error(parent.line_of(key), f"{what}: '{key}' must be text")
            return None
        return str(value).strip()

    def text(self, parent: YamlMap, key: str, what: str, required: bool = True) -> Text | None:
        """A bilingual {en: ..., zh: ...} value; a missing language is an error."""
        value = parent.get(key)
        if value is None:
            if required:
                self.error(parent.line, f"{what} needs '{key}' in English and Chinese")
            return None
        bilingual = self.mapping(value, parent.line_of(key), f"{what}: '{key}'")
        if bilingual is None:
            return None
        texts = {lang: self.string(bilingual, lang, f"{what}: '{key}'", required=lang in self.languages)
                 for lang in LANGS}
        for extra in set(bilingual) - set(LANGS):
            self.error(bilingual.line_of(extra), f"{what}: '{key}' has unknown language '{extra}' (use en and zh)")
        if any(texts[lang] is None for lang in self.languages):
            return None
        fallback = texts[self.languages[0]] or ""  # given: checked above
        return Text(**{lang: texts[lang] or fallback for lang in LANGS})

    def unknown_keys(self, mapping: YamlMap, allowed: set[str], what: str) -> None:
        for key in mapping:
            if key not in allowed:
                self.error(mapping.line_of(key), f"{what}: unknown key '{key}' (allowed: {', '.join(sorted(allowed))})")


def _display_name(path: Path, directory: Path) -> str:
    try:
        return str(path.relative_to(directory.parent))
    except ValueError:
        return str(path)


def _read_file(path: Path, directory: Path, problems: list[Problem], required: bool = True,
               languages: Sequence[str] = LANGS, limits: YamlLimits = DEFAULT_LIMITS) -> tuple[Any, _Reader]:
    """Parse a YAML file; on failure record the problem and return None. A required
    file that is empty (or only comments) is an error: an emptied topic file would
    otherwise silently drop its entries."""
    reader = _Reader(_display_name(path, directory), problems, languages)
    if not path.exists():
        if required:
            problems.append(Problem(reader.file, 1, "file is missing"))
        return None, reader
    try:
        document = load_yaml(path, reader.file, limits)
    except YamlFileError as error:
        problems.append(error.problem)
        return None, reader
    reader.source = path.read_text(encoding="utf-8", errors="replace").splitlines()
    if document is None and required:
        problems.append(Problem(reader.file, 1, "file is empty (or only comments); delete it to remove it"))
    return document, reader


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


# --- faq/*.yaml ---------------------------------------------------------------------

ENTRY_KEYS = {"id", "questions", "keywords", "answer", "related", "examples"}


def _read_lang_lists(reader: _Reader, spec: YamlMap, key: str, what: str,
                     required: bool) -> dict[str, tuple[str, ...]]:
    """{en: [...], zh: [...]} of strings; with `required`, each language needs one."""
    value = spec.get(key)
    if value is None:
        if required:
            reader.error(spec.line, f"{what} needs '{key}' in English and Chinese")
        return {lang: () for lang in LANGS}
    mapping = reader.mapping(value, spec.line_of(key), f"{what}: '{key}'")
    if mapping is None:
        return {lang: () for lang in LANGS}
    result: dict[str, tuple[str, ...]] = {}
    for lang in LANGS:
        items = reader.items(mapping.get(lang), mapping.line_of(lang), f"{what}: '{key}.{lang}'")
        texts = []
        for line, item in items:
            if not isinstance(item, (str, int, float)) or not str(item).strip():
                reader.error(line, f"{what}: '{key}.{lang}' items must be non-empty text")
                continue
            texts.append(str(item).strip())
        if required and not texts and lang in reader.languages:
            reader.error(mapping.line_of(lang), f"{what} has no {'English' if lang == 'en' else 'Chinese'} '{key}'")
        result[lang] = tuple(texts)
    for extra in set(mapping) - set(LANGS):
        reader.error(mapping.line_of(extra), f"{what}: '{key}' has unknown language '{extra}' (use en and zh)")
    return result


def _read_entry(reader: _Reader, spec: YamlMap, line: int, topic_id: str) -> Entry | None:
    entry_id = reader.string(spec, "id", "entry")
    if entry_id is None:
        return None
    what = f"entry '{entry_id}'"
    if not ENTRY_ID.match(entry_id):
        reader.error(spec.line_of("id"), f"{what}: ids use lower-case letters, digits and - (at most 48)")
    reader.unknown_keys(spec, ENTRY_KEYS, what)
    questions = _read_lang_lists(reader, spec, "questions", what, required=True)
    keywords = _read_lang_lists(reader, spec, "keywords", what, required=False)
    answer = reader.text(spec, "answer", what)
    related = reader.items(spec.get("related"), spec.line_of("related"), f"{what}: 'related'")
    examples = reader.items(spec.get("examples"), spec.line_of("examples"), f"{what}: 'examples'")
    if answer is None:
        return None
    lines = {"id": spec.line_of("id"), **_answer_lines(reader, spec, answer)}
    lines.update({f"related.{index}": item_line for index, (item_line, _) in enumerate(related)})
    lines.update({f"examples.{index}": item_line for index, (item_line, _) in enumerate(examples)})
    return Entry(entry_id, topic_id, MappingProxyType(questions), MappingProxyType(keywords), answer,
                 tuple(str(item) for _, item in related), tuple(str(item) for _, item in examples),
                 reader.file, line, MappingProxyType(lines))


def _answer_lines(reader: _Reader, spec: YamlMap, answer: Text) -> dict[str, int]:
    """The line of each language's answer, and of each placeholder in it (a long answer
    spans several lines, and a wrong placeholder should be found at a glance)."""
    texts = spec["answer"]
    lines = {}
    for lang in LANGS:
        start = texts.line_of(lang) if lang in texts else texts.line
        lines[f"answer.{lang}"] = start
        for found in PLACEHOLDER.finditer(answer.get(lang)):
            lines[f"answer.{lang} {found[0]}"] = reader.line_containing(found[0], start)
    return lines


def _read_topic_file(path: Path, directory: Path, problems: list[Problem], languages: Sequence[str],
                     limits: YamlLimits = DEFAULT_LIMITS) -> tuple[Topic | None, list[Entry]]:
    document, reader = _read_file(path, directory, problems, languages=languages, limits=limits)
    if document is None:
        return None, []
    document = reader.mapping(document, 1, path.name)
    if document is None:
        return None, []
    reader.unknown_keys(document, {"topic", "entries"}, path.name)
    topic_spec = reader.mapping(document.get("topic", YamlMap()), document.line_of("topic"), "topic")
    topic_id = reader.string(topic_spec, "id", "topic") if topic_spec is not None else None
    name = reader.text(topic_spec, "name", f"topic '{topic_id}'") if topic_spec is not None else None
    entries = []
    for line, raw in reader.items(document.get("entries"), document.line_of("entries"), "entries"):
        spec = reader.mapping(raw, line, "an entry")
        entry = _read_entry(reader, spec, line, topic_id or "") if spec is not None else None
        if entry is not None:
            entries.append(entry)
    if not entries:
        reader.error(document.line, "a topic file needs at least one entry under 'entries'")
    topic = Topic(topic_id, name, tuple(e.id for e in entries)) if topic_id and name else None
    return topic, entries


def _read_faq(directory: Path, problems: list[Problem], languages: Sequence[str], limits: YamlLimits = DEFAULT_LIMITS
              ) -> tuple[tuple[Topic, ...], dict[str, Entry], bool]:
    """(topics, entries, complete): `complete` is False when a file could not be
    parsed, so that references to its entries are not reported as missing."""
    files = sorted((directory / "faq").glob("*.yaml"))
    complete = True
    if not files:
        problems.append(Problem(_display_name(directory / "faq", directory), 1, "no FAQ files (faq/*.yaml)"))
    topics: list[Topic] = []
    entries: dict[str, Entry] = {}
    for path in files:
        topic, file_entries = _read_topic_file(path, directory, problems, languages, limits)
        complete = complete and topic is not None
        if topic is not None:
            if any(existing.id == topic.id for existing in topics):
                problems.append(Problem(_display_name(path, directory), 1, f"duplicate topic id '{topic.id}'"))
            topics.append(topic)
        for entry in file_entries:
            if entry.id in entries:
                first = entries[entry.id]
                problems.append(Problem(entry.file, entry.line_of("id"),
                                        f"duplicate entry id '{entry.id}' (first at {first.file}:{first.line})"))
                continue
            entries[entry.id] = entry
    return tuple(topics), entries, complete


# --- messages, synonyms, settings --------------------------------------------------------

CATALOGUE = "messages.yaml"  # the default messages, a file of this package (bot/core/)


@lru_cache(maxsize=1)
def default_messages() -> Mapping[str, Text]:
    """The package's message catalogue: every message the bot can say, in both languages."""
    with resources.as_file(resources.files(__package__).joinpath(CATALOGUE)) as path:
        document = load_yaml(path, f"bot/core/{CATALOGUE}")
    return MappingProxyType({str(key): Text(en=str(text["en"]), zh=str(text["zh"]))
                             for key, text in document.items()})


def placeholders(template: str) -> set[str]:
    """The {names} a message template fills in, as written: "{topics!r}" or "{topics:>9}" is not
    "{topics}", so a conversion or format the code does not expect is an unknown placeholder."""
    return {name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "")
            for _, name, spec, conversion in Formatter().parse(template) if name is not None}


# Matching thresholds come from validation data (see bench/tune.py); the lists
# name the entries offered as examples and the facts shown on the key-figures card.
class Settings(TypedDict):
    """settings.yaml, every key filled in (SETTINGS_DEFAULTS): the only place defaults live."""

    threshold: float  # the score an answer needs
    margin: float  # how far ahead of the runner-up the best must be, else "did you mean"
    guards: bool  # decline questions about another place, year or detail
    meaning_threshold: float  # the score from which a specific question is read for its meaning
    home_places: list[str]
    start_examples: list[str]  # entry ids
    facts_card: list[str]  # fact ids
    languages: list[str]
    follow_up_minutes: float
    yaml_max_file_kb: int
    yaml_max_nodes: int
    yaml_max_aliases: int
    yaml_max_depth: int
    yaml_max_number_length: int


DEFAULT_THRESHOLD = 30.0
SETTINGS_DEFAULTS = {"threshold": DEFAULT_THRESHOLD, "margin": 0.15, "guards": True, "meaning_threshold": 15.0,
                     "home_places": [], "start_examples": [], "facts_card": [], "languages": list(LANGS),
                     "follow_up_minutes": 10.0,
                     **YAML_LIMIT_SETTINGS}


def _read_messages(directory: Path, problems: list[Problem], languages: Sequence[str],
                   limits: YamlLimits = DEFAULT_LIMITS) -> dict[str, Text]:
    """The default catalogue, with the knowledge directory's messages.yaml overriding single
    messages. An override must name a known message and fill in the same {placeholders}."""
    defaults = default_messages()
    messages = dict(defaults)
    document, reader = _read_file(directory / "messages.yaml", directory, problems, required=False,
                                  languages=languages, limits=limits)
    if document is None:
        return messages
    document = reader.mapping(document, 1, "messages.yaml") or YamlMap()
    for key in document:
        if key not in defaults:
            reader.error(document.line_of(key), f"unknown message '{key}' (the bot has no message of that name; "
                                                f"see bot/core/{CATALOGUE} for the list)")
            continue
        text = reader.text(document, key, f"message '{key}'")
        if text and _same_placeholders(reader, document[key], key, text, defaults[key]):
            messages[key] = text
    return messages


def _same_placeholders(reader: _Reader, spec: YamlMap, key: str, text: Text, default: Text) -> bool:
    """An invented {name} would fail when the bot says the message (an error); a dropped one
    only says less (a warning)."""
    sound = True
    for lang in reader.languages:
        line = spec.line_of(lang)
        try:
            expected, given = placeholders(default.get(lang)), placeholders(text.get(lang))
        except ValueError:
            reader.error(line, f"message '{key}' ({lang}) has an unmatched {{ or }} (placeholders look like {{name}})")
            sound = False
            continue
        for name in sorted(given - expected):
            known = ", ".join(f"{{{n}}}" for n in sorted(expected)) or "none"
            reader.error(line, f"message '{key}' ({lang}): unknown placeholder {{{name}}} (this message has: {known})")
            sound = False
        for name in sorted(expected - given):
            reader.warn(line, f"message '{key}' ({lang}) leaves out {{{name}}}")
    return sound


def _read_synonyms(directory: Path, problems: list[Problem], limits: YamlLimits = DEFAULT_LIMITS
                   ) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """[(canonical, (alias, ...)), ...]: aliases are rewritten to the canonical form."""
    document, reader = _read_file(directory / "synonyms.yaml", directory, problems, required=False, limits=limits)
    if document is None:
        return ()
    groups = []
    for line, raw in reader.items(document, 1, "synonyms.yaml"):
        words = [str(word).strip() for word in (raw or [])] if isinstance(raw, list) else []
        if len(words) < 2 or not all(words):
            reader.error(line, "each synonym group is a list of two or more words, the first being the canonical one")
            continue
        groups.append((words[0], tuple(words[1:])))
    return tuple(groups)


def _read_settings(directory: Path, problems: list[Problem]) -> YamlMap:
    """The settings, defaults filled in; a YamlMap so later checks can name lines."""
    settings = YamlMap(SETTINGS_DEFAULTS)
    settings.line, settings.key_lines = 1, {}
    document, reader = _read_file(directory / "settings.yaml", directory, problems, required=False)
    settings.file = reader.file
    if document is None:
        return settings
    document = reader.mapping(document, 1, "settings.yaml") or YamlMap()
    settings.key_lines = dict(getattr(document, "key_lines", {}))
    reader.unknown_keys(document, set(SETTINGS_DEFAULTS), "settings.yaml")
    for key, value in document.items():
        default = SETTINGS_DEFAULTS.get(key)
        if default is not None and not isinstance(value, type(default)) and not (
                isinstance(default, float) and isinstance(value, int) and not isinstance(value, bool)):
            reader.error(document.line_of(key), f"setting '{key}' must be like {default!r}")
            continue
        settings[key] = value
    languages = [str(lang) for lang in settings["languages"]]
    if not languages or not set(languages) <= set(LANGS):
        reader.error(settings.line_of("languages"), "setting 'languages' lists en and/or zh")
        settings["languages"] = list(LANGS)
    for key, default in YAML_LIMIT_SETTINGS.items():  # bounds on reading the knowledge files
        if isinstance(settings[key], bool) or settings[key] < 1:
            reader.error(settings.line_of(key), f"setting '{key}' must be a whole number above 0")
            settings[key] = default
    return settings


# --- cross-references ----------------------------------------------------------------


def _check_references(entries: dict[str, Entry], facts: dict[str, Fact], settings: YamlMap, problems: list[Problem],
                      faulty_facts: set[str] | None, faq_complete: bool) -> None:
    """Cross-file references. What an earlier error explains (a fact that failed
    to load, an FAQ file that failed to parse) is not reported a second time."""
    for entry in entries.values():
        reader = _Reader(entry.file, problems)
        if faulty_facts is not None:
            for lang in LANGS:
                _check_answer_text(reader, entry, entry.answer.get(lang), lang, facts, faulty_facts)
        for index, related in enumerate(entry.related):
            line = entry.line_of(f"related.{index}")
            if related not in entries and faq_complete:
                reader.error(line, f"entry '{entry.id}': related entry '{related}' does not exist")
            elif related == entry.id:
                reader.error(line, f"entry '{entry.id}' lists itself as related")
    checks: tuple[tuple[str, Mapping[str, object], set[str] | None], ...] = (
        ("start_examples", entries, set() if faq_complete else None), ("facts_card", facts, faulty_facts))
    for key, table, excused in checks:
        if excused is None:  # the file defining these ids could not be read
            continue
        for missing in (str(i) for i in settings[key] if str(i) not in table and str(i) not in excused):
            problems.append(Problem(settings.file, settings.line_of(key), f"'{key}' names unknown id '{missing}'"))
    for fact_id in (str(i) for i in settings["facts_card"] if str(i) in facts and facts[str(i)].label is None):
        fact = facts[fact_id]
        problems.append(Problem(fact.file, fact.line, f"fact '{fact_id}' is on the facts card, so it needs a 'label'"))


def _check_answer_text(reader: _Reader, entry: Entry, text: str, lang: str, facts: Mapping[str, Fact],
                       faulty: set[str]) -> None:
    what = f"entry '{entry.id}' ({lang} answer)"
    for match in PLACEHOLDER.finditer(text):
        line = entry.line_of(f"answer.{lang} {match[0]}")
        if match["fact"] in faulty or (match["fact"], match["part"]) == ("source", "published"):
            continue
        if match["fact"] not in facts:
            reader.error(line, f"{what} refers to missing fact '{match['fact']}'")
        elif match["part"] and match["part"] not in PLACEHOLDER_PARTS:
            reader.error(line, f"{what}: unknown '.{match['part']}' (use .when or .When)")
        elif match["part"] and facts[match["fact"]].period is None:
            reader.error(line, f"{what}: fact '{match['fact']}' has no date to say")
    leftover = PLACEHOLDER.sub("", text)
    if "{" in leftover or "}" in leftover:
        reader.error(entry.line_of(f"answer.{lang}"),
                     f"{what} has an unmatched {{ or }} (placeholders look like {{gdp_2013}})")


# --- lexicon.yaml, entities.yaml and what facts measure -------------------------------------

ENTITY_KEYS = {"id", "kind", "names", "about", "known_as"}
ENTITY_ID = re.compile(r"^[a-z][a-z0-9-]*$")


def _read_lexicon(directory: Path, problems: list[Problem]) -> Lexicon:
    """The package's lexicon, extended by the directory's lexicon.yaml when there is one."""
    from .lexicon import build_lexicon, default_sections

    document, reader = _read_file(directory / "lexicon.yaml", directory, problems, required=False)
    extra = (reader.mapping(document, 1, "lexicon.yaml") if document is not None else None) or YamlMap()
    for key in extra:
        if key not in default_sections():
            reader.error(extra.line_of(key), f"lexicon.yaml: unknown section '{key}' "
                                             f"(allowed: {', '.join(sorted(default_sections()))})")
    try:
        return build_lexicon(dict(extra))
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        reader.error(1, f"lexicon.yaml: cannot read it ({type(error).__name__}: {error})")
        return build_lexicon()


def _read_entities(directory: Path, problems: list[Problem], languages: Sequence[str]) -> dict[str, Entity]:
    document, reader = _read_file(directory / "entities.yaml", directory, problems, required=False,
                                  languages=languages)
    if document is None:
        return {}
    document = reader.mapping(document, 1, "entities.yaml")
    entities: dict[str, Entity] = {}
    for line, raw in reader.items((document or YamlMap()).get("entities"), 1, "entities"):
        spec = reader.mapping(raw, line, "an entity")
        entity_id = reader.string(spec, "id", "entity") if spec is not None else None
        if spec is None or entity_id is None:
            continue
        what = f"entity '{entity_id}'"
        reader.unknown_keys(spec, ENTITY_KEYS, what)
        if not ENTITY_ID.match(entity_id):
            reader.error(spec.line_of("id"), f"{what}: ids use lower-case letters, digits and -")
        if entity_id in entities:
            reader.error(line, f"duplicate entity id '{entity_id}' (first at line {entities[entity_id].line})")
            continue
        names = _read_lang_lists(reader, spec, "names", what, required=True)
        about = reader.text(spec, "about", what)
        known_as = _read_lang_lists(reader, spec, "known_as", what, required=False)
        if about is not None:
            entities[entity_id] = Entity(entity_id, str(spec.get("kind", "company")), MappingProxyType(names),
                                         about, line, MappingProxyType(known_as))
    return entities


def _check_descriptions(facts: dict[str, Fact], lexicon: Lexicon, entities: Mapping[str, Entity],
                        problems: list[Problem]) -> None:
    """A fact's measure must be one the lexicon knows, and its parties known places or entities."""
    parties = set(lexicon.places) | set(entities) | {"*"}
    for fact in facts.values():
        reader = _Reader(fact.file, problems)
        measure = fact.about.get("measure")
        if measure is not None and measure not in lexicon.measures:
            reader.error(fact.line_of("measure"), f"fact '{fact.id}': unknown measure '{measure}' "
                                    f"(lexicon measures: {', '.join(sorted(lexicon.measures))})")
        for key in ("from", "to", "with", "of"):
            party = fact.about.get(key)
            if party is not None and party not in parties:
                reader.error(fact.line_of(key), f"fact '{fact.id}': '{key}: {party}' is neither a place in the lexicon "
                                        "nor an entity in entities.yaml")
        if fact.about and measure is None and fact.text is None:
            reader.error(fact.line, f"fact '{fact.id}': describes parties but no 'measure'")
        if measure is not None and fact.text is not None:
            reader.error(fact.line_of("measure"), f"fact '{fact.id}': a 'measure' describes a figure, not a text")


# --- public ---------------------------------------------------------------------------


def read_knowledge(directory: Path | str) -> tuple[KnowledgeBase | None, list[Problem]]:
    """Read and check a knowledge directory: (base or None if it has errors, problems)."""
    directory = Path(directory)
    problems: list[Problem] = []
    if not directory.is_dir():
        return None, [Problem(_display_name(directory, directory), 1, "knowledge directory not found")]
    settings = _read_settings(directory, problems)
    languages, limits = tuple(settings["languages"]), YamlLimits.from_settings(settings)
    sources, units, facts, faulty_facts = _read_facts(directory, problems, languages, limits)
    topics, entries, faq_complete = _read_faq(directory, problems, languages, limits)
    messages = _read_messages(directory, problems, languages, limits)
    synonyms = _read_synonyms(directory, problems, limits)
    lexicon = _read_lexicon(directory, problems)
    entities = _read_entities(directory, problems, languages)
    _check_descriptions(facts, lexicon, entities, problems)
    _check_references(entries, facts, settings, problems, faulty_facts, faq_complete)
    if any(problem.severity == "error" for problem in problems):
        return None, problems
    base = KnowledgeBase(
        directory=directory, sources=MappingProxyType(sources), units=MappingProxyType(units),
        facts=MappingProxyType(facts), topics=topics, entries=MappingProxyType(entries),
        messages=MappingProxyType(messages), synonyms=synonyms,
        settings=cast(Settings, MappingProxyType(settings)),  # read-only at run time
        warnings=tuple(problems), entities=MappingProxyType(entities), lexicon=lexicon,
    )
    return base, problems


__all__ = ["AS_PUBLISHED", "DEFAULT_THRESHOLD", "Entry", "Fact", "KnowledgeBase", "KnowledgeError", "LANGS", "Problem",
           "Settings", "Source", "Text", "Topic", "Unit", "read_knowledge"]
