"""bench/clinc_to_knowledge.py and bench/clinc.py on a tiny CLINC-style file (fast, offline)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench"


def _module(name: str):
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


converter = _module("clinc_to_knowledge")

UTTERANCES = {
    "credit_limit": ["what is my credit limit", "how high is my credit limit", "tell me my credit limit",
                     "what's the limit on my visa card", "how much credit do i have on my mastercard",
                     "credit limit on my card please", "what is the spending limit of my credit card",
                     "do you know my credit card limit", "whats my credit limit on discover",
                     "i want to know the limit on my credit card", "how big is my card limit",
                     "card credit limit"],
    "translate": ["how do you say hello in french", "translate thank you into spanish",
                  "what is the german word for dog", "how would i say good night in italian",
                  "translate this sentence into japanese", "what is cat in portuguese",
                  "say goodbye in russian", "give me the french translation of bread",
                  "how to say water in chinese", "what does gracias mean in english",
                  "translate good morning to korean", "how is apple said in dutch"],
    "timer": ["set a timer for ten minutes", "start a five minute timer", "timer for 30 seconds please",
              "can you set a timer", "count down from two minutes", "put a timer on for an hour",
              "i need a timer for the oven", "start timer 15 minutes", "set timer for 20 minutes",
              "please time three minutes for me", "begin a timer of one hour", "timer for my tea"],
}
OOS = ["what is the capital of peru", "who sang thriller", "how tall is mount everest",
       "what is the best pizza topping", "recommend a good novel", "what is the speed of light"]


@pytest.fixture(scope="module")
def data_file(tmp_path_factory) -> Path:
    """3 intents: 8 train and 4 val utterances each, plus oos_train and oos_val."""
    train = [[u, intent] for intent, items in UTTERANCES.items() for u in items[:8]]
    val = [[u, intent] for intent, items in UTTERANCES.items() for u in items[8:]]
    path = tmp_path_factory.mktemp("clinc") / "tiny.json"
    path.write_text(json.dumps({"train": train, "val": val, "oos_train": [[q, "oos"] for q in OOS[:3]],
                                "oos_val": [[q, "oos"] for q in OOS[3:]]}), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def knowledge_dir(data_file, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("kb") / "knowledge"
    done = subprocess.run([sys.executable, str(BENCH / "clinc_to_knowledge.py"), str(data_file), str(out)],
                          capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    return out


def _run_bot(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot", *args], input=stdin, capture_output=True, text=True,
                          cwd=ROOT, timeout=60)


def test_ids_map_underscores_to_dashes_and_back():
    assert converter.entry_id_of("credit_limit") == "credit-limit"
    assert converter.intent_of("credit-limit") == "credit_limit"
    assert converter.intent_of(None) is None
    assert converter.answer_of("credit_limit") == "Intent: credit limit"
    with pytest.raises(ValueError):
        converter.entry_id_of("has-dash")  # would not map back
    with pytest.raises(ValueError):
        converter.entry_id_of("x" * 49)


def test_converter_writes_the_knowledge_layout(knowledge_dir):
    settings = yaml.safe_load((knowledge_dir / "settings.yaml").read_text(encoding="utf-8"))
    assert settings["languages"] == ["en"] and settings["guards"] is False
    assert isinstance(settings["threshold"], float) and isinstance(settings["margin"], float)
    facts = yaml.safe_load((knowledge_dir / "facts.yaml").read_text(encoding="utf-8"))
    assert list(facts) == ["sources"]
    (source,) = facts["sources"].values()
    assert source["publisher"]["en"] == "Larson et al., EMNLP 2019" and str(source["published"]) == "2019-11-03"
    faq = yaml.safe_load((knowledge_dir / "faq" / "clinc.yaml").read_text(encoding="utf-8"))
    assert [e["id"] for e in faq["entries"]] == ["credit-limit", "translate", "timer"]  # no oos entry
    assert faq["entries"][0]["questions"]["en"] == UTTERANCES["credit_limit"][:8]
    assert faq["entries"][0]["answer"]["en"] == "Intent: credit limit"


def test_converter_takes_a_bare_list_and_given_settings(tmp_path):
    path = tmp_path / "list.json"
    path.write_text(json.dumps([["set a timer", "timer"], ["what is the capital of peru", "oos"]]))
    threshold, margin = converter.convert(path, tmp_path / "kb", threshold=12.5, margin=0.1, log=lambda *a, **k: None)
    assert (threshold, margin) == (12.5, 0.1)
    settings = yaml.safe_load((tmp_path / "kb" / "settings.yaml").read_text())
    assert settings["threshold"] == 12.5 and settings["margin"] == 0.1
    faq = yaml.safe_load((tmp_path / "kb" / "faq" / "clinc.yaml").read_text())
    assert [e["id"] for e in faq["entries"]] == ["timer"]


def test_bot_check_passes(knowledge_dir):
    done = _run_bot("check", "--knowledge", str(knowledge_dir))
    assert done.returncode == 0, done.stdout + done.stderr


def test_bot_ask_json_answers_with_intent_ids(knowledge_dir):
    lines = ["what is my credit limit", "translate thank you into spanish", "who sang thriller", ""]
    done = _run_bot("ask", "--json", "--knowledge", str(knowledge_dir), stdin="\n".join(lines) + "\n")
    assert done.returncode == 0, done.stderr
    replies = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["question"] for r in replies] == lines
    for reply in replies:
        assert {"question", "answered", "id", "score", "lang", "answer", "alternatives", "status",
                "reason"} <= set(reply)
    assert replies[0]["answered"] and replies[0]["id"] == "credit-limit"
    assert converter.intent_of(replies[0]["id"]) == "credit_limit"
    assert replies[0]["answer"].startswith("Intent: credit limit")
    assert replies[1]["id"] == "translate"
    assert not replies[3]["answered"] and replies[3]["reason"] == "empty"


def test_benchmark_quick_prints_its_tables(data_file):
    done = subprocess.run([sys.executable, str(BENCH / "clinc.py"), "--quick", "--data", str(data_file)],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    for heading in ("## a) Quality", "## b) Latency", "## c) Knowledge-base load", "Machine:"):
        assert heading in out
    for row in ("| our engine (balanced) | val A + oos_train | val B + oos_val |",
                "| our engine (in-scope-first) | — | mean of the two folds |",
                "| rapidfuzz NN, WRatio (balanced) |", "| rapidfuzz NN, token_sort_ratio (in-scope-first) |",
                "| Rasa (spacy-sklearn) (published, test split) |", "| BERT (published, test split) |",
                "| our engine, CLINC train KB", "| our engine, bundled KB", "| CLINC150 train |",
                "| bundled (knowledge/) |"):
        assert row in out, row
    assert "p50 (ms)" in out and "in-scope accuracy (%)" in out
