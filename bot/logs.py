"""Logging that cannot flood the disk: identical lines are rate-limited.

A failure that repeats (a network outage, a poisoned update, a broken edit) would
otherwise write the same line many times a second. :class:`RepeatFilter` lets a line
through `burst` times per `window` seconds; after that it is held back and counted, and
the next time it passes it says how many were held back.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable


class RepeatFilter(logging.Filter):
    def __init__(self, burst: int = 3, window: float = 60.0, clock: Callable[[], float] = time.monotonic,
                 max_keys: int = 1000):
        super().__init__()
        self.burst, self.window, self.clock, self.max_keys = burst, window, clock, max_keys
        self._seen: dict[tuple, list] = {}  # key -> [window start, passed, held back]

    def filter(self, record: logging.LogRecord) -> bool:
        key = (record.name, record.levelno, str(record.msg), _args_key(record.args))
        now = self.clock()
        seen = self._seen.get(key)
        if seen is None or now - seen[0] >= self.window:
            held = seen[2] if seen is not None else 0
            if len(self._seen) >= self.max_keys:
                self._forget(now)
            self._seen[key] = [now, 1, 0]
            if held:
                record.msg, record.args = f"{record.getMessage()} (and {held} more like it held back)", None
            return True
        if seen[1] < self.burst:
            seen[1] += 1
            return True
        seen[2] += 1
        return False

    def _forget(self, now: float) -> None:
        expired = [k for k, v in self._seen.items() if now - v[0] >= self.window]
        for key in expired or list(self._seen)[: self.max_keys // 2]:
            del self._seen[key]


def _args_key(args) -> tuple:
    if isinstance(args, tuple):
        return tuple(str(a)[:200] for a in args)
    return (str(args)[:200],) if args is not None else ()
