"""Choose the matching threshold and margin for a knowledge base on validation questions.

    python bench/tune.py [--knowledge knowledge] [--questions FILE ...]

Prints in-scope accuracy and out-of-scope recall across thresholds, and the
settings to put in the knowledge directory's settings.yaml. Tune on the
validation sets only (tests/questions/dev.yaml and dev2.yaml, the default):
tests/questions/test.yaml is held out for the acceptance test.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.core import load_knowledge  # noqa: E402
from bot.core.engine import rank  # noqa: E402
from bot.maintain.evaluation import load_questions, score, tune  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--knowledge", default="knowledge")
    parser.add_argument("--questions", nargs="+", default=["tests/questions/dev.yaml", "tests/questions/dev2.yaml"])
    args = parser.parse_args()
    kb = load_knowledge(args.knowledge)
    questions = [item for path in args.questions for item in load_questions(path)]
    threshold, margin, best = tune(kb, questions)
    rankings = [rank(kb, item.question) for item in questions]
    print(f"{len(questions)} questions: {best.in_scope} in scope, {best.out_of_scope} out of scope\n")
    print("| threshold | in-scope accuracy | out-of-scope recall |")
    print("|---:|---:|---:|")
    for candidate in sorted({0, 10, 15, 20, 25, threshold, 30, 35, 40, 50}):
        scores = score(kb, questions, rankings, candidate, margin)
        mark = " (chosen)" if candidate == threshold else ""
        print(f"| {candidate}{mark} | {scores.accuracy:.1%} | {scores.oos_recall:.1%} |")
    print(f"\nsettings.yaml:\nthreshold: {threshold}\nmargin: {margin}")
    print("\nMisses at the chosen settings:")
    for item, found in best.misses:
        got = found.entry_id or found.reason or ""
        print(f"  expect {item.expect or 'decline'}: {item.question!r} -> {found.status} {got}")


if __name__ == "__main__":
    main()
