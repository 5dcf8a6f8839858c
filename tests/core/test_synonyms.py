"""Synonyms.apply tests for each alias's text before trying its pattern (issue 12, a faster
build): the result must be what applying every pattern in turn gives, on every text the
bundled base and the question sets hold, and on texts made to trip a substring test."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.core import load_knowledge
from bot.core.text import Synonyms, clean

ROOT = Path(__file__).resolve().parents[2]


def every_pattern(synonyms: Synonyms, text: str) -> str:
    for alias, replacement, _ in synonyms._rules:
        text = synonyms.pattern(alias).sub(replacement, text)
    return text


def texts(kb) -> list[str]:
    found = [q for entry in kb.entries.values() for qs in entry.questions.values() for q in qs]
    found += [entry.answer.get(lang) for entry in kb.entries.values() for lang in ("en", "zh")]
    for path in sorted((ROOT / "tests" / "questions").glob("*.yaml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        items = document if isinstance(document, list) else [t for d in (document or {}).get("dialogues", [])
                                                               for t in d.get("turns", [])]
        found += [str(item.get("q", "")) for item in items if isinstance(item, dict)]
    return [t for t in found if t]


@pytest.fixture(scope="module")
def bundled():
    return load_knowledge(ROOT / "knowledge")


def test_the_same_rewriting_as_every_pattern_in_turn(bundled):
    synonyms = Synonyms(bundled.synonyms)
    checked = texts(bundled)
    assert len(checked) > 2000
    for text in checked:
        cleaned = clean(text)
        assert synonyms.apply(cleaned) == every_pattern(synonyms, cleaned), text


@pytest.mark.parametrize("text", ["Exports of the US and USA", "the united states of america's gdp",
                                  "美国和中国的贸易", "ÜS exports to the Us", "chına exports", "Ｕｓ trade",
                                  "us us US Us uS", "America美国AMERICA", "CA and ca and Ca", "",
                                  "chİna and amerıca", "the ſtates", "美国 \u212aorea usa"])
def test_tricky_texts(bundled, text):
    synonyms = Synonyms(bundled.synonyms)
    assert synonyms.apply(text) == every_pattern(synonyms, text)
