"""The Bot API endpoint, ``/bot<token>/<method>``: one request from start to reply.

Authenticate, decode (:mod:`.wire`), maybe inject a fault (:mod:`.faults`), run the
method (:mod:`.methods`), check the result against the spec, reply in Telegram's shape.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Callable
from typing import Any

from aiohttp import web

from .events import EventLog
from .faults import Fault, FaultInjector
from .limits import FloodControl
from .methods import Handler
from .schema import Spec
from .wire import (
    ApiError,
    JSONDict,
    SpecCheck,
    bad_request,
    decode_params,
    describe_problem,
    dumps,
    read_params,
    too_many_requests,
)

__all__ = ["BotApiEndpoint"]

logger = logging.getLogger(__name__)


class BotApiEndpoint:
    """Answers Bot API requests. ``requests`` logs each one (method, params, status,
    description); ``server_errors`` the bugs of this server (answered with 500)."""

    def __init__(
        self,
        token: str,
        methods: dict[str, Handler],
        *,
        check: SpecCheck,
        faults: FaultInjector,
        flood: FloodControl,
        events: EventLog,
        redact: Callable[[str], str],
    ) -> None:
        self.token = token
        self.methods = methods
        self.check = check
        self.spec: Spec = check.spec
        self.faults = faults
        self.flood = flood
        self.events = events
        self.redact = redact
        self.requests: list[JSONDict] = []
        self.server_errors: list[str] = []

    def add_routes(self, app: web.Application) -> None:
        app.router.add_route("*", "/bot{token}/{method}", self.handle)
        app.router.add_route("*", "/file/bot{token}/{path:.*}", self.handle_file)

    async def handle_file(self, request: web.Request) -> web.Response:
        return web.json_response(ApiError(404, "Not Found").payload(), status=404)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """One Bot API call: authenticate, decode, maybe inject a fault, run, validate."""
        name = request.match_info["method"]
        if request.match_info["token"] != self.token:
            return self._reply(request, name, {}, ApiError(401, "Unauthorized"))
        method = self.spec.method_name(name)
        if method is None:
            return self._reply(request, name, {}, ApiError(404, "Not Found"))
        try:
            params = decode_params(self.spec, method, await read_params(request))
        except ApiError as error:
            return self._reply(request, method, {}, error)
        fault = self.faults.take(method, params)
        if fault is not None:
            logger.info("Injecting %s into %s %s", fault.kind, request.method, self.redact(request.path))
            early = await self._apply_fault(fault, request, method, params)
            if early is not None:
                return early
        try:
            result = await self._call(method, params)
        except ApiError as error:
            return self._reply(request, method, params, error)
        except Exception as exc:  # a bug in this server: report it, answer like Telegram's 500
            logger.exception("Local Bot API server failed on %s", method)
            self.server_errors.append(f"{method}: {exc!r}")
            return self._reply(request, method, params, ApiError(500, "Internal Server Error"))
        if fault is not None and fault.kind == "drop_after":
            return self._drop(request, method, params)
        return self._reply(request, method, params, result)

    async def _call(self, method: str, params: JSONDict) -> Any:
        handler = self.methods.get(method)
        if handler is None:
            raise bad_request("method not implemented in the local server")
        problems = self.spec.check_params(method, params)
        if problems:
            raise bad_request(describe_problem(problems[0]))
        result = handler(params)
        if inspect.isawaitable(result):
            result = await result
        self.check(result, self.spec.method_returns(method), f"{method} result")
        return result

    def _reply(self, request: web.Request, method: str, params: JSONDict, outcome: Any) -> web.Response:
        if isinstance(outcome, ApiError):
            body, status = outcome.payload(), outcome.code
            self.events.emit("api_error", method=method, error_code=outcome.code, description=outcome.description)
        else:
            body, status = {"ok": True, "result": outcome}, 200
        self.requests.append(
            {"method": method, "params": params, "status": status, "description": body.get("description")}
        )
        logger.debug("%s %s -> %s", request.method, self.redact(request.path), status)
        return web.json_response(body, status=status, dumps=dumps)

    def _drop(self, request: web.Request, method: str, params: JSONDict) -> web.Response:
        """Close the connection without an answer, like a network failure mid-request."""
        self.requests.append({"method": method, "params": params, "status": None, "description": "dropped"})
        if request.transport is not None:
            request.transport.close()
        return web.Response(status=204)

    async def _apply_fault(
        self, fault: Fault, request: web.Request, method: str, params: JSONDict
    ) -> web.StreamResponse | None:
        """Answer for an injected fault; None lets the request proceed (slow, drop_after)."""
        if fault.kind == "429":
            self.flood.rate_limit_hits["injected"] += 1
            return self._reply(request, method, params, too_many_requests(fault.retry_after))
        if fault.kind == "5xx":
            description = "Internal Server Error" if fault.status == 500 else "Bad Gateway"
            return self._reply(request, method, params, ApiError(fault.status, description))
        if fault.kind == "slow":
            await asyncio.sleep(fault.delay)
            return None
        if fault.kind == "drop":
            return self._drop(request, method, params)
        return None
