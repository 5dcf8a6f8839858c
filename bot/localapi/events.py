"""The event stream: everything that happens in the simulated world, in order.

Users acting, the bot's messages and edits, errors, settings changed: each is one event
with an id (1, 2, ...), a type, a date and its data. The playground's page follows the
stream through the control API; tests and benchmarks read :attr:`EventLog.events`.
One :class:`Signal` wakes whoever waits for a change: event readers, long polls, the webhook.
"""

from __future__ import annotations

import asyncio
import copy
from typing import Any

from .records import now
from .wire import JSONDict

__all__ = ["EventLog", "Signal"]


class Signal:
    """Wake every waiter when something changes; usable from synchronous code.

    Also says when the server is closing, so that long polls and waits end at once.
    """

    def __init__(self) -> None:
        self._event = asyncio.Event()
        self.closing = False

    def notify(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    def close(self) -> None:
        self.closing = True
        self.notify()

    async def wait(self, timeout: float) -> bool:
        event = self._event
        try:
            await asyncio.wait_for(event.wait(), max(timeout, 0))
            return True
        except asyncio.TimeoutError:
            return False


class EventLog:
    """Events in order; adding one wakes everything waiting on the server's signal."""

    def __init__(self, signal: Signal) -> None:
        self.signal = signal
        self.events: list[JSONDict] = []

    def emit(self, kind: str, **data: Any) -> JSONDict:
        """Add an event of type ``kind``; its data is copied, so later changes do not leak in."""
        event = {"id": len(self.events) + 1, "type": kind, "date": now(), **copy.deepcopy(data)}
        self.events.append(event)
        self.signal.notify()
        return event

    def after(self, after: int = 0) -> list[JSONDict]:
        """The events with ids above ``after``."""
        return self.events[max(after, 0) :]

    @property
    def last_id(self) -> int:
        return len(self.events)
