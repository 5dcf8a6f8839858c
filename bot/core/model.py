"""The knowledge base as data: the immutable records `load_knowledge` builds (texts, sources,
units, facts, entries, entities, topics, the KnowledgeBase) and its typed settings."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict

from .figures import Formula, Period
from .yamlfile import Problem

if TYPE_CHECKING:  # built from a KnowledgeBase, so imported for the annotations only
    from .describe import MeaningIndex
    from .lexicon import Lexicon
    from .matcher import Index
    from .scope import Scope

LANGS = ("en", "zh")
# {fact_id} or {fact_id.when} in an answer: where a fact's figure or date goes
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

    def is_named_in(self, text: str) -> bool:
        """Whether `text` (in lower case, e.g. an answer) names this entity."""
        return any(name.lower() in text for names in self.names.values() for name in names)


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
