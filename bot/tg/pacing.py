"""Telegram's flood limits, kept: the overall sliding window and the rate limiter every call goes through.

Group pacing figures and the merging of repeated group answers are throttle.py's.
"""

from __future__ import annotations

import asyncio
import collections

from telegram.ext import AIORateLimiter

from .durable import CURRENT
from .settings import TelegramSettings
from .throttle import group_limiter_rates


class SlidingWindow:
    """At most `limit` requests in any `window` seconds as Telegram counts them, first come
    first served.

    Telegram counts a message when it arrives, somewhere between the moment the bot sends
    it and the moment the answer is back; network and scheduling jitter move that moment.
    So a request holds its place from when it is let go until `window` seconds after its
    answer came back: however late it arrived, it is out of Telegram's window before the
    request that takes its place can arrive. aiolimiter's leaky bucket (AIORateLimiter's
    default) had to be set to half the rate to stay under the limit, which held the bot
    at 15 replies a second (bench/telegram_rates.py)."""

    def __init__(self, limit: int, window: float = 1.0):
        self.limit, self.window = max(1, int(limit)), window
        self._done: collections.deque[float] = collections.deque()  # when answers came back
        self._on_the_wire: dict[asyncio.Task | None, int] = {}
        self._lock = asyncio.Lock()
        self.paused: asyncio.Event | None = None  # set while sending is allowed (after a 429: cleared)

    async def __aenter__(self) -> None:
        async with self._lock:
            loop = asyncio.get_running_loop()
            while True:
                # A 429 pauses every send: wait it out before taking a place in the window,
                # or everything let go meanwhile would arrive at once when it ends.
                if self.paused is not None:
                    await self.paused.wait()
                now = loop.time()
                while self._done and self._done[0] <= now - self.window:
                    self._done.popleft()
                busy = len(self._done) + sum(self._on_the_wire.values())
                if busy < self.limit:
                    task = asyncio.current_task()
                    self._on_the_wire[task] = self._on_the_wire.get(task, 0) + 1
                    return
                wait = self._done[0] + self.window - now if self._done else 0.01
                await asyncio.sleep(max(wait, 0.001))

    async def __aexit__(self, *exc_info) -> None:
        task = asyncio.current_task()
        count = self._on_the_wire.get(task, 0)
        if count <= 1:
            self._on_the_wire.pop(task, None)
        else:
            self._on_the_wire[task] = count - 1
        self._done.append(asyncio.get_running_loop().time())


class MarkingRateLimiter(AIORateLimiter):
    """AIORateLimiter that marks when a request is on the wire (between the limiter's
    waiting and Telegram's answer), so a shutdown never cancels a send halfway; and
    whose overall limit is a sliding window (`overall_window`, if given)."""

    def __init__(self, *args, overall_window: SlidingWindow | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if overall_window is not None:
            # python-telegram-bot 22: `async with` it per request, all a SlidingWindow offers too
            self._base_limiter = overall_window  # type: ignore[assignment]
            overall_window.paused = self._retry_after_event

    async def process_request(self, callback, args, kwargs, endpoint, data, rate_limit_args):
        async def marked(*a, **k):
            handling = CURRENT.get()
            if handling is None:
                return await callback(*a, **k)
            handling.in_request += 1
            try:
                return await callback(*a, **k)
            finally:
                handling.in_request -= 1

        return await super().process_request(marked, args, kwargs, endpoint, data, rate_limit_args)


def rate_limiter(settings: TelegramSettings) -> AIORateLimiter | None:
    """Waits before sends that would break Telegram's flood limits, and retries after a 429."""
    if not settings.rate_limit:
        return None
    group_rate, group_period = group_limiter_rates(settings.group_rate, settings.group_period)
    # Overall: a sliding window of one second, counted as Telegram counts (see SlidingWindow),
    # one message short of the limit. The leaky bucket AIORateLimiter has by default held
    # the bot at half the limit (see bench/telegram_rates.py).
    window = SlidingWindow(max(settings.overall_rate - 1, 1), 1.0)
    return MarkingRateLimiter(overall_max_rate=1, overall_time_period=1, overall_window=window,
                              group_max_rate=group_rate, group_time_period=group_period,
                              max_retries=settings.max_retries)
