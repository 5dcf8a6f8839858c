"""The control API: the simulated world seen and driven from outside the Bot API.

:class:`ControlApi` is public Python (the playground and tests use it) and is also served
as JSON under ``/_local/`` for the playground's browser page:

* ``GET /_local/state``: bot, users, chats with their messages, commands, webhook;
* ``GET /_local/events?after=N&timeout=S``: the event stream, long-polled;
* ``POST /_local/users``, ``/_local/chats``: add a user, a private chat or a group;
* ``POST /_local/send``, ``/_local/press``, ``/_local/inline``, ``/_local/choose_inline``:
  a user acts;
* ``POST /_local/faults``: inject a fault.

Replies are ``{"ok": true, "result": ...}`` or ``{"ok": false, "description": ...}`` (400).
"""

from __future__ import annotations

import asyncio
import inspect
import json
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from .actions import UserActions
from .events import EventLog
from .faults import FaultInjector
from .methods import Handler, Parts
from .wire import ApiError, JSONDict, SpecCheck

__all__ = ["ControlApi"]

ControlHandler = Callable[[JSONDict], Any]


class ControlApi:
    """See and drive the world: a snapshot, the event stream, users acting, faults."""

    def __init__(
        self,
        parts: Parts,
        actions: UserActions,
        faults: FaultInjector,
        check: SpecCheck,
        get_me: Handler,
    ) -> None:
        self.parts = parts
        self.world = parts.world
        self.events: EventLog = parts.events
        self.actions = actions
        self.faults = faults
        self.check = check
        self.get_me = get_me

    # ------------------------------------------------------------------ Python API
    def emit(self, kind: str, **data: Any) -> JSONDict:
        """Add an event of type ``kind`` to the stream, e.g. a notice for the playground's page."""
        return self.events.emit(kind, **data)

    async def wait_for_events(self, after: int = 0, timeout: float = 0.0) -> list[JSONDict]:
        """The events after ``after``, waiting up to ``timeout`` s (at most 60) for one."""
        signal = self.events.signal
        loop = asyncio.get_running_loop()
        deadline = loop.time() + min(timeout, 60.0)
        while self.events.last_id <= after and not signal.closing and loop.time() < deadline:
            await signal.wait(deadline - loop.time())
        return self.events.after(after)

    def state(self) -> JSONDict:
        """A snapshot of the world, as the playground's page shows it."""
        profile, updates = self.parts.profile, self.parts.updates
        return {
            "bot": self.get_me({}),
            "users": list(self.world.users.values()),
            "chats": [
                {
                    "chat": s.chat,
                    "members": s.members,
                    "admins": s.admins,
                    "privacy_mode": s.privacy_mode,
                    "bot_is_admin": s.bot_is_admin,
                    "messages": [
                        {
                            "message": m.message,
                            "html": m.html,
                            "from_bot": m.from_bot,
                            "delivered": m.delivered,
                            "deleted": m.deleted,
                        }
                        for m in s.messages.values()
                    ],
                }
                for s in self.world.chats.values()
            ],
            "commands": [
                {"scope": scope, "language_code": lang, "commands": cmds}
                for (scope, lang), cmds in profile.commands.items()
            ],
            "descriptions": profile.descriptions,
            "short_descriptions": profile.short_descriptions,
            "webhook": {"url": self.parts.redact(self.parts.webhook.url)},
            "pending_updates": len(updates.pending),
            "last_event_id": self.events.last_id,
            "schema_violations": self.check.violations,
        }

    # ------------------------------------------------------------------ JSON over HTTP
    def add_routes(self, app: web.Application) -> None:
        routes: list[tuple[str, str, ControlHandler]] = [
            ("GET", "/_local/state", lambda body: self.state()),
            ("GET", "/_local/events", self._events),
            ("POST", "/_local/users", self._add_user),
            ("POST", "/_local/chats", self._add_chat),
            ("POST", "/_local/send", self._send),
            ("POST", "/_local/press", self._press),
            ("POST", "/_local/inline", self._inline),
            ("POST", "/_local/choose_inline", self._choose_inline),
            ("POST", "/_local/faults", self._fault),
        ]
        for verb, path, handler in routes:
            app.router.add_route(verb, path, _json_endpoint(handler))

    async def _events(self, body: JSONDict) -> JSONDict:
        events = await self.wait_for_events(int(body.get("after", 0)), float(body.get("timeout", 0)))
        return {"events": events, "last_event_id": self.events.last_id}

    def _add_user(self, body: JSONDict) -> JSONDict:
        return self.world.add_user(
            body["first_name"],
            last_name=body.get("last_name"),
            username=body.get("username"),
            language_code=body.get("language_code"),
        )

    def _add_chat(self, body: JSONDict) -> JSONDict:
        if body.get("type", "private") == "private":
            return self.world.private_chat(int(body["user_id"]))
        return self.world.add_group(
            body["title"],
            members=[int(u) for u in body.get("member_ids", [])],
            admins=[int(u) for u in body.get("admin_ids", [])],
            privacy_mode=body.get("privacy_mode"),
            bot_is_admin=bool(body.get("bot_is_admin", False)),
            supergroup=body.get("type", "supergroup") == "supergroup",
        )

    def _send(self, body: JSONDict) -> JSONDict:
        reply_to = body.get("reply_to_message_id")
        return self.actions.user_sends(
            int(body["user_id"]),
            int(body["chat_id"]),
            body["text"],
            reply_to=int(reply_to) if reply_to else None,
        )

    def _press(self, body: JSONDict) -> JSONDict:
        if body.get("inline_message_id"):
            target: Any = body["inline_message_id"]
        else:
            target = self.world.message(int(body["chat_id"]), int(body["message_id"]))
        query_id = self.actions.user_presses(int(body["user_id"]), target, body["callback_data"])
        return {"callback_query_id": query_id}

    def _inline(self, body: JSONDict) -> JSONDict:
        query_id = self.actions.user_inline_query(
            int(body["user_id"]), body.get("query", ""), chat_type=body.get("chat_type", "sender")
        )
        return {"inline_query_id": query_id}

    def _choose_inline(self, body: JSONDict) -> JSONDict | None:
        chat_id = body.get("chat_id")
        return self.actions.user_chooses_inline_result(
            int(body["user_id"]),
            str(body["inline_query_id"]),
            str(body["result_id"]),
            int(chat_id) if chat_id else None,
        )

    def _fault(self, body: JSONDict) -> JSONDict:
        fault = self.faults.inject(
            body.get("method"),
            body.get("kind", "429"),
            retry_after=int(body.get("retry_after", 1)),
            status=int(body.get("status", 502)),
            delay=float(body.get("delay", 1.0)),
            times=body.get("times", 1),
        )
        return {"kind": fault.kind, "method": fault.method, "times": fault.times}


def _json_endpoint(handler: ControlHandler) -> Callable[[web.Request], Awaitable[web.Response]]:
    """Wrap a control handler: JSON in (body or query), ``{"ok", "result"}`` out."""

    async def endpoint(request: web.Request) -> web.Response:
        body: JSONDict = dict(request.query)
        if request.can_read_body:
            try:
                body.update(await request.json())
            except (json.JSONDecodeError, TypeError, ValueError):
                return web.json_response({"ok": False, "description": "body must be a JSON object"}, status=400)
        try:
            result = handler(body)
            if inspect.isawaitable(result):
                result = await result
        except ApiError as error:
            return web.json_response({"ok": False, "description": error.description}, status=400)
        except (KeyError, ValueError, TypeError) as error:
            return web.json_response({"ok": False, "description": f"{type(error).__name__}: {error}"}, status=400)
        return web.json_response({"ok": True, "result": result}, dumps=lambda o: json.dumps(o, ensure_ascii=False))

    return endpoint
