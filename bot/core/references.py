"""Checks across files: ids that must exist (related entries, examples, the facts card),
answer placeholders, and what facts measure against the lexicon and entities."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from .model import LANGS, PLACEHOLDER, PLACEHOLDER_PARTS, Entity, Entry, Fact
from .reader import _Reader
from .yamlfile import Problem, YamlMap

if TYPE_CHECKING:
    from .lexicon import Lexicon



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
