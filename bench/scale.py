"""How the engine scales with the knowledge base: one table. Prints Markdown.

    python bench/scale.py [--data PATH] [--questions 400] [--skip-large]

Bases: the bundled one; CLINC150's train split as a knowledge base (150 entries, 15,000
variants); and a 50,000-variant base made from it: each intent copied under four names
("balance", "balance-2" ...), each copy's utterances tagged with its own word, 600 entries.
--data defaults to ../shared/datasets/clinc150/data_full_train_val.json beside the project.

For each base, in fresh interpreters, the process pinned to one core:
* load with a cold index cache (read + check + build the index, meaning, scopes) and with
  a warm one (bot.indexcache), seconds of wall time;
* memory: tracemalloc peak during a cold load, and RSS growth still held afterwards;
* a cold `faqbot ask QUESTION --knowledge DIR` with a warm cache (a new process: start-up,
  imports, load, answer), median of COLD_ASKS runs, wall and CPU time (user + system);
* p50 / p99 per question of `bot.core.ask` (match + render), with the nearest neighbour by
  plain rapidfuzz `WRatio` and `token_sort_ratio` (`default_process`, `extractOne`) over
  every variant on the same questions, and how many times faster ours is than token_sort.
The Telegram ours / bare echo bot ratio is bench/telegram_throughput.py's.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for path in (ROOT, HERE):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

import clinc_to_knowledge as converter  # noqa: E402
from machine import cpu_model, percentile, pin_to_one_core  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "datasets" / "clinc150" / "data_full_train_val.json"
LARGE_VARIANTS = 50_000
COPIES = 4
TAGS = ["", "alpha", "bravo", "charlie"]  # the word each copy's utterances carry
# its one FAQ file is larger than the YAML reader's default limits allow
LARGE_SETTINGS = "yaml_max_file_kb: 8192\nyaml_max_nodes: 1000000\n"
COLD_ASKS = 7  # runs of a cold `faqbot ask`; the median is reported


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


# --- in a child process ----------------------------------------------------------------


def child_load(directory: str, traced: bool) -> dict:
    import gc
    import tracemalloc

    from bot import indexcache

    gc.collect()
    before = rss_mib()
    if traced:
        tracemalloc.start()
    started = time.perf_counter()
    kb = indexcache.load_knowledge(directory)
    seconds = time.perf_counter() - started
    result = {"seconds": seconds, "entries": len(kb.entries),
              "variants": sum(len(q) for e in kb.entries.values() for q in e.questions.values())}
    if traced:
        result["peak_mib"] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    gc.collect()
    result["kept_mib"] = rss_mib() - before
    return result


def child_latency(directory: str, questions_file: str) -> dict:
    from rapidfuzz import fuzz, process
    from rapidfuzz.utils import default_process

    from bot import indexcache
    from bot.core import ask

    pin_to_one_core()
    questions = json.loads(Path(questions_file).read_text(encoding="utf-8"))
    kb = indexcache.load_knowledge(directory)
    for question in questions[:20]:  # warm up
        ask(kb, question)
    result = {"ours": timed(lambda q: ask(kb, q), questions)}
    choices = [default_process(q) for e in kb.entries.values() for qs in e.questions.values() for q in qs]
    for name, scorer in (("wratio", fuzz.WRatio), ("token_sort", fuzz.token_sort_ratio)):
        result[name] = timed(lambda q, scorer=scorer: process.extractOne(default_process(q), choices, scorer=scorer,
                                                                         processor=None), questions)
    return result


def timed(call, questions: list[str]) -> list[float]:
    seconds = []
    for question in questions:
        started = time.perf_counter()
        call(question)
        seconds.append(time.perf_counter() - started)
    return [percentile(seconds, 0.5), percentile(seconds, 0.99)]


def cold_ask(directory: Path, question: str, cache: Path) -> tuple[float, float]:
    """Median wall and CPU seconds of `faqbot ask QUESTION` in a new process (warm cache)."""
    env = {**os.environ, "FAQBOT_CACHE_DIR": str(cache)}
    command = [sys.executable, "-m", "bot", "ask", "--knowledge", str(directory), question]
    walls, cpus = [], []
    for _ in range(COLD_ASKS):
        before = os.times()
        started = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True, env=env, cwd=ROOT)
        walls.append(time.perf_counter() - started)
        after = os.times()
        cpus.append(after.children_user - before.children_user + after.children_system - before.children_system)
    return percentile(walls, 0.5), percentile(cpus, 0.5)


def in_child(*args: str, cache: Path) -> dict:
    env = {**os.environ, "FAQBOT_CACHE_DIR": str(cache)}
    done = subprocess.run([sys.executable, str(Path(__file__).resolve()), *args], capture_output=True, text=True,
                          env=env)
    if done.returncode:
        raise SystemExit(f"{' '.join(args)} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout)


# --- bases -----------------------------------------------------------------------------


def large_pairs(train: list[tuple[str, str]], variants: int) -> list[tuple[str, str]]:
    """`variants` utterances: every intent copied COPIES times under new names, each copy's
    utterances tagged with its own word, taken round-robin so each copy is the same size."""
    per_copy = variants // COPIES
    pairs = []
    for copy, tag in enumerate(TAGS[:COPIES]):
        name = (lambda intent: intent) if copy == 0 else (lambda intent, copy=copy: f"{intent}_{copy + 1}")
        taken = [(f"{u} {tag}".strip(), name(i)) for u, i in train]
        pairs += taken[: per_copy]
    return pairs


def questions_for(pairs: list[tuple[str, str]], count: int) -> list[str]:
    step = max(1, len(pairs) // count)
    return [u for u, _ in pairs[::step]][:count]


def measure(name: str, directory: Path, questions: list[str], work: Path, asked: str) -> dict:
    cold_cache = work / f"cache-{name}-cold"
    traced = in_child("--child-load", str(directory), "--traced", cache=work / f"cache-{name}-traced")
    cold = in_child("--child-load", str(directory), cache=cold_cache)
    warm = in_child("--child-load", str(directory), cache=cold_cache)
    questions_file = work / f"questions-{name}.json"
    questions_file.write_text(json.dumps(questions), encoding="utf-8")
    latency = in_child("--child-latency", str(directory), str(questions_file), cache=cold_cache)
    ask_wall, ask_cpu = cold_ask(directory, asked, cold_cache)
    return {"name": name, "entries": cold["entries"], "variants": cold["variants"], "cold": cold["seconds"],
            "warm": warm["seconds"], "peak": traced["peak_mib"], "kept": cold["kept_mib"], "ask_wall": ask_wall,
            "ask_cpu": ask_cpu, **latency}


def row(m: dict) -> str:
    ms = lambda pair: f"{pair[0] * 1000:.2f} / {pair[1] * 1000:.2f}"  # noqa: E731
    return (f"| {m['name']} | {m['entries']} / {m['variants']:,} | {m['cold']:.2f} s | {m['warm']:.2f} s "
            f"| {m['ask_wall']:.2f} / {m['ask_cpu']:.2f} s "
            f"| {m['peak']:.0f} MiB | {m['kept']:.0f} MiB | {ms(m['ours'])} | {ms(m['wratio'])} "
            f"| {ms(m['token_sort'])} "
            f"| {m['token_sort'][0] / m['ours'][0]:.1f}× |")


class _Printed(list):
    """The rows measured so far, each printed as soon as it is measured."""

    def append(self, measured: dict) -> None:
        super().append(measured)
        print(row(measured), flush=True)


def run(data: Path, count: int, skip_large: bool) -> int:
    import yaml

    started = time.perf_counter()
    dev_file = ROOT / "tests" / "questions" / "dev.yaml"
    bundled_questions = [str(item["q"]) for item in yaml.safe_load(dev_file.read_text(encoding="utf-8"))]
    print(f"Machine: {cpu_model()}, {os.cpu_count()} logical cores; loads and questions each in a fresh "
          f"interpreter, questions pinned to one core; {count} questions per CLINC base, "
          "dev.yaml for the bundled one.\n")
    print(f"Load average at the start: {', '.join(f'{x:.2f}' for x in os.getloadavg())}.\n")
    print("| base | entries / variants | load, cold cache | load, warm cache "
          "| cold `faqbot ask`, warm cache: wall / CPU | peak memory (tracemalloc, cold) "
          "| RSS kept after load | ours p50 / p99 ms | WRatio NN p50 / p99 ms | token_sort NN p50 / p99 ms "
          "| ours vs token_sort (p50) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|", flush=True)
    results = _Printed()
    with tempfile.TemporaryDirectory(prefix="faqbot-scale-") as tmp:
        work = Path(tmp)
        results.append(measure("bundled", ROOT / "knowledge", bundled_questions, work, "gdp"))
        if data.exists():
            raw = converter.read_data(data)
            train = [(u, i) for u, i in raw["train"] if i != converter.OOS]
            val = raw["val"] + raw["oos_val"]
            converter.write_knowledge(train, work / "clinc")
            clinc_questions = questions_for(val, count)
            results.append(measure("CLINC150 train", work / "clinc", clinc_questions, work, clinc_questions[0]))
            if not skip_large:
                pairs = large_pairs(train, LARGE_VARIANTS)
                converter.write_knowledge(pairs, work / "large")
                with (work / "large" / "settings.yaml").open("a", encoding="utf-8") as settings:
                    settings.write(LARGE_SETTINGS)
                asked = [(f"{u} {TAGS[n % COPIES]}".strip(), i) for n, (u, i) in enumerate(val)]
                large_questions = questions_for(asked, count)
                results.append(measure("50k from CLINC150", work / "large", large_questions, work, large_questions[0]))
        else:
            print(f"\n({data} not found: CLINC150 rows skipped; give --data)")
    print(f"\nBenchmark run time: {time.perf_counter() - started:.0f} s; load average at the end: "
          f"{', '.join(f'{x:.2f}' for x in os.getloadavg())}.")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA,
                        help=f"CLINC150-style JSON (default: {DEFAULT_DATA})")
    parser.add_argument("--questions", type=int, default=400, help="questions per CLINC base")
    parser.add_argument("--skip-large", action="store_true", help="leave out the 50,000-variant base")
    parser.add_argument("--child-load", metavar="DIR", help=argparse.SUPPRESS)
    parser.add_argument("--traced", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--child-latency", nargs=2, metavar=("DIR", "QUESTIONS"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child_load:
        print(json.dumps(child_load(args.child_load, args.traced)))
        return 0
    if args.child_latency:
        print(json.dumps(child_latency(*args.child_latency)))
        return 0
    return run(args.data, args.questions, args.skip_large)


if __name__ == "__main__":
    sys.exit(main())
