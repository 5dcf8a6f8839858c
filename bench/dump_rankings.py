"""Write the matcher's rankings to a JSON fixture, for tests/core/test_index_rankings.py.

    python bench/dump_rankings.py bundled tests/fixtures/rankings-bundled.json
    python bench/dump_rankings.py clinc tests/fixtures/rankings-clinc.json [--data PATH]

Run once against a known-good matcher; the test then checks a changed matcher ranks
the same questions the same way (top-1, and scores within a tolerance).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for path in (ROOT, HERE):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from bot.core import load_knowledge  # noqa: E402
from bot.core.engine import rank  # noqa: E402

DEFAULT_CLINC = ROOT.parent / "shared" / "datasets" / "clinc150" / "data_full_train_val.json"
CLINC_QUESTIONS = 1500  # every tenth validation and oos utterance: enough to see a change, quick to check


def bundled_questions() -> list[str]:
    import yaml
    kb = load_knowledge(ROOT / "knowledge")
    questions = [q for entry in kb.entries.values() for lang in ("en", "zh") for q in entry.questions[lang]]
    for path in sorted((ROOT / "tests" / "questions").glob("*.yaml")):
        questions += [str(item["q"]) for item in yaml.safe_load(path.read_text(encoding="utf-8")) if "q" in item]
    return list(dict.fromkeys(questions))


def clinc_questions(data_path: Path) -> list[str]:
    import clinc_to_knowledge as converter
    data = converter.read_data(data_path)
    pairs = data["val"] + data["oos_val"]
    return [utterance for utterance, _ in pairs[::max(1, len(pairs) // CLINC_QUESTIONS)]]


def clinc_knowledge(data_path: Path, out_dir: Path) -> Path:
    import clinc_to_knowledge as converter
    converter.write_knowledge(converter.read_data(data_path)["train"], out_dir)
    return out_dir


def rankings(kb, questions: list[str]) -> list[dict]:
    rows = []
    for question in questions:
        found = rank(kb, question)
        rows.append({"q": question, "top": [[c.entry_id, c.score, round(c.posterior, 4)] for c in found.candidates]})
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("base", choices=["bundled", "clinc"])
    parser.add_argument("out")
    parser.add_argument("--data", default=str(DEFAULT_CLINC))
    args = parser.parse_args(argv)
    if args.base == "bundled":
        kb, questions = load_knowledge(ROOT / "knowledge"), bundled_questions()
    else:
        with tempfile.TemporaryDirectory() as tmp:
            kb = load_knowledge(clinc_knowledge(Path(args.data), Path(tmp)))
        questions = clinc_questions(Path(args.data))
    rows = (json.dumps(row, ensure_ascii=False) for row in rankings(kb, questions))
    Path(args.out).write_text("[\n" + ",\n".join(rows) + "\n]\n", encoding="utf-8")
    print(f"{len(questions)} questions -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
