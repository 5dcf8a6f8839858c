"""Methods that hand the bot its updates: getUpdates (long polling) and webhooks."""

from __future__ import annotations

import asyncio
import copy
import logging
import re

from ..wire import ApiError, JSONDict, bad_request
from .base import Handler, MethodGroup

__all__ = ["UpdateMethods"]

logger = logging.getLogger(__name__)


class UpdateMethods(MethodGroup):
    def table(self) -> dict[str, Handler]:
        return {
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
        }

    async def _get_updates(self, params: JSONDict) -> list[JSONDict]:
        """Long polling: wait up to ``timeout`` s for updates after confirming ``offset``."""
        if self.webhook.url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        queue = self.updates
        generation = queue.next_poll()  # wakes an older long poll, which now ends with 409
        queue.set_allowed(params)
        queue.confirm(params.get("offset"))
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + min(max(int(params.get("timeout") or 0), 0), 600)
        while True:
            if generation != queue.poll_generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; "
                    "make sure that only one bot instance is running",
                )
            remaining = deadline - loop.time()
            if queue.pending or remaining <= 0 or queue.signal.closing:
                return copy.deepcopy(queue.pending[:limit])
            await queue.signal.wait(remaining)

    async def _set_webhook(self, params: JSONDict) -> bool:
        url = params["url"]
        if not url:
            return await self._delete_webhook(params)
        if not re.match(r"^https?://[^/\s]+", url):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
            raise bad_request("bad webhook: secret token contains unallowed characters")
        if params.get("drop_pending_updates"):
            self.updates.pending.clear()
        self.updates.set_allowed(params)
        self.webhook.set(url, secret, params.get("max_connections"))
        self.updates.next_poll()  # a running long poll ends (with 409)
        logger.info("Webhook set to %s", self.redact(url))
        self.events.emit("webhook_set", url=self.redact(url))
        return True

    async def _delete_webhook(self, params: JSONDict) -> bool:
        if params.get("drop_pending_updates"):
            self.updates.pending.clear()
        await self.webhook.delete()
        return True

    def _get_webhook_info(self, params: JSONDict) -> JSONDict:
        info: JSONDict = {
            "url": self.webhook.url,
            "has_custom_certificate": False,
            "pending_update_count": len(self.updates.pending),
        }
        settings = self.webhook.settings
        if self.webhook.url:
            info["max_connections"] = settings["max_connections"]
            if self.updates.allowed:
                info["allowed_updates"] = list(self.updates.allowed)
            for key in ("last_error_date", "last_error_message"):
                if key in settings:
                    info[key] = settings[key]
        return info
