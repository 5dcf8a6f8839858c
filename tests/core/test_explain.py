"""`faqbot explain`: the normalised text, the candidates, the settings in force, the decision
and the answer, as a maintainer sees them (run as a subprocess, like a maintainer would)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bot.core import ask, match

ROOT = Path(__file__).resolve().parents[2]


def explain(*arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot", "explain", *arguments], capture_output=True, text=True,
                          cwd=ROOT, timeout=60)


def test_explain_shows_the_whole_decision(kb):
    question = "How much did Chongqing EXPORT to the U.S.?"
    reply = ask(kb, question)
    assert reply.answered  # the example must stay an answered one
    result = explain(question)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert f"Normalised:  {reply.match.normalised}" in out
    assert "how much did chongqing export to the usa" in out  # lower case, synonyms applied
    assert f"threshold {kb.settings['threshold']:g}" in out and f"margin {kb.settings['margin']:g}" in out
    best = reply.match.candidates[0]
    assert best.entry_id in out and f"{best.score:g}" in out
    for column in ("score", "posterior", "similarity", "coverage"):
        assert column in out
    assert f"Decision:    answered: {reply.match.entry_id}" in out
    for line in reply.text.splitlines():  # the answer as the user would read it
        assert line in out


def test_explain_names_the_scope_guard_and_the_decline(kb):
    question = "What was Chongqing's GDP in 2019?"
    found = match(kb, question)
    result = explain(question)
    assert result.returncode == 0, result.stderr
    assert f"Decision:    declined ({found.reason})" in result.stdout
    if found.reason == "other-year":
        assert "Scope guard: other-year: asked about 2019" in result.stdout
    assert ask(kb, question).text.splitlines()[0] in result.stdout


def test_explain_json(kb):
    question = "想知道重庆对美国的出口额"
    result = explain("--json", question)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    reply = ask(kb, question)
    assert data["question"] == question and data["lang"] == "zh"
    assert data["normalised"] == reply.match.normalised
    assert data["settings"]["threshold"] == kb.settings["threshold"]
    assert data["settings"]["margin"] == kb.settings["margin"]
    assert [c["id"] for c in data["candidates"]] == [c.entry_id for c in reply.match.candidates[:5]]
    assert set(data["candidates"][0]) == {"id", "title", "score", "posterior", "similarity", "coverage", "figures"}
    asked = data["asked"]
    assert asked["measures"] == ["exports"] and (asked["from"], asked["to"]) == ("chongqing", "usa")
    assert {"fact": "us_exports_2013", "agrees": True, "differs_in": []} in data["candidates"][0]["figures"]
    assert data["decision"]["fact"] == "us_exports_2013"
    assert data["decision"]["status"] == reply.match.status and data["decision"]["why"]
    assert data["answer"] == reply.text
