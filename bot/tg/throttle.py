"""Group etiquette: stay under Telegram's per-group limit, and don't repeat an answer.

Two separate mechanisms:

* **Pacing** is done by python-telegram-bot's ``AIORateLimiter``: a send to a group waits
  until the group has room, so an answer is delayed, never dropped.
  :func:`group_limiter_rates` turns Telegram's "N messages per window" into the limiter's
  settings.
* **Merging** (:class:`RecentAnswers`): when a group asks for the same answer twice
  within a short window, the second is not posted.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


def group_limiter_rates(limit: int, window: float) -> tuple[float, float]:
    """``(max_rate, time_period)`` for AIORateLimiter's group limiter so that no sliding
    ``window`` ever holds more than ``limit`` messages.

    AIORateLimiter uses a leaky bucket: it lets ``max_rate`` messages through at once, then
    one every ``time_period / max_rate`` seconds. Given the plain figures (20 per 60 s) it
    would allow 20 at once and 20 more during the next minute - 40 in one minute, which
    Telegram answers with a 429 that halts *every* send of the bot for its retry_after.
    So the burst is a quarter of the limit and the leak rate fills the rest of the window:
    burst + rate x window = limit (20 per minute: 5 at once, then one every 4 s).
    """
    if limit <= 0 or window <= 0:
        return 0, 0  # AIORateLimiter: no group limit
    burst = max(1, limit // 4)
    rate = max(limit - burst, 1) / window  # messages per second after the burst
    return float(burst), burst / rate


@dataclass
class _Posted:
    at: float
    message_id: int | None  # None while the answer is still on its way


class RecentAnswers:
    """Which answers each group got recently, to post a repeated question's answer once.

    The key is (chat, forum topic, entry, language): in a bilingual group a Chinese answer
    does not repeat an English one, and in a forum group an answer in one topic is not on
    screen in another, so it is posted there too (`thread` is the topic's
    message_thread_id; None outside forum topics). A question is *claimed* the moment it is decided - before the
    send, which may wait for the rate limiter - so two identical questions arriving
    together are merged too.

    What the second asker gets: nothing new in the chat. The earlier answer is on screen
    (at most ``window`` seconds old, usually a few messages up), and a reply pointing at
    it would cost a message of the group's budget - the very thing merging saves. A button
    press asking for a repeated answer gets a private "answered just above" notice instead,
    which is free (see handlers). Private chats are never merged.
    """

    def __init__(self, window: float = 60.0, clock: Callable[[], float] = time.monotonic):
        self.window = window
        self.clock = clock
        self._posted: dict[tuple[int, int | None, str, str], _Posted] = {}

    def claim(self, chat_id: int, entry_id: str, lang: str, thread: int | None = None) -> bool:
        """True if this answer may be posted now (and reserve it); False if it is a repeat."""
        now = self.clock()
        self._forget_old(now)
        key = (chat_id, thread, entry_id, lang)
        if key in self._posted:
            return False
        self._posted[key] = _Posted(now, None)
        return True

    def posted(self, chat_id: int, entry_id: str, lang: str, message_id: int, thread: int | None = None) -> None:
        """The answer went out; the window now runs from this moment."""
        self._posted[(chat_id, thread, entry_id, lang)] = _Posted(self.clock(), message_id)

    def release(self, chat_id: int, entry_id: str, lang: str, thread: int | None = None) -> None:
        """The send failed: let the next asker have it."""
        self._posted.pop((chat_id, thread, entry_id, lang), None)

    def is_recent(self, chat_id: int, entry_id: str, lang: str, thread: int | None = None) -> bool:
        """Posted within the window, or on its way."""
        self._forget_old(self.clock())
        return (chat_id, thread, entry_id, lang) in self._posted

    def _forget_old(self, now: float) -> None:
        # An answer still waiting for the rate limiter stays claimed however long it waits:
        # queueing a copy behind it would only lengthen the queue.
        expired = [key for key, posted in self._posted.items()
                   if posted.message_id is not None and now - posted.at >= self.window]
        for key in expired:
            del self._posted[key]
