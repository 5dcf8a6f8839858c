"""Parsed knowledge files kept on disk (bot.yamlcache, issue 12): a file whose bytes were parsed
before is read from the cache with every line number it had; an edited, broken, stale or corrupt
one is parsed again, and its errors are reported with file and line as without the cache."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from bot import indexcache, yamlcache
from bot.core import KnowledgeError, load_knowledge
from bot.core.yamlfile import DEFAULT_LIMITS, YamlLimits, YamlList, YamlMap, from_plain, load_yaml, to_plain

QUESTIONS = ["How much did Chongqing export to the US?", "重庆对美国出口多少", "what's the gdp", "weather in Chengdu"]


def lines(value):
    """Every value of a document with the lines it carries, to compare two documents fully."""
    if isinstance(value, YamlMap):
        return ("map", value.line, [(key, value.line_of(key), lines(item)) for key, item in value.items()])
    if isinstance(value, YamlList):
        return ("list", value.line, [value.line_of(i) for i in range(len(value))], [lines(item) for item in value])
    return (type(value).__name__, value)


def facts(kb):
    """The facts, formulas by their text (a Formula is compared by identity)."""
    return {fact_id: replace(fact, formula=fact.formula and fact.formula.source) for fact_id, fact in kb.facts.items()}


def knowledge_files(directory):
    return sorted(directory.rglob("*.yaml"))


def test_every_bundled_file_survives_the_round_trip(knowledge_copy):
    for path in knowledge_files(knowledge_copy):
        document = load_yaml(path, path.name)
        again = from_plain(json.loads(json.dumps(to_plain(document), ensure_ascii=False)))
        assert lines(again) == lines(document), path.name


def test_a_second_load_reads_the_parsed_files(knowledge_copy, cache):
    first = indexcache.load_knowledge(knowledge_copy)
    stored = sorted(cache.glob("yaml-*.json"))
    assert len(stored) >= len(knowledge_files(knowledge_copy))
    written = [path.stat().st_mtime_ns for path in stored]
    parsed = yamlcache.ParsedOnDisk(cache)
    for path in knowledge_files(knowledge_copy):  # each file's document is there, lines and all
        known, document = parsed.get(path, path.read_bytes(), DEFAULT_LIMITS)
        assert known and lines(document) == lines(load_yaml(path, path.name)), path.name
    second = indexcache.load_knowledge(knowledge_copy)
    assert [path.stat().st_mtime_ns for path in stored] == written  # read, not written again
    uncached = load_knowledge(knowledge_copy)
    for kb in (first, second):
        assert kb.entries == uncached.entries and facts(kb) == facts(uncached) and kb.messages == uncached.messages
        assert kb.warnings == uncached.warnings and dict(kb.settings) == dict(uncached.settings)
        assert kb.scopes == uncached.scopes


def test_an_edited_file_is_parsed_again(knowledge_copy, cache):
    indexcache.load_knowledge(knowledge_copy)
    faq = knowledge_copy / "faq" / "40-us-trade.yaml"
    faq.write_text(faq.read_text(encoding="utf-8").replace(
        "        - chongqing exports to america\n",
        "        - chongqing exports to america\n        - zanzibar pineapple festival\n"), encoding="utf-8")
    kb = indexcache.load_knowledge(knowledge_copy)
    assert "zanzibar pineapple festival" in kb.entries["exports-to-us-2013"].questions["en"]


def test_a_broken_file_is_reported_with_its_line_after_a_cached_load(knowledge_copy, cache):
    indexcache.load_knowledge(knowledge_copy)
    faq = knowledge_copy / "faq" / "40-us-trade.yaml"
    text = faq.read_text(encoding="utf-8").splitlines(keepends=True)
    text[9] = "  : : [unclosed\n"
    faq.write_text("".join(text), encoding="utf-8")
    with pytest.raises(KnowledgeError) as cached:
        indexcache.load_knowledge(knowledge_copy)
    with pytest.raises(KnowledgeError) as uncached:
        load_knowledge(knowledge_copy)
    assert [str(p) for p in cached.value.problems] == [str(p) for p in uncached.value.problems]
    assert any(p.file.endswith("40-us-trade.yaml") and p.line >= 10 for p in cached.value.problems)


def test_a_check_error_is_reported_with_its_line_from_a_cached_file(knowledge_copy, cache):
    """A file that parses but is wrong (a reference to a missing fact) is stored parsed, and its
    error still comes with its line: the checks run on the cached document."""
    faq = knowledge_copy / "faq" / "40-us-trade.yaml"
    faq.write_text(faq.read_text(encoding="utf-8").replace("{us_trade_2013", "{no_such_fact", 1), encoding="utf-8")
    with pytest.raises(KnowledgeError) as first:
        indexcache.load_knowledge(knowledge_copy)
    with pytest.raises(KnowledgeError) as second:  # now from the parsed-file cache
        indexcache.load_knowledge(knowledge_copy)
    assert [str(p) for p in second.value.problems] == [str(p) for p in first.value.problems]
    assert any("no_such_fact" in p.message and p.line > 1 for p in second.value.problems)


def test_other_limits_parse_again(knowledge_copy, cache):
    """Bytes parsed within the default limits are refused once settings.yaml lowers them."""
    indexcache.load_knowledge(knowledge_copy)
    with (knowledge_copy / "settings.yaml").open("a", encoding="utf-8") as settings:
        settings.write("\nyaml_max_nodes: 50\n")
    with pytest.raises(KnowledgeError) as refused:
        indexcache.load_knowledge(knowledge_copy)
    assert any("yaml_max_nodes" in p.message for p in refused.value.problems)


def corrupt_garbage(path):
    path.write_text("not a key\n{{{", encoding="utf-8")


def corrupt_document(path):
    """The right key, and JSON that is no stored document (a mapping given as a dict)."""
    key = path.read_text(encoding="utf-8").splitlines()[0]
    path.write_text(f"{key}\n" + json.dumps({"topic": "x"}), encoding="utf-8")


def corrupt_lines(path):
    """The right key, and a stored document whose line numbers are text."""
    key, body = path.read_text(encoding="utf-8").split("\n", 1)
    document = json.loads(body)
    document[1] = "one"
    path.write_text(f"{key}\n" + json.dumps(document), encoding="utf-8")


@pytest.mark.parametrize("corrupt", [corrupt_garbage, corrupt_document, corrupt_lines])
def test_a_corrupt_parsed_file_is_parsed_again(knowledge_copy, cache, corrupt, caplog):
    faq = knowledge_copy / "faq" / "40-us-trade.yaml"
    parsed = yamlcache.ParsedOnDisk(cache)
    indexcache.load_knowledge(knowledge_copy)
    stored = parsed._file(faq)
    corrupt(stored)
    assert parsed.get(faq, faq.read_bytes(), DEFAULT_LIMITS) == (False, None)
    kb = indexcache.load_knowledge(knowledge_copy)
    assert kb.entries == load_knowledge(knowledge_copy).entries
    known, document = parsed.get(faq, faq.read_bytes(), DEFAULT_LIMITS)  # replaced by a good one
    assert known and lines(document) == lines(load_yaml(faq, faq.name))


def test_values_json_cannot_hold_are_parsed_every_time(tmp_path):
    path = tmp_path / "binary.yaml"
    path.write_text("data: !!binary aGVsbG8=\n", encoding="utf-8")
    parsed = yamlcache.ParsedOnDisk(tmp_path / "cache")
    parsed.put(path, path.read_bytes(), DEFAULT_LIMITS, load_yaml(path, path.name))
    assert parsed.get(path, path.read_bytes(), DEFAULT_LIMITS) == (False, None)
    assert not (tmp_path / "cache").exists()


def test_the_key_covers_bytes_and_limits():
    data = b"a: 1\n"
    assert yamlcache.file_key(data, DEFAULT_LIMITS) == yamlcache.file_key(data, DEFAULT_LIMITS)
    assert yamlcache.file_key(data, DEFAULT_LIMITS) != yamlcache.file_key(b"a: 2\n", DEFAULT_LIMITS)
    assert yamlcache.file_key(data, DEFAULT_LIMITS) != yamlcache.file_key(data, YamlLimits(max_nodes=10))
