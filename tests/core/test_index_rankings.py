"""The array-based matcher ranks as the pure-Python one did (issue 12).

tests/fixtures/rankings-*.json hold the pure-Python matcher's top candidates (written by
bench/dump_rankings.py before the matcher moved to numpy/scipy.sparse) for the bundled FAQ's
question variants and every question in tests/questions/, and for a sample of CLINC150's
validation utterances. Naive Bayes, the centroids and the coverage are computed as before;
the perceptron is now trained in mini-batches, so a few close calls may go the other way.
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path

import pytest

from bot.core import load_knowledge
from bot.core.engine import rank

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
CLINC_DATA = ROOT.parent / "shared" / "datasets" / "clinc150" / "data_full_train_val.json"
MIN_SAME_BEST = 0.97  # share of questions whose best candidate is the same entry
MAX_MEAN_SCORE_CHANGE = 2.0  # mean |score change| (0-100) where the best is the same


def compare(kb, fixture: Path) -> tuple[float, float, list]:
    rows = json.loads(fixture.read_text(encoding="utf-8"))
    same, changes, differ = 0, [], []
    for row in rows:
        got, want = rank(kb, row["q"]).candidates, row["top"]
        if not got or not want:
            same += not got and not want
            continue
        if got[0].entry_id == want[0][0]:
            same += 1
            changes.append(abs(got[0].score - want[0][1]))
        else:
            differ.append((row["q"], want[0][0], got[0].entry_id))
    return same / len(rows), statistics.mean(changes), differ


def test_the_bundled_base_ranks_as_before(kb):
    same, change, differ = compare(kb, FIXTURES / "rankings-bundled.json")
    assert same >= MIN_SAME_BEST, differ[:20]
    assert change <= MAX_MEAN_SCORE_CHANGE


def test_questions_asked_word_for_word_keep_their_entry(kb):
    rows = json.loads((FIXTURES / "rankings-bundled.json").read_text(encoding="utf-8"))
    own = {q: entry.id for entry in kb.entries.values() for lang in ("en", "zh") for q in entry.questions[lang]}
    moved = [(row["q"], row["top"][0][0], rank(kb, row["q"]).best.entry_id) for row in rows
             if row["q"] in own and row["top"][0][0] == own[row["q"]]
             and rank(kb, row["q"]).best.entry_id != own[row["q"]]]
    assert not moved


@pytest.mark.skipif(not CLINC_DATA.exists(), reason="CLINC150 is not beside this checkout (../shared/datasets)")
def test_clinc150_ranks_as_before(tmp_path):
    sys.path.insert(0, str(ROOT / "bench"))
    import clinc_to_knowledge as converter

    converter.write_knowledge(converter.read_data(CLINC_DATA)["train"], tmp_path)
    same, change, differ = compare(load_knowledge(tmp_path), FIXTURES / "rankings-clinc.json")
    assert same >= MIN_SAME_BEST, differ[:20]
    assert change <= MAX_MEAN_SCORE_CHANGE
