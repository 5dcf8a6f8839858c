"""Reloading an edited knowledge base while the bot answers: one table. Prints Markdown.

    python bench/reload.py [--knowledge DIR] [--rounds 5] [--questions 200]

On a copy of the knowledge directory (default: the bundled one), with an index cache of its
own, `LiveKnowledge.watch()` runs as in `faqbot run` (watchfiles, the bot's own debounce)
while this process answers questions in the same event loop, as the bot's handlers do, the
process pinned to one core. Each round saves an edited FAQ file the way an editor does
(write a temporary file, rename it over the old one): one question variant more, so the
index is rebuilt. Measured per round:
* save -> serving: from the rename to the moment `live.kb` is the new base (the watcher's
  notice, the debounce, the load in a worker thread, the swap);
* of which the reload itself (`LiveKnowledge.reload` in its worker thread);
* answering (`bot.core.ask` on the bundled dev questions, or the base's own variants)
  p50 / p99 while idle and while a reload is running, and the ratio of the two p99s.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for path in (ROOT, HERE):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from machine import cpu_model, percentile, pin_to_one_core  # noqa: E402

EDITED = "faq/40-us-trade.yaml"  # in the bundled base; another base's first FAQ file is edited
ANCHOR = "        - chongqing exports to america\n"


def questions_for(directory: Path, count: int) -> list[str]:
    import yaml

    dev = ROOT / "tests" / "questions" / "dev.yaml"
    if directory.resolve() == (ROOT / "knowledge").resolve():
        return [str(item["q"]) for item in yaml.safe_load(dev.read_text(encoding="utf-8"))][:count]
    from bot.core import load_knowledge

    kb = load_knowledge(directory)
    variants = [q for entry in kb.entries.values() for qs in entry.questions.values() for q in qs]
    return variants[:: max(1, len(variants) // count)][:count]


def edit(path: Path, round_number: int) -> None:
    """Save `path` with one question variant more, as an editor saves: a new file renamed over it."""
    text = path.read_text(encoding="utf-8")
    if ANCHOR in text:
        text = text.replace(ANCHOR, f"{ANCHOR}        - a question added in round {round_number}\n", 1)
    else:  # another base: after the first "en:" list's first item
        at = text.index("\n", text.index("en:") + 3) + 1
        indent = text[at:].split("-", 1)[0]
        text = text[:at] + f"{indent}- a question added in round {round_number}\n" + text[at:]
    partial = path.with_name(f".{path.name}.swp")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)


async def measure(directory: Path, rounds: int, questions: list[str]) -> dict:
    from bot.core import ask
    from bot.services.knowledge import LiveKnowledge

    reloading = {"now": False, "durations": []}

    class TimedLive(LiveKnowledge):
        def reload(self):
            reloading["now"] = True
            started = time.perf_counter()
            try:
                return super().reload()
            finally:
                reloading["durations"].append(time.perf_counter() - started)
                reloading["now"] = False

    live = TimedLive(directory)
    served: asyncio.Queue[float] = asyncio.Queue()

    async def on_reload(problems):
        if problems:
            raise SystemExit(f"the edited knowledge did not load: {problems[:3]}")
        served.put_nowait(time.perf_counter())

    stop = asyncio.Event()
    watcher = asyncio.create_task(live.watch(on_reload, stop_event=stop))
    idle, during, save_to_serving = [], [], []

    async def answer_until(done: asyncio.Event, into_idle: bool) -> None:
        position = 0
        while not done.is_set():
            question = questions[position % len(questions)]
            position += 1
            started = time.perf_counter()
            ask(live.kb, question)
            seconds = time.perf_counter() - started
            if reloading["now"]:
                during.append(seconds)
            elif into_idle:
                idle.append(seconds)
            await asyncio.sleep(0.002)  # a stream of questions, not a busy loop: the loop serves the watcher too

    await asyncio.sleep(1.5)  # the watcher is set up
    warmed = asyncio.Event()
    answering = asyncio.create_task(answer_until(warmed, into_idle=False))
    await asyncio.sleep(1.0)  # first questions compile what they need
    warmed.set()
    await answering
    quiet = asyncio.Event()
    answering = asyncio.create_task(answer_until(quiet, into_idle=True))
    await asyncio.sleep(3.0)
    target = directory / EDITED if (directory / EDITED).exists() else sorted((directory / "faq").glob("*.yaml"))[0]
    for round_number in range(rounds):
        before = live.kb
        saved = time.perf_counter()
        edit(target, round_number)
        serving = await asyncio.wait_for(served.get(), timeout=600)
        assert live.kb is not before
        save_to_serving.append(serving - saved)
        await asyncio.sleep(1.0)
    quiet.set()
    await answering
    stop.set()
    await watcher
    return {"save": save_to_serving, "reload": reloading["durations"], "idle": idle, "during": during,
            "variants": sum(len(q) for e in live.kb.entries.values() for q in e.questions.values())}


def row(name: str, m: dict) -> str:
    ms = lambda values: f"{percentile(values, 0.5) * 1000:.2f} / {percentile(values, 0.99) * 1000:.2f}"  # noqa: E731
    seconds = lambda values: f"{percentile(values, 0.5):.2f} / {max(values):.2f} s"  # noqa: E731
    ratio = percentile(m["during"], 0.99) / percentile(m["idle"], 0.99) if m["during"] else float("nan")
    return (f"| {name} | {m['variants']:,} | {len(m['save'])} | {seconds(m['save'])} | {seconds(m['reload'])} "
            f"| {ms(m['idle'])} ({len(m['idle'])}) | {ms(m['during']) if m['during'] else '-'} ({len(m['during'])}) "
            f"| {ratio:.2f}× |")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--knowledge", type=Path, default=ROOT / "knowledge", help="the base to copy and edit")
    parser.add_argument("--rounds", type=int, default=5, help="edits saved, one after the other")
    parser.add_argument("--questions", type=int, default=200, help="distinct questions asked in turn")
    args = parser.parse_args(argv)
    pinned = pin_to_one_core()
    print(f"Machine: {cpu_model()}, {os.cpu_count()} logical cores, {pinned}; load average "
          f"{', '.join(f'{x:.2f}' for x in os.getloadavg())} at the start.\n")
    print("| base | variants | reloads | save → serving p50 / max | reload (worker thread) p50 / max "
          "| answering idle p50 / p99 ms (questions) | during a reload p50 / p99 ms (questions) | p99 during / idle |")
    print("|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory(prefix="faqbot-reload-") as tmp:
        copy = Path(tmp) / "knowledge"
        shutil.copytree(args.knowledge, copy, ignore=shutil.ignore_patterns(".faqbot*"))
        os.environ["FAQBOT_CACHE_DIR"] = str(Path(tmp) / "cache")
        questions = questions_for(args.knowledge, args.questions)
        measured = asyncio.run(measure(copy, args.rounds, questions))
    name = "bundled" if args.knowledge.resolve() == (ROOT / "knowledge").resolve() else args.knowledge.name
    print(row(name, measured), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
