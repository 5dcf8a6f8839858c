"""Writing answers: figures with their units and dates, derived-figure notes, source.

The output is structured (`Answer`) and plain text; the Telegram layer adds
markup, the command line prints `Answer.plain`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .figures import MONTHS_EN, format_number, round_significant
from .knowledge import PLACEHOLDER, Fact, KnowledgeBase, Source


@dataclass(frozen=True)
class Answer:
    entry_id: str
    lang: str
    title: str  # the entry's main question, in the answer's language
    body: str
    derived: tuple[str, ...]  # one line per derived figure: how it was computed
    source: str  # one line: where the figures come from
    related: tuple[tuple[str, str], ...]  # (entry id, title) pairs

    @property
    def plain(self) -> str:
        return "\n".join((self.body, *self.derived, self.source))


def format_day(source: Source, lang: str) -> str:
    year, month, day = (int(part) for part in (source.published.split("-") + ["1", "1"])[:3])
    return f"{day} {MONTHS_EN[month - 1]} {year}" if lang == "en" else f"{year}年{month}月{day}日"


def fact_value(fact: Fact, lang: str) -> str:
    """A fact as it reads in a sentence: 'USD 10.65 billion', '106.5亿美元', or its text."""
    if fact.text is not None:
        return fact.text.get(lang)
    assert fact.value is not None  # loading gives every fact a value or a text
    value = round_significant(fact.value, fact.significant) if fact.significant else fact.value
    number = format_number(value, lang, fact.scale.get(lang))
    return fact.unit.template.get(lang).replace("{n}", number) if fact.unit else number


def fact_when(fact: Fact, lang: str) -> str:
    return fact.period.phrase(lang, fact.source.period, event=not fact.is_figure) if fact.period else ""


SOURCE = "source"  # {source.published}: the publication date of the knowledge base's first source


def fill(kb: KnowledgeBase, template: str, lang: str) -> str:
    """Replace {fact}, {fact.when}, {fact.When} and {source.published} in an answer template."""
    def replace(match: re.Match[str]) -> str:
        if match["fact"] == SOURCE:
            return format_day(next(iter(kb.sources.values())), lang)
        fact = kb.facts[match["fact"]]
        part = match["part"]
        if part is None:
            return fact_value(fact, lang)
        when = fact_when(fact, lang)
        return when[:1].upper() + when[1:] if part == "When" else when

    return PLACEHOLDER.sub(replace, template)


def facts_used(kb: KnowledgeBase, template: str) -> list[Fact]:
    seen = dict.fromkeys(match["fact"] for match in PLACEHOLDER.finditer(template) if match["fact"] != SOURCE)
    return [kb.facts[fact_id] for fact_id in seen]


def derived_note(kb: KnowledgeBase, fact: Fact, lang: str) -> str:
    """'Derived by this bot from the source's figures: 15.5% = USD 10.65 billion ÷ USD 68.7 billion'."""
    assert fact.formula is not None  # only derived facts get a note
    inputs = fact.formula.describe(lambda name: fact_value(kb.facts[name], lang))
    separator = ": " if lang == "en" else "："
    times_hundred = " × 100" if fact.unit and fact.unit.multiply == 100 else ""
    return f"{kb.message('derived', lang)}{separator}{fact_value(fact, lang)} = {inputs}{times_hundred}"


def source_line(kb: KnowledgeBase, sources: list[Source], lang: str) -> str:
    label = kb.message("source", lang)
    parts = []
    for source in sources:
        if lang == "en":
            parts.append(f"“{source.title.en}”, {source.publisher.en}, published {format_day(source, lang)}")
        else:
            parts.append(f"{source.publisher.zh}《{source.title.zh}》，{format_day(source, lang)}发布")
    return f"{label}: {'; '.join(parts)}." if lang == "en" else f"{label}：{'；'.join(parts)}。"


def render_answer(kb: KnowledgeBase, entry_id: str, lang: str) -> Answer:
    entry = kb.entries[entry_id]
    template = entry.answer.get(lang)
    used = facts_used(kb, template)
    sources = list(dict.fromkeys(fact.source for fact in used)) or list(kb.sources.values())[:1]
    related = tuple((rid, kb.entries[rid].title(lang)) for rid in entry.related)
    return Answer(
        entry_id=entry_id, lang=lang, title=entry.title(lang), body=fill(kb, template, lang).strip(),
        derived=tuple(derived_note(kb, fact, lang) for fact in used if fact.formula is not None),
        source=source_line(kb, sources, lang), related=related,
    )


def fact_label(fact: Fact, lang: str) -> str:
    """What a figure is ("Imports from the US"); a fact without a label is named by its id."""
    return fact.label.get(lang) if fact.label else fact.id.replace("_", " ")


def figure_sentence(kb: KnowledgeBase, fact: Fact, lang: str) -> str:
    """'exports to the US in 2013: USD 9.07 billion' / '2013年对美出口：90.7亿美元'."""
    label = fact_label(fact, lang)
    when = fact_when(fact, lang)
    if lang == "zh":
        return f"{when}{label}：{fact_value(fact, lang)}"
    return f"{label} {when}: {fact_value(fact, lang)}".replace("  ", " ")


def render_fact_answer(kb: KnowledgeBase, fact: Fact, lang: str, related_entry: str | None) -> Answer:
    """An answer written from one fact, for a figure no FAQ entry states (derived on demand)."""
    sentence = figure_sentence(kb, fact, lang)
    body = sentence[:1].upper() + sentence[1:] + ("。" if lang == "zh" else ".")
    derived = (derived_note(kb, fact, lang),) if fact.formula is not None else ()
    related = (((related_entry, kb.entries[related_entry].title(lang)),)
               if related_entry is not None and related_entry in kb.entries else ())
    return Answer(entry_id=related_entry or "", lang=lang, title=body, body=body, derived=derived,
                  source=source_line(kb, [fact.source], lang), related=related)
