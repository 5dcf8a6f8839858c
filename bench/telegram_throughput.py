"""How fast the Telegram layer is, as deployed: `faqbot run` in a process of its own, polling
the local Bot API server (bot.localapi) on 127.0.0.1, against a bare python-telegram-bot echo
bot (bench/echobot.py) run the same way, one after the other, in one run.

    python bench/telegram_throughput.py [--burst 1000] [--samples 200]

Flood limits off on both sides (server limits disabled, FAQBOT_RATE_LIMIT=off); our bot
otherwise has its defaults: the update journal and the question database in a temporary
file, 64 updates handled at once. Measures:
* throughput: a burst of private questions queued at once, updates answered per second
  (wall time), and the bot process's CPU time per update in the burst (from /proc: it
  does not depend on what else the machine is doing, so it is the steadier figure);
* latency: time from a user's message reaching the server to the bot's reply being
  accepted by it, p50 and p99, for private chats and for groups (/ask), one question at a
  time (idle) and during the burst;
and the ratio of the two bots for each. The server runs in this process, so its own work
(parsing our HTML replies, say) is not counted as the bot's, as with real Telegram; the
table says how busy it was. Not a test; prints a Markdown table and the machine it ran on.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import platform
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import telegram  # noqa: E402

from bot.core import ask  # noqa: E402
from bot.localapi import LocalBotApi, RateLimits  # noqa: E402
from bot.services.knowledge import LiveKnowledge  # noqa: E402
from botprocess import bot_process, cpu_seconds  # noqa: E402
from machine import cpu_model, percentile  # noqa: E402

TOKEN = "424242:BENCH-token"



def reply_time(api: LocalBotApi, chat_id: int, message_id: int) -> float | None:
    """When the server accepted the bot's reply to a message (monotonic), if it did."""
    for message in api.bot_messages(chat_id):
        if message.message.get("reply_to_message", {}).get("message_id") == message_id:
            return message.history[0]["at"]
    return None


async def idle_latencies(api: LocalBotApi, chat: dict, user: dict, questions: list[str], samples: int,
                         prefix: str = "") -> list[float]:
    """One question at a time, each after the previous was answered."""
    latencies = []
    for number in range(samples):
        sent_at = time.monotonic()
        sent = api.user_sends(user, chat, prefix + questions[number % len(questions)])
        answered_at = await api.wait_for(lambda: reply_time(api, chat["id"], sent["message_id"]),  # noqa: B023
                                         timeout=10, interval=0.0005)  # (awaited within the iteration)
        latencies.append(answered_at - sent_at)
    return latencies


async def burst(api: LocalBotApi, users: list[dict], questions: list[str], count: int) -> tuple[float, list[float]]:
    """`count` private questions queued at once: (seconds until all answered, latencies)."""
    chats = [api.private_chat(user) for user in users]
    sent = []
    started = time.monotonic()
    for number in range(count):
        user, chat = users[number % len(users)], chats[number % len(chats)]
        sent.append((chat["id"], api.user_sends(user, chat, questions[number % len(questions)])["message_id"],
                     time.monotonic()))
    await api.wait_for(lambda: sum(len(api.sent_timestamps(c)) for c in chats) >= count, timeout=300, interval=0.01)
    elapsed = time.monotonic() - started
    latencies = [reply_time(api, chat_id, message_id) - at for chat_id, message_id, at in sent]
    return elapsed, latencies


@dataclass
class Run:
    elapsed: float  # seconds for the burst
    bot_cpu: float  # CPU seconds the bot process used during the burst
    server_cpu: float  # CPU seconds this process (the server) used during the burst
    private: list[float]
    in_group: list[float]
    loaded: list[float]


async def measure(api: LocalBotApi, process, questions: list[str], burst_size: int, samples: int, tag: str) -> Run:
    """The latencies and the burst, against the bot running in `process`."""
    alice = api.add_user(f"Alice {tag}")
    members = [api.add_user(f"Member {tag} {n}") for n in range(5)]
    group = api.add_group(f"Hall {tag}", members=members)
    await idle_latencies(api, api.private_chat(alice), alice, questions, 20)  # warm up
    private = await idle_latencies(api, api.private_chat(alice), alice, questions, samples)
    in_group = await idle_latencies(api, group, members[0], questions, samples, prefix="/ask ")
    users = [api.add_user(f"Visitor {tag} {n}") for n in range(50)]
    bot_before, server_before = cpu_seconds(process.pid), time.process_time()
    elapsed, loaded = await burst(api, users, questions, burst_size)
    bot_cpu, server_cpu = cpu_seconds(process.pid) - bot_before, time.process_time() - server_before
    return Run(elapsed, bot_cpu, server_cpu, private, in_group, loaded)


ECHO_BOT = (sys.executable, str(ROOT / "bench" / "echobot.py"))


async def main(burst_size: int, samples: int) -> None:
    logging.basicConfig(level=logging.WARNING)
    live = LiveKnowledge(ROOT / "knowledge")
    questions = [q for entry in live.kb.entries.values() for lang in ("en", "zh")
                 if ask(live.kb, q := entry.title(lang)).answered]
    async with LocalBotApi(token=TOKEN, bot_username="cq_faq_bot", limits=RateLimits(enabled=False)) as api:
        with tempfile.TemporaryDirectory(prefix="faqbot-bench-") as workdir:
            ours_settings = dict(FAQBOT_RATE_LIMIT="off", FAQBOT_MERGE_WINDOW="0",
                                 FAQBOT_DB=str(Path(workdir) / "faqbot.sqlite3"))
            async with bot_process(api, Path(workdir), TOKEN, **ours_settings) as process:
                ours = await measure(api, process, questions, burst_size, samples, "ours")
            async with bot_process(api, Path(workdir), TOKEN, command=ECHO_BOT, ready_after="getUpdates",
                                   ready_count=1) as process:
                echo = await measure(api, process, questions, burst_size, samples, "echo")

    def ms(values: list[float], share: float) -> str:
        return f"{percentile(values, share) * 1000:.1f} ms"

    print(f"Machine: {cpu_model()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"python-telegram-bot {telegram.__version__}, {platform.system()} {platform.release()}")
    print("Rate limiting off on both sides. Each bot runs in a process of its own (ours: `faqbot run` with "
          "its journal; the echo bot: bench/echobot.py, a bare python-telegram-bot Application quoting each "
          "message back), through the same local server in the benchmark's process.\n")
    print("| Measure | our bot | bare echo bot | ours / echo |")
    print("|---|---|---|---|")
    print(f"| Throughput, burst of {burst_size} private questions | {burst_size / ours.elapsed:.0f} updates/s "
          f"| {burst_size / echo.elapsed:.0f} updates/s | {echo.elapsed / ours.elapsed:.2f} |")
    print(f"| Bot process CPU per update in the burst | {ours.bot_cpu / burst_size * 1000:.2f} ms "
          f"| {echo.bot_cpu / burst_size * 1000:.2f} ms | {echo.bot_cpu / ours.bot_cpu:.2f} (echo / ours) |")
    for name, pick in (("private chat, idle", lambda run: run.private), ("group /ask, idle", lambda run: run.in_group),
                       (f"private chat, during the burst of {burst_size}", lambda run: run.loaded)):
        for share, label in ((0.5, "p50"), (0.99, "p99")):
            a, b = pick(ours), pick(echo)
            print(f"| latency {label}, {name} ({len(a)} updates) | {ms(a, share)} | {ms(b, share)} "
                  f"| {percentile(a, share) / percentile(b, share):.2f} |")
    print(f"\nThe server (this process) was busy {ours.server_cpu / ours.elapsed:.0%} of our burst and "
          f"{echo.server_cpu / echo.elapsed:.0%} of the echo bot's (near 100%: it, not the bot, set the pace).")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--burst", type=int, default=1000, help="questions in the throughput burst")
    parser.add_argument("--samples", type=int, default=200, help="questions per latency measurement")
    args = parser.parse_args()
    asyncio.run(main(args.burst, args.samples))
