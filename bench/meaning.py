"""Does the bot answer exactly what was asked? Right figures, confidently wrong ones, declines.

    python bench/meaning.py            # every question set, per kind; latency and load time
    python bench/meaning.py --tune     # also: meaning_threshold tried on the dev sets only

The follow-up dialogues (tests/questions/dialogues-*.yaml) are scored the same way, turn by
turn. The question sets are tests/questions/meaning-*.yaml: `meaning-test.yaml` is held out (never
tuned on), the `meaning-dev*.yaml` sets are the tuning sets. A reply is
- right: it states the expected figure (a derived one computed from the formula given), and
  for a question stating a number, it says whether that number is right;
- wrong ("confidently wrong"): it answers with a figure that does not answer the question, or
  answers a question the brief cannot answer;
- declined: it turns an answerable question away (not wrong, but not right).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bot.core import ask, load_knowledge  # noqa: E402
from bot.maintain.evaluation import load_dialogues, load_meaning_questions, score_dialogues, score_meaning  # noqa: E402
from machine import cpu_model, percentile, pin_to_one_core  # noqa: E402

QUESTIONS = ROOT / "tests" / "questions"


def _sets(pattern: str) -> tuple[str, ...]:
    """The question files matching `pattern`, in the order they were written (dev, dev2, … dev10)."""
    names = [p.name for p in QUESTIONS.glob(pattern)]
    return tuple(sorted(names, key=lambda name: (len(name), name)))


DEV_SETS = _sets("meaning-dev*.yaml")
TEST_SET = "meaning-test.yaml"
DIALOGUE_TEST = "dialogues-test.yaml"
MEANING_THRESHOLDS = (0, 5, 10, 15, 20, 25, 30)


def summary_row(name: str, result) -> str:
    return (f"| {name} | {result.answerable + result.unanswerable} | {result.accuracy:.1%} | "
            f"{result.wrong_rate_answerable:.1%} | {result.decline_recall:.1%} | {result.wrong_rate:.1%} |")


def quality(kb) -> None:
    print("## Quality\n")
    print("| set | questions | right (answerable) | wrong figure (answerable) | declined (unanswerable) "
          "| confidently wrong (all) |")
    print("|---|---:|---:|---:|---:|---:|")
    results = {}
    for name in (TEST_SET, *DEV_SETS):
        results[name] = score_meaning(kb, load_meaning_questions(QUESTIONS / name))
        print(summary_row(name + (" (held out)" if name == TEST_SET else ""), results[name]))
    print("\n### Held-out set, per kind\n")
    print("| kind | questions | right or rightly declined | confidently wrong |")
    print("|---|---:|---:|---:|")
    for kind, (good, total, wrong) in sorted(results[TEST_SET].by_kind.items()):
        print(f"| {kind} | {total} | {good / total:.0%} | {wrong} |")
    dialogues(kb)


def dialogues(kb) -> None:
    """Follow-ups ("and imports?", "那进口呢？"): each dialogue asked turn by turn in one
    conversation; the opening questions and the follow-ups counted apart."""
    print("\n## Follow-up dialogues\n")
    print("| set | turns | right (answerable) | wrong figure (answerable) | declined (unanswerable) "
          "| confidently wrong (all) |")
    print("|---|---:|---:|---:|---:|---:|")
    for name in (DIALOGUE_TEST, *_sets("dialogues-dev*.yaml")):
        result = score_dialogues(kb, load_dialogues(QUESTIONS / name))
        held = " (held out)" if name == DIALOGUE_TEST else ""
        print(summary_row(f"{name}{held}: follow-ups", result.follow_ups))
        print(summary_row(f"{name}{held}: first questions", result.first))


def tune(kb) -> None:
    """meaning_threshold: the retrieval score from which a question whose figure agrees is
    answered. Chosen on the dev sets: most right answers, then fewest wrong ones."""
    items = [item for name in DEV_SETS for item in load_meaning_questions(QUESTIONS / name)]
    print("\n## meaning_threshold on the dev sets\n")
    print("| meaning_threshold | right | wrong figure | declined (unanswerable) | confidently wrong |")
    print("|---:|---:|---:|---:|---:|")
    scored = []
    for value in MEANING_THRESHOLDS:
        trial = replace(kb, settings=MappingProxyType({**kb.settings, "meaning_threshold": value}))
        result = score_meaning(trial, items)
        scored.append((result.right + result.declined_rightly - 5 * result.wrong, value))
        print(f"| {value} | {result.accuracy:.1%} | {result.wrong_rate_answerable:.1%} | "
              f"{result.decline_recall:.1%} | {result.wrong_rate:.1%} |")
    best = max(score for score, _ in scored)
    chosen = max(value for score, value in scored if score == best)  # ties: the stricter one
    print(f"\nchosen: meaning_threshold {chosen} (right + rightly declined − 5 × wrong; ties: the higher)")


def latency(kb) -> None:
    questions = [item.question for name in (TEST_SET, *DEV_SETS) for item in load_meaning_questions(QUESTIONS / name)]
    for question in questions[:50]:
        ask(kb, question)  # warm caches
    timings = []
    for question in questions:
        start = time.perf_counter()
        ask(kb, question)
        timings.append((time.perf_counter() - start) * 1000)
    print(f"\n## Speed ({len(timings)} questions, {pin_to_one_core()})\n")
    print("| per question p50 | p99 | load time, fresh interpreter (median of 3) |")
    print("|---:|---:|---:|")
    load = statistics.median(load_time() for _ in range(3))
    print(f"| {percentile(timings, 0.5):.2f} ms | {percentile(timings, 0.99):.2f} ms | {load:.2f} s |")


def load_time() -> float:
    code = ("import time; t = time.perf_counter(); from bot.core import load_knowledge; "
            "load_knowledge('knowledge'); print(time.perf_counter() - t)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    return float(done.stdout.strip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tune", action="store_true", help="also try meaning_threshold values on the dev sets")
    args = parser.parse_args()
    print(f"Machine: {cpu_model()}\n")
    kb = load_knowledge(ROOT / "knowledge")
    quality(kb)
    if args.tune:
        tune(kb)
    latency(kb)


if __name__ == "__main__":
    main()
