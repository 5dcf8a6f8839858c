"""Replies per second and lag under Telegram's default flood limits, at offered-rate steps.

    python bench/telegram_rates.py [--rates 10,20,30,40] [--seconds 10] [--chats 1000]

The local Bot API server (bot.localapi) enforces Telegram's default limits (30 messages a
second overall, 1 a second per private chat with bursts of 3); the bot runs with its
default settings (`faqbot run` in a process of its own, journal in a temporary file). Private questions from
`--chats` different chats arrive at each offered rate for `--seconds`; for each step the
table gives the replies per second the bot sustained and the lag from question to reply.
Not a test; prints a Markdown table and the machine it ran on.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import telegram  # noqa: E402

from bot.core import ask  # noqa: E402
from bot.localapi import LocalBotApi, RateLimits  # noqa: E402
from bot.services.knowledge import LiveKnowledge  # noqa: E402
from botprocess import bot_process  # noqa: E402
from machine import cpu_model, percentile  # noqa: E402

TOKEN = "424242:BENCH-token"



async def step(api: LocalBotApi, chats: list[tuple[dict, dict]], questions: list[str], rate: float,
               seconds: float, first: int) -> dict:
    count = int(rate * seconds)
    sent = []
    started = time.monotonic()
    for number in range(count):
        due = started + number / rate
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        user, chat = chats[(first + number) % len(chats)]
        message = api.user_sends(user, chat, questions[number % len(questions)])
        sent.append((chat["id"], message["message_id"], time.monotonic()))

    def reply_at(chat_id: int, message_id: int) -> float | None:
        for message in api.bot_messages(chat_id):
            if message.message.get("reply_to_message", {}).get("message_id") == message_id:
                return message.history[0]["at"]
        return None

    await api.wait_for(lambda: all(reply_at(c, m) for c, m, _ in sent[-20:]), timeout=600, interval=0.05)
    await api.wait_for(lambda: all(reply_at(c, m) for c, m, _ in sent), timeout=600, interval=0.05)
    replies = sorted(reply_at(c, m) for c, m, _ in sent)
    lags = [reply_at(c, m) - at for c, m, at in sent]
    # sustained rate: replies over the time from the first to the last reply
    span = replies[-1] - replies[0]
    return {"offered": rate, "questions": count, "replies_per_s": (count - 1) / span if span else float("inf"),
            "p50": statistics.median(lags), "p99": percentile(lags, 0.99), "max": max(lags),
            "in_last_second": sum(1 for r in replies if r > replies[-1] - 1.0)}


async def main(rates: list[float], seconds: float, chat_count: int) -> None:
    logging.basicConfig(level=logging.WARNING)
    live = LiveKnowledge(ROOT / "knowledge")
    questions = [q for entry in live.kb.entries.values() for lang in ("en", "zh")
                 if ask(live.kb, q := entry.title(lang)).answered]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        async with LocalBotApi(token=TOKEN, bot_username="cq_faq_bot", limits=RateLimits()) as api:
            # the bot as deployed: `faqbot run` in a process of its own, default settings
            async with bot_process(api, Path(tmp), TOKEN, FAQBOT_DB=str(Path(tmp) / "faqbot.sqlite3")):
                users = [api.add_user(f"Visitor {n}", language_code="en") for n in range(chat_count)]
                chats = [(user, api.private_chat(user)) for user in users]
                first = 0
                for rate in rates:
                    rows.append(await step(api, chats, questions, rate, seconds, first))
                    first += int(rate * seconds)
                    await asyncio.sleep(2)
            hits = dict(api.rate_limit_hits)
    print(f"Machine: {cpu_model()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"python-telegram-bot {telegram.__version__}")
    print(f"Telegram's default limits on the server; the bot's default settings; {chat_count} private chats, "
          f"{seconds:.0f} s per step.\n")
    print("| offered | questions | replies/s sustained | lag p50 | lag p99 | lag max |")
    print("|---|---|---|---|---|---|")
    for row in rows:
        print(f"| {row['offered']:.0f}/s | {row['questions']} | {row['replies_per_s']:.1f} | {row['p50']:.2f} s "
              f"| {row['p99']:.2f} s | {row['max']:.2f} s |")
    print(f"\n429 answers from the server: {hits.get('total', 0)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rates", default="10,20,30,40", help="offered questions per second, comma-separated")
    parser.add_argument("--seconds", type=float, default=10.0, help="seconds per step")
    parser.add_argument("--chats", type=int, default=1000, help="private chats asking")
    args = parser.parse_args()
    asyncio.run(main([float(r) for r in args.rates.split(",")], args.seconds, args.chats))
