"""Phrases finds words with str.find until it has been used often enough to compile its
regular expression (issue 12: compiling every list was most of a first question). Both ways
must find the same matches, on every text the bundled base and the question sets hold (in
lower case and as normalised) and on texts made to trip word boundaries and overlaps."""

from __future__ import annotations

import pytest
from test_synonyms import texts

from bot.core import lexicon
from bot.core.lexicon import Phrases


def every_phrases(kb) -> list[Phrases]:
    """Every word list of the bundled lexicon (details also as synonyms rewrite them)."""
    lexicon, found = kb.lexicon, []
    for value in vars(lexicon).values():
        items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else [value]
        for item in items:
            parts = (item,) if isinstance(item, Phrases) else item if isinstance(item, tuple) else vars(item).values() \
                if hasattr(item, "__dataclass_fields__") else ()
            found += [part for part in parts if isinstance(part, Phrases)]
    return found


def by_regex(phrases: Phrases, text: str) -> tuple[list[tuple[int, int, str]], bool]:
    pattern = phrases.pattern
    if pattern is None:
        return [], False
    return [(m.start(), m.end(), m.group()) for m in pattern.finditer(text)], pattern.search(text) is not None


def by_scanning(phrases: Phrases, text: str) -> tuple[list[tuple[int, int, str]], bool]:
    return phrases.find(text), phrases.search(text)


@pytest.fixture
def never_compiled(monkeypatch):
    monkeypatch.setattr(lexicon, "COMPILE_AFTER", 10**12)


def test_the_same_matches_as_the_regex(kb, never_compiled):
    lists = every_phrases(kb)
    assert len(lists) > 80
    checked = texts(kb)
    checked = sorted({kb.built_index().analyse(text).normalised for text in checked} | {t.lower() for t in checked})
    assert len(checked) > 4000
    for phrases in lists:
        scanning = Phrases(phrases.words)
        for text in checked:
            assert by_scanning(scanning, text) == by_regex(phrases, text), (phrases.words[:3], text)


@pytest.mark.parametrize("text", ["", "usa", "usausa usa", "the us-china trade", "3usa usa4 usa", "aaa aa a",
                                  "进出口贸易出口", "美国美国", "gdp总量gdp", "exports2013 exports 2013"])
def test_tricky_texts(text, never_compiled):
    for words in (["usa", "us", "a", "aa", "aaa"], ["进出口", "出口", "进出", "美国"], ["gdp", "gdp总量", "总量"],
                  ["exports", "exports 2013", "2013"], ["us-china", "us", "china"]):
        assert by_scanning(Phrases(words), text) == by_regex(Phrases(words), text), (words, text)


def test_compiles_after_many_uses():
    phrases = Phrases(["usa"])
    for _ in range(10_000):
        assert phrases.find("the usa") == [(4, 7, "usa")]
    assert "pattern" in vars(phrases)
