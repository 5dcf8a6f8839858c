"""The on-disk cache of the built matching index (bot.indexcache, issue 12): a fitting file is
read instead of building; a stale, corrupt or foreign one is rebuilt, never served."""

from __future__ import annotations

import zipfile

import numpy as np
import pytest

from bot import indexcache
from bot.core import ask, load_knowledge
from bot.core.engine import rank

QUESTIONS = ["How much did Chongqing export to the US?", "重庆对美国出口多少", "what's the gdp", "weather in Chengdu"]
NEW_QUESTION = "zanzibar pineapple festival tickets"  # in no entry until the test adds it


def rankings(kb):
    return [[(c.entry_id, c.score) for c in rank(kb, q).candidates] for q in QUESTIONS]


def test_a_cached_index_ranks_as_a_built_one(knowledge_copy, cache):
    built = load_knowledge(knowledge_copy)
    indexcache.load_knowledge(knowledge_copy)  # builds and writes
    path = indexcache.cache_file(knowledge_copy)
    written = path.stat().st_mtime_ns
    cached = indexcache.load_knowledge(knowledge_copy)  # reads
    assert path.stat().st_mtime_ns == written  # read, not rebuilt
    assert rankings(cached) == rankings(built)
    assert ask(cached, QUESTIONS[0]).text == ask(built, QUESTIONS[0]).text


def corrupt_truncated(path):
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def corrupt_garbage(path):
    path.write_bytes(b"not a zip file at all")


def corrupt_shapes(path):
    """A well-formed file whose arrays do not fit together (an index out of bounds)."""
    with np.load(path) as stored:
        arrays = dict(stored)
    arrays["evidence.indices"] = arrays["evidence.indices"] + 10**6
    np.savez(path, **arrays)


def corrupt_pickled(path):
    """An object array (which only unpickling could read) in place of the weights."""
    with np.load(path) as stored:
        arrays = dict(stored)
    arrays["idf"] = np.array([object()], dtype=object)
    np.savez(path, **arrays)


def corrupt_scopes(path):
    """Scopes that leave out an entry (and hold a year that is text)."""
    import json

    with np.load(path) as stored:
        arrays = dict(stored)
    scopes = json.loads(bytes(arrays["scopes"]).decode("utf-8"))
    first = next(iter(scopes))
    scopes[first][0] = ["2013"]
    scopes.pop(next(iter(list(scopes)[1:])))
    arrays["scopes"] = np.frombuffer(json.dumps(scopes).encode("utf-8"), dtype=np.uint8)
    np.savez(path, **arrays)


def corrupt_phrases(path):
    """An exact phrase pointing past the last entry."""
    with np.load(path) as stored:
        arrays = dict(stored)
    arrays["exact.entries"] = arrays["exact.entries"] + 10**6
    np.savez(path, **arrays)


@pytest.mark.parametrize("corrupt", [corrupt_truncated, corrupt_garbage, corrupt_shapes, corrupt_pickled,
                                     corrupt_scopes, corrupt_phrases])
def test_a_corrupt_cache_is_rebuilt(knowledge_copy, cache, corrupt, caplog):
    built = load_knowledge(knowledge_copy)
    indexcache.load_knowledge(knowledge_copy)
    path = indexcache.cache_file(knowledge_copy)
    corrupt(path)
    reloaded = indexcache.load_knowledge(knowledge_copy)
    assert rankings(reloaded) == rankings(built)
    assert dict(reloaded.scopes) == dict(built.scopes)
    assert "cannot be used" in caplog.text
    with np.load(path, allow_pickle=False) as stored:  # rewritten whole
        assert bytes(stored["key"]).decode("ascii")
    assert zipfile.is_zipfile(path)


def test_changed_knowledge_is_rebuilt(knowledge_copy, cache):
    before = indexcache.load_knowledge(knowledge_copy)
    assert rank(before, NEW_QUESTION).best is None or rank(before, NEW_QUESTION).best.entry_id != "exports-to-us-2013"
    faq = knowledge_copy / "faq" / "40-us-trade.yaml"
    text = faq.read_text(encoding="utf-8")
    faq.write_text(text.replace("        - chongqing exports to america\n",
                                f"        - chongqing exports to america\n        - {NEW_QUESTION}\n"),
                   encoding="utf-8")
    after = indexcache.load_knowledge(knowledge_copy)
    assert rank(after, NEW_QUESTION).best.entry_id == "exports-to-us-2013"
    assert rankings(after) == rankings(load_knowledge(knowledge_copy))


def test_the_cache_can_be_turned_off(knowledge_copy, tmp_path, monkeypatch):
    monkeypatch.setenv(indexcache.CACHE_ENV, "off")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert indexcache.cache_file(knowledge_copy) is None
    indexcache.load_knowledge(knowledge_copy)
    assert not (tmp_path / "xdg").exists()


def test_an_unwritable_cache_only_costs_a_build(knowledge_copy, tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv(indexcache.CACHE_ENV, str(blocker / "cache"))  # cannot be a directory
    assert rankings(indexcache.load_knowledge(knowledge_copy)) == rankings(load_knowledge(knowledge_copy))


def test_a_child_process_builds_the_cache_for_a_reload(knowledge_copy, cache, monkeypatch):
    from bot.services import knowledge as live

    running = live.LiveKnowledge(knowledge_copy)
    path = indexcache.cache_file(knowledge_copy)
    faq = knowledge_copy / "faq" / "40-us-trade.yaml"
    faq.write_text(faq.read_text(encoding="utf-8").replace(
        "        - chongqing exports to america\n",
        f"        - chongqing exports to america\n        - {NEW_QUESTION}\n"),
        encoding="utf-8")
    assert indexcache.prebuild(knowledge_copy)  # the child wrote the new index ...
    written = path.stat().st_mtime_ns
    monkeypatch.setattr(live, "PREBUILD_VARIANTS", 0)
    assert running.reload() == []  # the reload's child and the bot's own load only read it
    assert path.stat().st_mtime_ns == written
    assert rank(running.kb, NEW_QUESTION).best.entry_id == "exports-to-us-2013"


def test_a_child_process_reports_broken_knowledge(knowledge_copy, cache):
    (knowledge_copy / "faq" / "40-us-trade.yaml").write_text("entries: [", encoding="utf-8")
    assert not indexcache.prebuild(knowledge_copy)


def test_the_same_files_skip_working_out_the_inputs(knowledge_copy, cache, monkeypatch):
    built = indexcache.load_knowledge(knowledge_copy)

    def never(*args):
        raise AssertionError("index_key worked out though the files are the same")

    monkeypatch.setattr(indexcache, "index_key", never)
    assert rankings(indexcache.load_knowledge(knowledge_copy)) == rankings(built)


def test_other_files_with_the_same_inputs_are_not_rebuilt(knowledge_copy, cache, monkeypatch):
    built = indexcache.load_knowledge(knowledge_copy)
    faq = knowledge_copy / "faq" / "40-us-trade.yaml"
    faq.write_text("# a comment changes the file, not the index\n" + faq.read_text(encoding="utf-8"), encoding="utf-8")

    def never(*args, **kwargs):
        raise AssertionError("rebuilt though the inputs are the same")

    monkeypatch.setattr(indexcache, "entry_scopes", never)  # built with every new index
    assert rankings(indexcache.load_knowledge(knowledge_copy)) == rankings(built)
    monkeypatch.setattr(indexcache, "index_key", never)  # stored again under the new files' key
    assert rankings(indexcache.load_knowledge(knowledge_copy)) == rankings(built)
