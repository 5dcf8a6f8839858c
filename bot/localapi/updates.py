"""The queue of updates for the bot, fetched by getUpdates or pushed to a webhook."""

from __future__ import annotations

import copy
import itertools

from .events import Signal
from .schema import Spec
from .wire import JSONDict, SpecCheck

__all__ = ["UpdateQueue", "OPT_IN_UPDATES"]

# Update kinds Telegram leaves out unless allowed_updates asks for them explicitly.
OPT_IN_UPDATES = {"chat_member", "message_reaction", "message_reaction_count"}


class UpdateQueue:
    """Pending updates in order, filtered by the bot's allowed_updates.

    ``poll_generation`` grows with every getUpdates call and setWebhook, so that a long
    poll overtaken by a newer one (or by a webhook) can end with Telegram's 409.
    """

    def __init__(self, spec: Spec, check: SpecCheck, signal: Signal) -> None:
        self.spec = spec
        self.check = check
        self.signal = signal
        self.pending: list[JSONDict] = []
        self.allowed: list[str] = []
        self.update_ids = itertools.count(100_000_001)
        self.poll_generation = 0

    def enqueue(self, kind: str, obj: JSONDict) -> None:
        """Queue an update for getUpdates / the webhook, unless allowed_updates excludes it."""
        allowed = self.allowed or [k for k in self.spec.update_kinds() if k not in OPT_IN_UPDATES]
        if kind not in allowed:
            return
        update = {"update_id": next(self.update_ids), kind: copy.deepcopy(obj)}
        self.check(update, "Update", f"update {kind}")
        self.pending.append(update)
        self.signal.notify()

    def confirm(self, offset: int | None) -> None:
        """Forget updates below ``offset``; a negative offset keeps only the last -offset."""
        if offset is None:
            return
        if offset < 0:
            del self.pending[: max(len(self.pending) + offset, 0)]
        else:
            self.pending[:] = [u for u in self.pending if u["update_id"] >= offset]

    def set_allowed(self, params: JSONDict) -> None:
        """Take the request's allowed_updates, if it has the parameter (empty: the default)."""
        if "allowed_updates" in params:
            self.allowed = list(params["allowed_updates"] or [])

    def next_poll(self) -> int:
        """Start a new long poll (or a webhook): older polls end with 409."""
        self.poll_generation += 1
        self.signal.notify()
        return self.poll_generation
