"""`faqbot run` in a process of its own against a local Bot API server, for the benchmarks
that measure the bot as deployed."""

from __future__ import annotations

import asyncio
import os
import sys
from contextlib import asynccontextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


FAQBOT_RUN = (sys.executable, "-m", "bot", "run")


@asynccontextmanager
async def bot_process(api, workdir: Path, token: str, command: tuple[str, ...] = FAQBOT_RUN,
                      ready_after: str = "setMyShortDescription", ready_count: int = 2, **settings: str):
    """Start the bot (`faqbot run`, or `command`) with `settings` (FAQBOT_… variables) and none
    of the caller's own; wait until it has made `ready_count` `ready_after` calls (`faqbot run`
    sets its menus, then polls); stop it on leaving. Its log: workdir/bot.log."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "FAQBOT_"))}
    env.update(TELEGRAM_BOT_TOKEN=token, TELEGRAM_API_URL=api.base_url, FAQBOT_WATCH="off", **settings)
    before = len(api.requests)  # another bot may have used this server before
    with open(workdir / "bot.log", "wb") as log:
        process = await asyncio.create_subprocess_exec(
            *command, env=env, cwd=ROOT, stdout=asyncio.subprocess.DEVNULL, stderr=log)
    try:
        await api.wait_for(lambda: sum(r["method"] == ready_after for r in api.requests[before:]) >= ready_count,
                           timeout=60)
        yield process
    finally:
        process.terminate()
        await process.wait()


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process has used so far (Linux: /proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
