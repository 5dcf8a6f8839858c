"""Webhook delivery: POST pending updates, in order, to the bot's URL until each gets a 2xx."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

import aiohttp

from .events import EventLog
from .records import now
from .updates import UpdateQueue
from .wire import JSONDict

__all__ = ["Webhook"]

logger = logging.getLogger(__name__)


class Webhook:
    """The bot's webhook (``settings``: url, secret_token, max_connections, last error)
    and the task that delivers to it while it is set."""

    def __init__(
        self, updates: UpdateQueue, events: EventLog, redact: Callable[[str], str], retry_delay: float
    ) -> None:
        self.updates = updates
        self.events = events
        self.redact = redact
        self.retry_delay = retry_delay
        self.settings: JSONDict = {"url": ""}
        self._task: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        return str(self.settings["url"])

    def set(self, url: str, secret: str | None, max_connections: int | None) -> None:
        """Deliver to ``url`` from now on (starts delivering if it was not running)."""
        self.settings = {"url": url, "secret_token": secret, "max_connections": max_connections or 40}
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._deliver())

    async def delete(self) -> None:
        if self.url:
            self.events.emit("webhook_deleted")
        self.settings = {"url": ""}
        await self.stop()

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _deliver(self) -> None:
        """POST pending updates, in order, to the webhook; retry each until it gets a 2xx."""
        pending = self.updates.pending
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
            while not self.updates.signal.closing and self.url:
                if not pending:
                    await self.updates.signal.wait(1.0)
                    continue
                update = pending[0]
                error = await self._post(session, update)
                if error is None:
                    if pending and pending[0] is update:
                        pending.pop(0)
                    self.events.emit("webhook_delivery", update_id=update["update_id"], ok=True)
                    continue
                self.settings.update(last_error_date=now(), last_error_message=error)
                self.events.emit("webhook_delivery", update_id=update["update_id"], ok=False, error=error)
                logger.warning("Webhook delivery failed: %s", error)
                await asyncio.sleep(self.retry_delay)

    async def _post(self, session: aiohttp.ClientSession, update: JSONDict) -> str | None:
        headers = {}
        if self.settings.get("secret_token"):
            headers["X-Telegram-Bot-Api-Secret-Token"] = self.settings["secret_token"]
        try:
            async with session.post(self.url, json=update, headers=headers) as response:
                if 200 <= response.status < 300:
                    return None
                return f"Wrong response from the webhook: {response.status} {response.reason}"
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # any network failure is a delivery error to report, then retry
            return self.redact(f"Connection failed: {exc!r}")
