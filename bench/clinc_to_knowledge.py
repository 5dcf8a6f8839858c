"""Turn CLINC150-style intent data into a knowledge directory the bot answers from.

    python bench/clinc_to_knowledge.py DATA.json OUT_DIR [--split train] [--threshold T --margin M]

DATA.json is either a dict of lists of [utterance, intent] pairs (CLINC150's
data_full.json layout: train, val, oos_train, oos_val, ...) or a bare list of
such pairs. The chosen split becomes one FAQ entry per intent: its utterances
are the entry's English questions, its answer says which intent it is
("Intent: credit limit"). Out-of-scope pairs (intent "oos") never become an
entry; they can only be declined.

Entry ids: CLINC intents use underscores ("credit_limit") but entry ids must
match ^[a-z0-9][a-z0-9-]{0,47}$, so `_` becomes `-` ("credit-limit");
`intent_of(entry_id)` maps back. (No CLINC150 intent contains a `-`, so the
mapping is one-to-one; an intent that would not round-trip is refused.)

Written files:
    settings.yaml   languages: [en], guards: false (the year/place guards are for
                    a single-city fact base), threshold and margin
    facts.yaml      the CLINC150 source only, no facts
    faq/clinc.yaml  one topic, one entry per intent

Threshold and margin: given with --threshold/--margin, otherwise tuned with
bot.maintain.evaluation.tune on the file's validation data, i.e. the splits val, oos_val
and oos_train that exist and are not the converted split (test splits are never
used). Given only one of the two, the other is tuned. Without validation data
the knowledge base's defaults are written.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import yaml

OOS = "oos"
ENTRY_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,47}$")  # as bot/core/knowledge.py
TUNING_SPLITS = ("val", "oos_val", "oos_train")
DEFAULT_THRESHOLD, DEFAULT_MARGIN = 30.0, 0.15  # bot/core/knowledge.py SETTINGS_DEFAULTS
# The grid the converter tunes on: coarser than evaluation.tune's default, for speed.
THRESHOLDS = [float(t) for t in range(0, 101)]
MARGINS = [0.0, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3]

SOURCE_ID = "clinc150"
SOURCE = {
    "title": {"en": "An Evaluation Dataset for Intent Classification and Out-of-Scope Prediction (CLINC150)"},
    "publisher": {"en": "Larson et al., EMNLP 2019"},
    "published": "2019-11-03",
}


# --- names -------------------------------------------------------------------------------


def entry_id_of(intent: str) -> str:
    """'credit_limit' -> 'credit-limit'; ValueError when no valid, reversible id results."""
    entry_id = intent.strip().lower().replace("_", "-")
    if not ENTRY_ID.match(entry_id) or intent_of(entry_id) != intent:
        raise ValueError(f"intent {intent!r} cannot be an entry id (lower-case letters, digits and _, at most 48)")
    return entry_id


def intent_of(entry_id: str | None) -> str | None:
    """'credit-limit' -> 'credit_limit' (None stays None: a declined question)."""
    return None if entry_id is None else entry_id.replace("-", "_")


def answer_of(intent: str) -> str:
    return f"Intent: {intent.replace('_', ' ')}"


# --- reading ------------------------------------------------------------------------------


def read_data(path: Path | str) -> dict[str, list[tuple[str, str]]]:
    """{split: [(utterance, intent), ...]}; a bare list becomes the split 'train'."""
    raw = json.loads(Path(path).read_text(encoding="utf-8"))
    if isinstance(raw, list):
        raw = {"train": raw}
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: expected a dict of lists or a list of [utterance, intent] pairs")
    data = {}
    for split, pairs in raw.items():
        if not isinstance(pairs, list):
            raise ValueError(f"{path}: split {split!r} is not a list")
        rows = []
        for pair in pairs:
            if not (isinstance(pair, (list, tuple)) and len(pair) == 2):
                raise ValueError(f"{path}: split {split!r} has an item that is not [utterance, intent]: {pair!r}")
            rows.append((str(pair[0]), str(pair[1])))
        data[split] = rows
    return data


def group_by_intent(pairs) -> dict[str, list[str]]:
    """{intent: [utterance, ...]} in first-seen order, without oos and duplicates."""
    grouped: dict[str, list[str]] = {}
    for utterance, intent in pairs:
        utterance = " ".join(utterance.split())
        if intent == OOS or not utterance:
            continue
        questions = grouped.setdefault(intent, [])
        if utterance not in questions:
            questions.append(utterance)
    return grouped


# --- writing ------------------------------------------------------------------------------


def _dump(data) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000, default_flow_style=False)


def write_settings(out_dir: Path, threshold: float, margin: float, note: str) -> None:
    header = (f"# Written by bench/clinc_to_knowledge.py. {note}\n"
              "# guards: false - the year/place guards are for a single-city fact base,\n"
              "# not a general assistant.\n")
    settings = {"languages": ["en"], "guards": False, "threshold": float(threshold), "margin": float(margin)}
    (out_dir / "settings.yaml").write_text(header + _dump(settings), encoding="utf-8")


def write_knowledge(pairs, out_dir: Path | str, threshold: float = DEFAULT_THRESHOLD,
                    margin: float = DEFAULT_MARGIN, note: str = "") -> dict[str, str]:
    """Write the knowledge directory for `pairs`; returns {entry id: intent}."""
    out_dir = Path(out_dir)
    grouped = group_by_intent(pairs)
    if not grouped:
        raise ValueError("no in-scope utterances to write")
    ids = {entry_id_of(intent): intent for intent in grouped}
    if len(ids) != len(grouped):
        raise ValueError("two intents map to the same entry id")
    (out_dir / "faq").mkdir(parents=True, exist_ok=True)
    write_settings(out_dir, threshold, margin, note or f"threshold {threshold}, margin {margin}.")
    facts = {"sources": {SOURCE_ID: SOURCE}}
    (out_dir / "facts.yaml").write_text(
        "# CLINC150 intents: no facts, only the source every answer cites.\n" + _dump(facts), encoding="utf-8")
    faq = {
        "topic": {"id": "clinc150", "name": {"en": "CLINC150 intents"}},
        "entries": [{"id": entry_id_of(intent), "questions": {"en": questions}, "answer": {"en": answer_of(intent)}}
                    for intent, questions in grouped.items()],
    }
    (out_dir / "faq" / "clinc.yaml").write_text(
        "# One entry per CLINC150 intent; entry id = intent with _ replaced by -.\n" + _dump(faq), encoding="utf-8")
    return ids


def labelled(pairs):
    """CLINC pairs as bot.maintain.evaluation.Labelled questions (oos -> expect None)."""
    from bot.maintain.evaluation import Labelled

    return [Labelled(utterance, None if intent == OOS else entry_id_of(intent)) for utterance, intent in pairs]


def tune_settings(out_dir: Path, questions, threshold: float | None = None, margin: float | None = None):
    """Load `out_dir` and tune on `questions` (given values stay fixed); (threshold, margin, Scores)."""
    from bot.core import load_knowledge
    from bot.maintain.evaluation import tune

    kb = load_knowledge(out_dir)
    return tune(kb, questions, thresholds=[threshold] if threshold is not None else THRESHOLDS,
                margins=[margin] if margin is not None else MARGINS)


def convert(data_path, out_dir, split: str = "train", threshold: float | None = None,
            margin: float | None = None, log=print) -> tuple[float, float]:
    """The command, as a function: returns the threshold and margin written."""
    data = read_data(data_path)
    if split not in data:
        raise ValueError(f"{data_path}: no split {split!r} (has {', '.join(data)})")
    out_dir = Path(out_dir)
    tuning = [pair for name in TUNING_SPLITS if name != split for pair in data.get(name, [])]
    known = set(group_by_intent(data[split]))
    tuning = [(u, i) for u, i in tuning if i == OOS or i in known]
    if (threshold is None or margin is None) and tuning:
        # Write once to tune on the result, then again with the chosen values.
        write_knowledge(data[split], out_dir)
        threshold, margin, scores = tune_settings(out_dir, labelled(tuning), threshold, margin)
        used = "+".join(name for name in TUNING_SPLITS if name != split and name in data)
        note = (f"threshold and margin tuned on {used} ({len(tuning)} questions): in-scope accuracy "
                f"{100 * scores.accuracy:.1f}%, out-of-scope recall {100 * scores.oos_recall:.1f}%.")
    else:
        given = threshold is not None and margin is not None
        why = "given on the command line" if given else "defaults (no validation data)"
        threshold = DEFAULT_THRESHOLD if threshold is None else threshold
        margin = DEFAULT_MARGIN if margin is None else margin
        note = f"threshold and margin {why}."
    ids = write_knowledge(data[split], out_dir, threshold, margin, note)
    log(f"{out_dir}: {len(ids)} entries from split {split!r}; threshold {threshold}, margin {margin} ({note})",
        file=sys.stderr)
    return threshold, margin


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data", help="CLINC150-style JSON")
    parser.add_argument("out_dir", help="knowledge directory to write (created)")
    parser.add_argument("--split", default="train", help="split that becomes the knowledge base (default: train)")
    parser.add_argument("--threshold", type=float, help="confidence threshold 0-100 (default: tuned)")
    parser.add_argument("--margin", type=float, help="did-you-mean margin 0-1 (default: tuned)")
    args = parser.parse_args(argv)
    try:
        convert(args.data, args.out_dir, args.split, args.threshold, args.margin)
    except (OSError, ValueError) as error:
        print(f"clinc_to_knowledge: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `bot` without installing
    sys.exit(main())

__all__ = ["answer_of", "convert", "entry_id_of", "intent_of", "labelled", "read_data", "write_knowledge"]
