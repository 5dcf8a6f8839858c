"""Matching benchmark on CLINC150: quality, latency, load time and memory. Prints Markdown.

    python bench/clinc.py [--data PATH] [--quick]

--data defaults to ../shared/datasets/clinc150/data_full_train_val.json relative to the
project root (the shared data beside the checkout).

a) Quality. The knowledge base is CLINC150's train split (bench/clinc_to_knowledge.py,
   one entry per intent). The test split is held back, so validation is split in two
   folds: A and B take alternate utterances of each intent. Threshold (and margin) are
   tuned on fold A + oos_train and reported on fold B + oos_val, then the other way
   round; both folds and their mean are printed. In-scope accuracy counts a declined
   or "did you mean" reply as wrong; out-of-scope recall is the share of oos questions
   not answered. Baselines: the nearest training utterance by rapidfuzz `fuzz.WRatio`
   and `fuzz.token_sort_ratio` (both sides through `default_process`, `extractOne`),
   answering when its score reaches a threshold tuned the same way (maximise in-scope
   accuracy + oos recall, ties to the lower threshold). Published figures (dataset
   README, test split) are printed beside them.
b) Latency per question on one core (the process is pinned to one CPU): `bot.core.ask`
   (match + render) on the bundled knowledge base (tests/questions/dev.yaml, repeated)
   and on the CLINC train knowledge base (val + oos_val questions, each once, on a
   freshly loaded base), and the baselines' `default_process` + `extractOne` per
   question on the same questions.
c) Knowledge-base load time (read+validate, index) and memory (tracemalloc peak,
   RSS growth), each measured in a fresh interpreter.

--quick shrinks everything (20 intents, 30 train utterances each, ...) for a smoke test.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for path in (ROOT, HERE):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

import rapidfuzz  # noqa: E402
from rapidfuzz import fuzz, process  # noqa: E402
from rapidfuzz.utils import default_process  # noqa: E402

from bot.core import ask, build, load_knowledge, read_knowledge  # noqa: E402
from bot.core.engine import rank  # noqa: E402
from bot.maintain.evaluation import OBJECTIVES, Labelled, Scores, load_questions, pick, score, tune  # noqa: E402
import clinc_to_knowledge as converter  # noqa: E402
from machine import cpu_model, percentile, pin_to_one_core  # noqa: E402

DEFAULT_DATA = str(ROOT.parent / "shared" / "datasets" / "clinc150" / "data_full_train_val.json")
BUNDLED_KNOWLEDGE = ROOT / "knowledge"
DEV_QUESTIONS = ROOT / "tests" / "questions" / "dev.yaml"

# Published results on the full test split (dataset README, paper's Table 2, oos-threshold).
PUBLISHED = [("DialogFlow", 90.8, 26.7), ("Rasa (spacy-sklearn)", 90.9, 31.2), ("CNN", 90.9, 30.9),
             ("MLP", 93.4, 49.1), ("BERT", 96.2, 52.3)]
TARGET_ACCURACY, TARGET_OOS = 90.9, 31.2  # Rasa's
TARGET_P50_MS = 2.0

ENGINE_THRESHOLDS = [float(t) for t in range(0, 101)]  # evaluation.tune's default grid is 0.5 apart
CURVE_THRESHOLDS = [0.0, 5.0, 10.0, 15.0, 20.0, 25.0, 30.0, 40.0]
BASELINE_THRESHOLDS = [t / 2 for t in range(0, 201)]
BASELINES = [("rapidfuzz NN, WRatio", fuzz.WRatio), ("rapidfuzz NN, token_sort_ratio", fuzz.token_sort_ratio)]
ENGINE = "our engine"


@dataclass(frozen=True)
class Size:
    intents: int | None  # None: all
    train_per_intent: int | None
    oos: int | None
    bundled_calls: int


FULL = Size(None, None, None, 3000)
QUICK = Size(20, 30, 30, 200)


# --- machine ---------------------------------------------------------------------------


def machine_lines(pinned: str) -> list[str]:
    return [f"- CPU: {cpu_model()}, {os.cpu_count()} logical cores; benchmark process {pinned}",
            f"- Python {platform.python_version()} ({platform.python_implementation()}), "
            f"rapidfuzz {rapidfuzz.__version__}, {platform.system()} {platform.release()}",
            f"- date: {datetime.datetime.now().astimezone().isoformat(timespec='seconds')}"]


# --- data ------------------------------------------------------------------------------


def shrink(data: dict, size: Size) -> dict:
    """The data restricted to `size` (the first intents in name order, ...)."""
    intents = sorted({i for _, i in data.get("train", []) if i != converter.OOS})
    keep = set(intents[:size.intents] if size.intents else intents)
    out = {}
    for split, pairs in data.items():
        if split.startswith("oos"):
            out[split] = pairs[:size.oos] if size.oos else pairs
            continue
        taken: dict[str, int] = {}
        rows = []
        for utterance, intent in pairs:
            if intent not in keep:
                continue
            taken[intent] = taken.get(intent, 0) + 1
            if split == "train" and size.train_per_intent and taken[intent] > size.train_per_intent:
                continue
            rows.append((utterance, intent))
        out[split] = rows
    return out


def folds(val_pairs) -> tuple[list, list]:
    """Alternate utterances of each intent into fold A and fold B."""
    seen: dict[str, int] = {}
    fold_a, fold_b = [], []
    for utterance, intent in val_pairs:
        seen[intent] = seen.get(intent, 0) + 1
        (fold_a if seen[intent] % 2 else fold_b).append((utterance, intent))
    return fold_a, fold_b


# --- quality ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FoldResult:
    system: str
    tuned_on: str
    evaluated_on: str
    accuracy: float  # %
    oos_recall: float  # %
    threshold: float | None
    margin: float | None = None  # our engine's did-you-mean margin

    @property
    def setting(self) -> str:
        if self.threshold is None:
            return "—"
        return f"{self.threshold:g}" + ("" if self.margin is None else f" (margin {self.margin:g})")


def run_engine(kb, tuning: list[Labelled], report: list[Labelled], tuned_on: str, evaluated_on: str,
               objective: str) -> FoldResult:
    # Margin 0: every question is answered or declined, as in the published systems;
    # a "did you mean" would otherwise count as a decline and flatter the OOS recall.
    threshold, margin, _ = tune(kb, tuning, thresholds=ENGINE_THRESHOLDS, margins=[0.0], objective=objective)
    result = score(kb, report, threshold=threshold, margin=margin)
    return FoldResult(f"{ENGINE} ({objective})", tuned_on, evaluated_on, 100 * result.accuracy,
                      100 * result.oos_recall, threshold, margin)


def nearest(scorer, choices: list[str], labels: list[str], questions: list[str]):
    """[(entry id, score, seconds)] of the nearest choice for each question, timed per call."""
    found = []
    for question in questions:
        start = time.perf_counter()
        best = process.extractOne(default_process(question), choices, scorer=scorer, processor=None)
        elapsed = time.perf_counter() - start
        found.append((labels[best[2]], best[1], elapsed) if best else (None, 0.0, elapsed))
    return found


def baseline_scores(questions: list[Labelled], found, threshold: float) -> Scores:
    result = Scores()
    for item, (entry_id, value, _) in zip(questions, found, strict=True):
        answered = entry_id if value >= threshold else None
        if item.expect is None:
            result.out_of_scope += 1
            result.out_of_scope_declined += answered is None
        else:
            result.in_scope += 1
            result.in_scope_right += item.accepts(answered)
    return result


def tune_baseline(questions, found, objective: str) -> float:
    """The threshold chosen by the same rule as our engine's (evaluation.pick)."""
    results = [(baseline_scores(questions, found, t), t, 0.0) for t in BASELINE_THRESHOLDS]
    return pick(results, objective)[1]


def by_system(rows) -> dict[str, list[FoldResult]]:
    grouped: dict[str, list[FoldResult]] = {}
    for row in rows:
        grouped.setdefault(row.system, []).append(row)
    return grouped


def mean_row(rows: list[FoldResult]) -> FoldResult:
    return FoldResult(rows[0].system, "", "mean of the two folds", statistics.fmean(r.accuracy for r in rows),
                      statistics.fmean(r.oos_recall for r in rows), None)


# --- latency ---------------------------------------------------------------------------


def time_ask(kb, questions: list[str]) -> list[float]:
    times = []
    for question in questions:
        start = time.perf_counter()
        ask(kb, question)
        times.append(time.perf_counter() - start)
    return times



@dataclass(frozen=True)
class Latency:
    name: str
    calls: int
    p50: float  # ms
    p99: float
    mean: float


def latency(name: str, seconds: list[float]) -> Latency:
    ms = [1000 * s for s in seconds]
    return Latency(name, len(ms), percentile(ms, 0.5), percentile(ms, 0.99), statistics.fmean(ms))


# --- load time and memory (in a fresh interpreter) ---------------------------------------


def _rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def measure_load(directory: str, traced: bool) -> dict:
    """Run in a child process: time (or trace) one load of `directory`."""
    import gc
    import tracemalloc

    gc.collect()
    rss_before = _rss_kib()
    if traced:
        tracemalloc.start()
    start = time.perf_counter()
    kb, problems = read_knowledge(directory)
    read_done = time.perf_counter()
    if kb is None:
        raise SystemExit(f"{directory}: {[str(p) for p in problems]}")
    kb = build(kb)
    done = time.perf_counter()
    result = {"read": read_done - start, "index": done - read_done, "total": done - start,
              "entries": len(kb.entries),
              "variants": sum(len(e.questions[lang]) for e in kb.entries.values() for lang in e.questions)}
    if traced:
        result["peak_mib"] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    else:
        gc.collect()
        result["rss_mib"] = (_rss_kib() - rss_before) / 1024
    return result


def load_in_child(directory: Path, traced: bool) -> dict:
    command = [sys.executable, str(Path(__file__).resolve()), "--measure-load", str(directory)]
    command += ["--traced"] if traced else []
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


# --- printing --------------------------------------------------------------------------


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


# --- main ------------------------------------------------------------------------------


def run(data_path: str, quick: bool, out=print) -> int:
    started = time.perf_counter()
    pinned = pin_to_one_core()
    size = QUICK if quick else FULL
    data = shrink(converter.read_data(data_path), size)
    train = [(u, i) for u, i in data.get("train", []) if i != converter.OOS]
    fold_a, fold_b = folds([(u, i) for u, i in data.get("val", []) if i != converter.OOS])
    if not train or not fold_a or not fold_b:
        raise SystemExit(f"{data_path}: needs 'train' and 'val' splits with in-scope utterances")
    oos_train, oos_val = data.get("oos_train", []), data.get("oos_val", [])
    as_labelled = converter.labelled

    with tempfile.TemporaryDirectory(prefix="clinc-kb-") as tmp:
        kb_dir = Path(tmp) / "knowledge"
        converter.write_knowledge(train, kb_dir, note="benchmark copy; bench/clinc.py tunes per fold.")
        kb = load_knowledge(kb_dir)

        # a) quality: our engine, tuned on one fold, scored on the other
        plans = [
            ("val A + oos_train", as_labelled(fold_a + oos_train), "val B + oos_val", as_labelled(fold_b + oos_val)),
            ("val B + oos_train", as_labelled(fold_b + oos_train), "val A + oos_val", as_labelled(fold_a + oos_val))]
        engine_rows = [run_engine(kb, tuning, report, tuned_name, report_name, objective)
                       for objective in OBJECTIVES for tuned_name, tuning, report_name, report in plans]
        all_val = as_labelled(fold_a + fold_b + oos_val)
        all_rankings = [rank(kb, item.question) for item in all_val]
        curve = [(t, score(kb, all_val, all_rankings, threshold=t, margin=0.0)) for t in CURVE_THRESHOLDS]
        never = curve[0][1]
        engine_rows.append(FoldResult(f"{ENGINE}, never declining (top-1 only)", "", "val A+B + oos_val",
                                      100 * never.accuracy, 100 * never.oos_recall, 0.0, 0.0))

        # a) quality and latency of the baselines: one extractOne per question, reused by both folds
        choices = [default_process(u) for u, _ in train]
        labels = [converter.entry_id_of(i) for _, i in train]
        parts = {"A": fold_a, "B": fold_b, "oos_train": oos_train, "oos_val": oos_val}
        baseline_rows, baseline_latency = {}, {}
        for name, scorer in BASELINES:
            found = {part: nearest(scorer, choices, labels, [u for u, _ in pairs]) for part, pairs in parts.items()}
            rows = []
            for objective in OBJECTIVES:
                for tune_fold, report_fold in (("A", "B"), ("B", "A")):
                    tuning, report = (tune_fold, "oos_train"), (report_fold, "oos_val")
                    threshold = tune_baseline(as_labelled([p for part in tuning for p in parts[part]]),
                                              [f for part in tuning for f in found[part]], objective)
                    result = baseline_scores(as_labelled([p for part in report for p in parts[part]]),
                                             [f for part in report for f in found[part]], threshold)
                    rows.append(FoldResult(f"{name} ({objective})", f"val {tune_fold} + oos_train",
                                           f"val {report_fold} + oos_val",
                                           100 * result.accuracy, 100 * result.oos_recall, threshold))
            never = baseline_scores(as_labelled(fold_a + fold_b + oos_val),
                                    [f for part in ("A", "B", "oos_val") for f in found[part]], 0.0)
            rows.append(FoldResult(f"{name}, never declining (top-1 only)", "", "val A+B + oos_val",
                                   100 * never.accuracy, 100 * never.oos_recall, 0.0))
            baseline_rows[name] = rows
            timed = [f[2] for part in ("A", "B", "oos_val") for f in found[part]]
            baseline_latency[name] = latency(f"{name} (default_process + extractOne), CLINC train KB", timed)

        # b) latency: a freshly loaded CLINC base with fold A's tuned settings, and the bundled base
        converter.write_settings(kb_dir, engine_rows[0].threshold, engine_rows[0].margin,
                                 "tuned on val A + oos_train by bench/clinc.py.")
        del kb
        fresh = load_knowledge(kb_dir)
        clinc_questions = [u for u, _ in fold_a + fold_b + oos_val]
        ours_clinc = latency(f"{ENGINE}, CLINC train KB (val + oos_val questions)", time_ask(fresh, clinc_questions))
        bundled = load_knowledge(BUNDLED_KNOWLEDGE)
        dev = [item.question for item in load_questions(DEV_QUESTIONS)]
        dev_calls = (dev * math.ceil(size.bundled_calls / len(dev)))[:size.bundled_calls]
        ours_bundled = latency(f"{ENGINE}, bundled KB (dev.yaml questions, repeated)", time_ask(bundled, dev_calls))

        # c) load time and memory, each in a fresh interpreter
        loads = []
        for name, directory in (("bundled (knowledge/)", BUNDLED_KNOWLEDGE), ("CLINC150 train", kb_dir)):
            timed = load_in_child(directory, traced=False)
            timed["peak_mib"] = load_in_child(directory, traced=True)["peak_mib"]  # its timings are slowed by tracing
            loads.append((name, timed))

    # --- print -------------------------------------------------------------------------
    out(f"# CLINC150 matching benchmark{' (--quick: reduced data, not comparable)' if quick else ''}\n")
    out(f"Data: `{data_path}`: {len({i for _, i in train})} intents, {len(train)} train utterances in the "
        f"knowledge base; validation folds A/B {len(fold_a)}/{len(fold_b)} in-scope, "
        f"oos_train {len(oos_train)}, oos_val {len(oos_val)}.\n")
    out("Machine:")
    for line in machine_lines(pinned):
        out(line)

    out("\n## a) Quality (threshold tuned on one validation fold, reported on the other)\n")
    header = ["system", "tuned on", "evaluated on", "in-scope accuracy (%)", "out-of-scope recall (%)", "threshold"]
    rows = []
    for system_rows in (engine_rows, *baseline_rows.values()):
        for folded in by_system(row for row in system_rows if row.tuned_on).values():
            for row in [*folded, mean_row(folded)]:
                rows.append([row.system, row.tuned_on or "—", row.evaluated_on, pct(row.accuracy),
                             pct(row.oos_recall), row.setting])
        for row in (row for row in system_rows if not row.tuned_on):
            rows.append([row.system, "—", row.evaluated_on, pct(row.accuracy), pct(row.oos_recall), row.setting])
    for name, accuracy, oos in PUBLISHED:
        rows.append([f"{name} (published, test split)", "val", "test split", pct(accuracy), pct(oos),
                     "oos-threshold"])
    out(table(header, rows))
    out("")
    for objective in OBJECTIVES:
        ours = mean_row([row for row in engine_rows if row.tuned_on and row.system.endswith(f"({objective})")])
        met = ours.accuracy > TARGET_ACCURACY and ours.oos_recall > TARGET_OOS
        out(f"Target (above Rasa's published {TARGET_ACCURACY}% in-scope and {TARGET_OOS}% OOS recall), "
            f"{objective} thresholds: our engine, mean of folds, {ours.accuracy:.1f}% / {ours.oos_recall:.1f}%: "
            f"{'met' if met else 'NOT met'}.")
        for name, system_rows in baseline_rows.items():
            theirs = mean_row([row for row in system_rows if row.tuned_on and row.system.endswith(f"({objective})")])
            out(f"  vs {name} ({objective}, same run, same folds): in-scope "
                f"{ours.accuracy - theirs.accuracy:+.1f} points, "
                f"OOS recall {ours.oos_recall - theirs.oos_recall:+.1f} points.")

    out("\nOur engine's trade-off on all validation questions (val A+B + oos_val), margin 0; "
        "for reading only, nothing here is tuned:\n")
    out(table(["threshold", *(f"{t:g}" for t, _ in curve)],
              [["in-scope accuracy (%)", *(pct(100 * s.accuracy) for _, s in curve)],
               ["out-of-scope recall (%)", *(pct(100 * s.oos_recall) for _, s in curve)]]))

    out(f"\n## b) Latency per question, one core ({pinned})\n")
    measured = [ours_bundled, ours_clinc, *baseline_latency.values()]
    out(table(["path", "calls", "p50 (ms)", "p99 (ms)", "mean (ms)", "p50 vs ours on CLINC KB"],
              [[m.name, m.calls, f"{m.p50:.3f}", f"{m.p99:.3f}", f"{m.mean:.3f}",
                f"{m.p50 / ours_clinc.p50:.2f}×"] for m in measured]))
    out(f"\nTarget: p50 under {TARGET_P50_MS} ms on the CLINC train KB ({ours_clinc.calls} questions): "
        f"{ours_clinc.p50:.3f} ms, {'met' if ours_clinc.p50 < TARGET_P50_MS else 'NOT met'}.")
    for name, measured_latency in baseline_latency.items():
        out(f"{name} takes {measured_latency.p50 / ours_clinc.p50:.1f}× our p50 "
            f"({measured_latency.mean / ours_clinc.mean:.1f}× our mean) per question, same questions, same run.")

    out("\n## c) Knowledge-base load (read+validate, index) and memory, each in a fresh interpreter\n")
    out(table(["knowledge base", "entries", "question variants", "read+validate (s)", "index (s)", "total (s)",
               "tracemalloc peak (MiB)", "RSS growth (MiB)"],
              [[name, r["entries"], r["variants"], f"{r['read']:.3f}", f"{r['index']:.3f}", f"{r['total']:.3f}",
                f"{r['peak_mib']:.1f}", f"{r['rss_mib']:.1f}"] for name, r in loads]))
    (_, small), (_, large) = loads
    out(f"\nCLINC vs bundled: {large['variants'] / small['variants']:.0f}× the variants, "
        f"{large['total'] / small['total']:.1f}× the load time, {large['peak_mib'] / small['peak_mib']:.1f}× the "
        f"tracemalloc peak (load times without tracing; tracing slows loading).")
    out(f"\nBenchmark run time: {time.perf_counter() - started:.0f} s.")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=DEFAULT_DATA, help=f"CLINC150-style JSON (default: {DEFAULT_DATA})")
    parser.add_argument("--quick", action="store_true", help="shrink everything for a smoke test")
    parser.add_argument("--measure-load", metavar="DIR", help=argparse.SUPPRESS)
    parser.add_argument("--traced", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure_load:
        print(json.dumps(measure_load(args.measure_load, args.traced)))
        return 0
    return run(args.data, args.quick)


if __name__ == "__main__":
    sys.exit(main())
