"""`faqbot run` in a process of its own against a local Bot API server, for the benchmarks
that measure the bot as deployed."""

from __future__ import annotations

import asyncio
import os
import sys
from contextlib import asynccontextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@asynccontextmanager
async def bot_process(api, workdir: Path, token: str, **settings: str):
    """Start the bot with `settings` (FAQBOT_… variables) and none of the caller's own; wait
    until it has set its menus (it is polling then); stop it on leaving. Its log: workdir/bot.log."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "FAQBOT_"))}
    env.update(TELEGRAM_BOT_TOKEN=token, TELEGRAM_API_URL=api.base_url, FAQBOT_WATCH="off", **settings)
    with open(workdir / "bot.log", "wb") as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", env=env, cwd=ROOT, stdout=asyncio.subprocess.DEVNULL, stderr=log)
    try:
        await api.wait_for(lambda: sum(r["method"] == "setMyShortDescription" for r in api.requests) >= 2,
                           timeout=60)
        yield process
    finally:
        process.terminate()
        await process.wait()
