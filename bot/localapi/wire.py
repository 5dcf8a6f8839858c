"""The Bot API wire format: errors in Telegram's shape, requests decoded, replies encoded.

Requests arrive as query strings, form fields, multipart or JSON bodies; structured
parameters come as JSON strings and are decoded to the types the spec names. Replies are
``{"ok": true, "result": ...}`` or Telegram's error object, and every object the server
returns is checked against the Bot API spec (:class:`SpecCheck`).
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from aiohttp import web

from .schema import Spec

__all__ = [
    "JSONDict",
    "ApiError",
    "SpecCheck",
    "bad_request",
    "too_many_requests",
    "read_params",
    "decode_params",
    "describe_problem",
    "dumps",
]

logger = logging.getLogger(__name__)

JSONDict = dict[str, Any]

# Parameters python-telegram-bot may still send that Bot API 10.0 no longer lists.
LEGACY_PARAMETERS = {
    "reply_to_message_id": ["Integer"],
    "allow_sending_without_reply": ["Boolean"],
    "disable_web_page_preview": ["Boolean"],
}


class ApiError(Exception):
    """An error reply in Telegram's shape; raised by method handlers, sent as JSON."""

    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after

    def payload(self) -> JSONDict:
        body: JSONDict = {"ok": False, "error_code": self.code, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(message: str) -> ApiError:
    return ApiError(400, f"Bad Request: {message}")


def too_many_requests(retry_after: int) -> ApiError:
    return ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after)


class SpecCheck:
    """Checks objects against the spec and keeps each problem once: a mismatch is a bug
    of this server (what Telegram would never send), so tests assert there are none."""

    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self.violations: list[str] = []

    def __call__(self, value: Any, types: str | list[str], context: str) -> None:
        for problem in self.spec.check(value, types, context):
            if problem not in self.violations:
                self.violations.append(problem)
                logger.error("Schema violation: %s", problem)


# --------------------------------------------------------------------------- requests
async def read_params(request: web.Request) -> JSONDict:
    """Parameters from the query string and a form, multipart or JSON body."""
    raw: JSONDict = dict(request.query)
    if not request.can_read_body:
        return raw
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except json.JSONDecodeError:
            raise bad_request("can't parse JSON request") from None
        if not isinstance(body, dict):
            raise bad_request("can't parse JSON request")
        raw.update(body)
    elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()
        raw.update({key: value for key, value in form.items()})
    return raw


def decode_params(spec: Spec, method: str, raw: JSONDict) -> JSONDict:
    """Turn form strings into the types the spec names (JSON for structured fields)."""
    params = {}
    spec_fields = {f["name"]: f["types"] for f in spec.method_fields(method)}
    for name, value in raw.items():
        types = spec_fields.get(name) or LEGACY_PARAMETERS.get(name)
        if types is not None:
            params[name] = _coerce(name, value, types)
    return params


def _coerce(name: str, value: Any, types: list[str]) -> Any:
    """One form value to the spec's type: ints, bools, floats, and JSON for structures."""
    if not isinstance(value, str):
        if types == ["String"] and isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)
        return value
    structured = [
        t for t in types if t.startswith("Array of ") or t not in ("Integer", "Float", "Boolean", "String")
    ]
    if "Integer" in types and re.fullmatch(r"-?\d+", value.strip()):
        return int(value)
    if "Float" in types:
        try:
            return float(value)
        except ValueError:
            pass
    if "Boolean" in types and value.lower() in ("true", "false", "1", "0"):
        return value.lower() in ("true", "1")
    if structured and structured != ["InputFile"]:
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            if "String" in types or "InputFile" in types:
                return value
            raise bad_request(f"can't parse {name} JSON object") from None
    return value


def describe_problem(problem: str) -> str:
    """Telegram's words for the commonest missing parameters, a generic text otherwise."""
    if problem == 'parameter "text" is required':
        return "message text is empty"
    if problem == 'parameter "chat_id" is required':
        return "chat_id is empty"
    return problem if problem.startswith("parameter") else f"invalid parameter {problem}"


# --------------------------------------------------------------------------- replies
def dumps(value: Any) -> str:
    """JSON as Telegram writes it: UTF-8, except that a lone surrogate (which UTF-8 cannot
    hold; users' clients do send them) is written as a \\uXXXX escape."""
    text = json.dumps(value, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = json.dumps(value)
    return text
