"""Telegram's flood limits: which bot messages are accepted now, and which get 429.

Only accepted sent messages count (not edits or failures), as on Telegram.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from dataclasses import dataclass

from .records import ChatState
from .wire import too_many_requests

__all__ = ["RateLimits", "FloodControl"]


@dataclass
class RateLimits:
    """Telegram's flood limits, scaled to taste (tests shrink windows to stay fast).

    Private chats: a token bucket - sustained ``private_per_second`` messages per second
    with bursts of up to ``private_burst``. Groups: at most ``group_per_minute`` messages
    in any sliding ``group_window`` seconds. Everything: ``global_per_second`` messages in
    any sliding second. Only accepted sent messages count (not edits or failures).
    """

    enabled: bool = True
    private_per_second: float = 1.0
    private_burst: int = 3
    group_per_minute: int = 20
    group_window: float = 60.0
    global_per_second: int = 30


class FloodControl:
    """Admits the bot's messages under :class:`RateLimits` and counts the refusals.

    ``rate_limit_hits`` counts 429s per chat id, in ``"total"``, and the injected ones
    (see :mod:`.faults`) in ``"injected"``.
    """

    def __init__(self, limits: RateLimits) -> None:
        self.limits = limits
        self.global_sent_times: list[float] = []
        self.rate_limit_hits: Counter[int | str] = Counter()

    def admit(self, state: ChatState) -> None:
        """Accept one more bot message for ``state`` or raise 429 with retry_after."""
        now = time.monotonic()
        if self.limits.enabled:
            wait = max(self._global_wait(now), self._chat_wait(state, now))
            if wait > 0:
                retry_after = max(1, math.ceil(wait))
                self.rate_limit_hits[state.id] += 1
                self.rate_limit_hits["total"] += 1
                raise too_many_requests(retry_after)
        if state.type == "private":
            state.bucket_tokens = self._bucket_level(state, now) - 1
            state.bucket_time = now
        state.sent_times.append(now)
        self.global_sent_times.append(now)

    def max_in_window(self, state: ChatState | None, window: float) -> int:
        """Most accepted bot messages in any sliding ``window`` seconds (None: all chats)."""
        times = self.global_sent_times if state is None else state.sent_times
        best, start = 0, 0
        for end, moment in enumerate(times):
            while times[start] <= moment - window:
                start += 1
            best = max(best, end - start + 1)
        return best

    def _global_wait(self, now: float) -> float:
        return _window_wait(self.global_sent_times, self.limits.global_per_second, 1.0, now)

    def _chat_wait(self, state: ChatState, now: float) -> float:
        if state.is_group:
            return _window_wait(state.sent_times, self.limits.group_per_minute, self.limits.group_window, now)
        level = self._bucket_level(state, now)
        return 0.0 if level >= 1 else (1 - level) / self.limits.private_per_second

    def _bucket_level(self, state: ChatState, now: float) -> float:
        if not state.sent_times:
            return float(self.limits.private_burst)
        refill = (now - state.bucket_time) * self.limits.private_per_second
        return min(float(self.limits.private_burst), state.bucket_tokens + refill)


def _window_wait(times: list[float], limit: int, window: float, now: float) -> float:
    """Seconds until a sliding ``window`` holds fewer than ``limit`` of ``times``."""
    recent = [t for t in times[-limit:] if t > now - window]
    if len(recent) < limit:
        return 0.0
    return recent[0] + window - now
