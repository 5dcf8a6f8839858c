"""Soak: 20,000 updates through `faqbot run` (a process of its own) and the local Bot API
server, checking the bot's memory and the speed of `/unanswered` and `faqbot report` after.

    python bench/soak.py [--updates 20000] [--rate 150]

Flood limits are off on both sides (FAQBOT_RATE_LIMIT=off) so the soak takes minutes, not
hours. The updates: questions in 1,000 private chats and 20 groups (/ask), a third of them
distinct nonsense that goes to the unanswered log. Memory is the bot's resident set size
(VmRSS) after the first 2,000 updates (warm) and at the end. Not a test; prints a table.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import string
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bot.core import ask, load_knowledge  # noqa: E402
from bot.localapi import LocalBotApi, RateLimits  # noqa: E402
from botprocess import bot_process  # noqa: E402
from machine import cpu_model  # noqa: E402

TOKEN = "515151:SOAK-token"
ADMIN = 900001


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def main(total: int, rate: float) -> None:
    kb = load_knowledge(ROOT / "knowledge")
    questions = [q for e in kb.entries.values() for lang in ("en", "zh") if ask(kb, q := e.title(lang)).answered]
    rng = random.Random(20000)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "faqbot.sqlite3"
        async with LocalBotApi(token=TOKEN, bot_username="cq_faq_bot", limits=RateLimits(enabled=False)) as api:
            admin = api.add_user("Admin", user_id=ADMIN, language_code="en")
            admin_chat = api.private_chat(admin)
            async with bot_process(api, Path(tmp), TOKEN, FAQBOT_DB=str(db), FAQBOT_RATE_LIMIT="off",
                                   FAQBOT_ADMINS=str(ADMIN), FAQBOT_MERGE_WINDOW="0") as process:
                users = [api.add_user(f"V{n}", language_code=rng.choice(["en", "zh", None])) for n in range(1000)]
                groups = [api.add_group(f"Hall {n}", members=users[n * 50:(n + 1) * 50]) for n in range(20)]
                started, warm, sent, checkpoints = time.monotonic(), None, 0, []
                seen = {"events": 0, "replies": 0}

                def replies() -> int:  # bot messages so far, counted incrementally
                    events = api.events
                    seen["replies"] += sum(1 for e in events[seen["events"]:] if e["type"] == "bot_message")
                    seen["events"] = len(events)
                    return seen["replies"]

                while sent < total:
                    due = started + sent / rate
                    await asyncio.sleep(max(0.0, due - time.monotonic()))
                    if replies() < sent - 500:  # don't run ahead of the bot
                        await asyncio.sleep(0.05)
                        continue
                    user = users[sent % len(users)]
                    if rng.random() < 1 / 3:
                        text = " ".join("".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(3, 8)))
                                        for _ in range(4)) + "?"
                    else:
                        text = rng.choice(questions)
                    if sent % 5 == 0:
                        api.user_sends(user, groups[(sent % len(users)) // 50], f"/ask {text}")
                    else:
                        api.user_sends(user, api.private_chat(user), text)
                    sent += 1
                    if sent == 2000:
                        await api.wait_for(lambda: replies() >= 1900, timeout=120)
                        warm = rss_mib(process.pid)
                    if sent % 4000 == 0:
                        checkpoints.append((sent, rss_mib(process.pid)))
                await api.wait_for(lambda: not api.pending_updates, timeout=300)
                await asyncio.sleep(3)
                elapsed = time.monotonic() - started
                end = rss_mib(process.pid)
                answered = replies()
                unanswered_s = []
                for _ in range(2):  # the second one with the bot surely idle
                    before = len(api.bot_messages(admin_chat))
                    asked = time.monotonic()
                    api.user_sends(admin, admin_chat, "/unanswered")
                    await api.wait_for(lambda: len(api.bot_messages(admin_chat)) > before,  # noqa: B023 - awaited here
                                       timeout=120)
                    unanswered_s.append(time.monotonic() - asked)
        started = time.monotonic()
        subprocess.run([sys.executable, "-m", "bot", "report"], env={**os.environ, "FAQBOT_DB": str(db)}, cwd=ROOT,
                       capture_output=True, check=True)
        report_s = time.monotonic() - started
        import sqlite3
        with sqlite3.connect(db) as con:
            rows = con.execute("SELECT COUNT(*) FROM unanswered").fetchone()[0]
            dropped = con.execute("SELECT COALESCE(SUM(count), 0) FROM unanswered_dropped").fetchone()[0]
            journal = dict(con.execute("SELECT state, COUNT(*) FROM journal GROUP BY state").fetchall())
        size = db.stat().st_size / 1024 / 1024
    print(f"Machine: {cpu_model()}, {os.cpu_count()} cores, Python {platform.python_version()}\n")
    print("| measure | value |")
    print("|---|---|")
    print(f"| updates | {total} in {elapsed:.0f} s; {answered} replies |")
    print(f"| bot memory (VmRSS) after 2,000 updates → at the end | {warm:.1f} → {end:.1f} MiB "
          f"({end - warm:+.1f} MiB) |")
    print(f"| unanswered log | {rows} rows kept, {dropped} over the daily cap counted; database {size:.1f} MiB |")
    print(f"| journal | {journal} |")
    print(f"| bot memory along the way | {', '.join(f'{n}: {m:.1f}' for n, m in checkpoints)} MiB |")
    print(f"| /unanswered reply | {' then '.join(f'{t:.2f} s' for t in unanswered_s)} |")
    print(f"| faqbot report | {report_s:.2f} s (process start and knowledge load included) |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--updates", type=int, default=20000)
    parser.add_argument("--rate", type=float, default=150.0, help="updates offered per second")
    args = parser.parse_args()
    asyncio.run(main(args.updates, args.rate))
