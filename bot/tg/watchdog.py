"""Background work that must not die quietly: run it, restart it when it fails, and tell
the admins when it keeps failing (the knowledge watcher, see admin.start_background)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)

FIRST_DELAY = 1.0  # seconds before the first restart, doubled after each failure ...
MAX_DELAY = 60.0  # ... up to this
HEALTHY_AFTER = 60.0  # a run this long resets the count of failures in a row
TELL_AFTER = 3  # failures in a row before the admins are told


async def supervise(name: str, run: Callable[[], Awaitable[None]],
                    tell: Callable[[str], Awaitable[None]] | None = None, *,
                    first_delay: float = FIRST_DELAY, max_delay: float = MAX_DELAY,
                    healthy_after: float = HEALTHY_AFTER, tell_after: int = TELL_AFTER) -> None:
    """Run `run()` until cancelled; after it fails (or returns), wait and run it again.

    When it fails `tell_after` times in a row, `tell(text)` is called once (until it has
    run `healthy_after` seconds without failing again); the restarts go on regardless."""
    loop = asyncio.get_running_loop()
    failures, delay, told = 0, first_delay, False
    while True:
        started = loop.time()
        try:
            await run()
            problem = "stopped"
            log.warning("%s stopped; starting it again in %.0f s", name, delay)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # noqa: BLE001 - the point is to survive every error
            problem = f"{type(error).__name__}: {error}"
            log.exception("%s failed; starting it again in %.0f s", name, delay)
        if loop.time() - started >= healthy_after:
            failures, delay, told = 0, first_delay, False
        failures += 1
        if failures >= tell_after and not told and tell is not None:
            told = True
            try:
                await tell(f"{name} failed {failures} times in a row ({problem[:300]}). It keeps restarting; "
                           "until it works, use /reload after editing.")
            except Exception:  # noqa: BLE001 - telling is best effort
                log.exception("could not tell the admins that %s fails", name)
        await asyncio.sleep(delay)
        delay = min(delay * 2, max_delay)
