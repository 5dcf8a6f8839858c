"""The knowledge base: facts, FAQ entries and bot messages, read from YAML and checked.

Layout of a knowledge directory (each file explains itself in comments):

    facts.yaml        sources, units and facts: every figure and date, once
    faq/*.yaml        one topic per file: its FAQ entries with questions and answers
    messages.yaml     what the bot says around answers (welcome, help, decline ...)
    synonyms.yaml     optional: words users write for the same thing (US = USA = 美国)
    settings.yaml     optional: matching thresholds chosen on validation data

`load_knowledge` returns an immutable `KnowledgeBase` or raises `KnowledgeError`
with every problem found, each as FILE:LINE: message. The records are in model.py; facts.yaml is
read by factsfile.py, checks across files are in references.py; this module reads the rest and
puts them together (`read_knowledge`), and its names are the ones to import.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from importlib import resources
from pathlib import Path
from string import Formatter
from types import MappingProxyType
from typing import TYPE_CHECKING, cast

from .factsfile import _read_facts
from .figures import AS_PUBLISHED
from .model import (
    DEFAULT_THRESHOLD,
    LANGS,
    PLACEHOLDER,
    Entity,
    Entry,
    Fact,
    KnowledgeBase,
    KnowledgeError,
    Settings,
    Source,
    Text,
    Topic,
    Unit,
)
from .reader import _display_name, _read_file, _Reader
from .references import _check_descriptions, _check_references
from .yamlfile import DEFAULT_LIMITS, Problem, YamlLimits, YamlMap, load_yaml
from .yamlfile import SETTINGS as YAML_LIMIT_SETTINGS

if TYPE_CHECKING:
    from .lexicon import Lexicon

ENTRY_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,47}$")  # fits Telegram deep links and callback data


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


__all__ = ["AS_PUBLISHED", "DEFAULT_THRESHOLD", "Entity", "Entry", "Fact", "KnowledgeBase", "KnowledgeError", "LANGS",
           "PLACEHOLDER", "Problem", "Settings", "Source", "Text", "Topic", "Unit", "default_messages",
           "read_knowledge"]
