"""Validation of Bot API objects and method parameters against the published spec.

The local Bot API server must answer exactly like Telegram where python-telegram-bot
depends on it. Rather than trusting hand-written fixtures, every object the server
returns is checked against ``api-10.0.json``: a machine-readable description of every
Bot API 10.0 method and type (fields, types, required flags). That file comes from the
public project PaulSonOfLars/telegram-bot-api-spec (MIT licence), which generates it
from https://core.telegram.org/bots/api; python-telegram-bot 22.8 speaks Bot API 10.0.

Two modes:

* ``strict`` (for what the server *returns*): required fields present, every field of
  the right type (nested types, ``Array of X``, unions), and no field the spec does not
  know. A violation is a bug in the server.
* loose (for what a bot *sends*): required fields present and primitive types right;
  unknown fields are tolerated, as Telegram ignores them.

Typical use::

    spec = load_spec()
    errors = spec.check(message_dict, "Message")      # [] when valid
    errors = spec.check_params("sendMessage", params)  # missing/ill-typed parameters
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Any

__all__ = ["Spec", "load_spec", "validate", "SPEC_PATH"]

SPEC_PATH = Path(__file__).with_name("api-10.0.json")

PRIMITIVES = {"Integer", "Float", "Boolean", "String"}
ARRAY_PREFIX = "Array of "

# Subtypes of a union (ChatMember, BotCommandScope, InlineQueryResult, ...) document
# their discriminator as 'always "creator"' or 'must be article'.
_DISCRIMINATOR_RE = re.compile(r'(?:always|must be)\s+["“]?([A-Za-z_]+)["”]?')


def _type_name(value: Any) -> str:
    """Name a JSON value's type the way error messages should show it."""
    return {
        bool: "Boolean",
        int: "Integer",
        float: "Float",
        str: "String",
        list: "Array",
        dict: "Object",
        type(None): "null",
    }.get(type(value), type(value).__name__)


def _short(value: Any, limit: int = 60) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class Spec:
    """The Bot API as data: methods, types, and checks of values against them."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.version: str = data.get("version", "")
        self.methods: dict[str, dict[str, Any]] = data["methods"]
        self.types: dict[str, dict[str, Any]] = data["types"]
        self._methods_by_lower = {name.lower(): name for name in self.methods}
        self._discriminators = self._find_discriminators()

    # ------------------------------------------------------------------ lookups
    def method_name(self, name: str) -> str | None:
        """Canonical spelling of a method; Telegram matches method names case-insensitively."""
        return self._methods_by_lower.get(name.lower())

    def method_fields(self, method: str) -> list[dict[str, Any]]:
        return self.methods[method].get("fields", [])

    def method_returns(self, method: str) -> list[str]:
        return self.methods[method].get("returns", [])

    def fields(self, type_name: str) -> list[dict[str, Any]]:
        return self.types[type_name].get("fields", [])

    def update_kinds(self) -> list[str]:
        """Every optional field of Update, i.e. every value allowed in allowed_updates."""
        return [f["name"] for f in self.fields("Update") if f["name"] != "update_id"]

    def _find_discriminators(self) -> dict[str, tuple[str, str]]:
        """Map union subtypes to (field, constant), e.g. ChatMemberOwner -> (status, creator)."""
        found: dict[str, tuple[str, str]] = {}
        for union in self.types.values():
            for subtype in union.get("subtypes", []):
                for field in self.fields(subtype):
                    if field["types"] != ["String"] or not field["required"]:
                        continue
                    match = _DISCRIMINATOR_RE.search(field["description"])
                    if match and field["name"] in {"type", "status", "source"}:
                        found[subtype] = (field["name"], match.group(1))
                        break
        return found

    # ------------------------------------------------------------------ checks
    def check(self, value: Any, types: str | list[str], path: str = "", *, strict: bool = True) -> list[str]:
        """Errors (empty when valid) of ``value`` against one type expression or a union of them."""
        alternatives = [types] if isinstance(types, str) else list(types)
        path = path or " | ".join(alternatives)
        if len(alternatives) == 1:
            return self._check_one(value, alternatives[0], path, strict)
        return self._check_union(value, alternatives, path, strict)

    def check_params(self, method: str, params: dict[str, Any]) -> list[str]:
        """Loose check of a bot's parameters: required ones present, types plausible."""
        errors = []
        for field in self.method_fields(method):
            name = field["name"]
            if name not in params or params[name] is None:
                if field["required"]:
                    errors.append(f'parameter "{name}" is required')
                continue
            if field["types"] == ["InputFile"] or "InputFile" in field["types"]:
                continue  # uploads arrive as multipart parts or strings (file_id / URL)
            errors.extend(self.check(params[name], field["types"], name, strict=False))
        return errors

    def _check_one(self, value: Any, type_expr: str, path: str, strict: bool) -> list[str]:
        if type_expr.startswith(ARRAY_PREFIX):
            if not isinstance(value, list):
                return [f"{path}: expected {type_expr}, got {_type_name(value)} {_short(value)}"]
            item_type = type_expr[len(ARRAY_PREFIX) :]
            errors: list[str] = []
            for index, item in enumerate(value):
                errors.extend(self._check_one(item, item_type, f"{path}[{index}]", strict))
            return errors
        if type_expr in PRIMITIVES:
            return self._check_primitive(value, type_expr, path)
        if type_expr not in self.types:
            return [f"{path}: unknown type {type_expr} in spec"]
        return self._check_object(value, type_expr, path, strict)

    @staticmethod
    def _check_primitive(value: Any, type_expr: str, path: str) -> list[str]:
        ok = {
            "Integer": isinstance(value, int) and not isinstance(value, bool),
            "Float": isinstance(value, (int, float)) and not isinstance(value, bool),
            "Boolean": isinstance(value, bool),
            "String": isinstance(value, str),
        }[type_expr]
        return [] if ok else [f"{path}: expected {type_expr}, got {_type_name(value)} {_short(value)}"]

    def _check_object(self, value: Any, type_name: str, path: str, strict: bool) -> list[str]:
        spec_type = self.types[type_name]
        if type_name == "InputFile":
            return []  # opaque: a multipart upload, a file_id or a URL
        if "subtypes" in spec_type:
            return self._check_union(value, spec_type["subtypes"], path, strict)
        if not isinstance(value, dict):
            return [f"{path}: expected {type_name} object, got {_type_name(value)} {_short(value)}"]
        fields = {f["name"]: f for f in spec_type.get("fields", [])}
        errors = []
        for name, field in fields.items():
            if name not in value:
                if field["required"]:
                    errors.append(f"{path}.{name}: required field of {type_name} is missing")
                continue
            errors.extend(self.check(value[name], field["types"], f"{path}.{name}", strict=strict))
        if strict:
            for name in value:
                if name not in fields:
                    errors.append(f"{path}.{name}: {type_name} has no field {name!r}")
        discriminator = self._discriminators.get(type_name)
        if discriminator:
            field, constant = discriminator
            if value.get(field) != constant:
                errors.append(
                    f'{path}.{field}: must be "{constant}" for {type_name}, got {_short(value.get(field))}'
                )
        return errors

    def _check_union(self, value: Any, alternatives: list[str], path: str, strict: bool) -> list[str]:
        """Valid when any alternative accepts the value; otherwise report the closest one."""
        candidates = self._narrow_by_discriminator(value, alternatives)
        best: list[str] | None = None
        for alternative in candidates:
            errors = self._check_one(value, alternative, path, strict)
            if not errors:
                return []
            if best is None or len(errors) < len(best):
                best = errors
        if len(candidates) > 1 and best:
            return [f"{path}: matches none of {', '.join(candidates)}; closest: {best[0]}"] + best[1:]
        return best or [f"{path}: no alternative among {alternatives}"]

    def _narrow_by_discriminator(self, value: Any, alternatives: list[str]) -> list[str]:
        if not isinstance(value, dict):
            return alternatives
        matching = [
            alt
            for alt in alternatives
            if alt in self._discriminators
            and value.get(self._discriminators[alt][0]) == self._discriminators[alt][1]
        ]
        return matching or alternatives


@functools.lru_cache(maxsize=4)
def load_spec(path: str | Path = SPEC_PATH) -> Spec:
    """Load (once) and return the spec shipped next to this module."""
    with open(path, encoding="utf-8") as handle:
        return Spec(json.load(handle))


def validate(value: Any, type_name: str | list[str], *, strict: bool = True) -> list[str]:
    """Shortcut: errors of ``value`` against ``type_name`` using the bundled spec."""
    return load_spec().check(value, type_name, strict=strict)
