"""The buttons' callback data: how each kind of button is written and read back, in one place.

A button carries at most 64 bytes (Telegram's limit). Most are "<kind>:<lang>:<id>", at most
5 + 48 = 53 bytes for an entry id:

    a  send this answer as a new message (related questions, /start examples)
    d  "did you mean": turn the pressed message into this answer
    t  topic browser: show a topic's questions;  T  the list of topics (id empty)
    e  topic browser: show this answer in place
    l  /lang: the choice (en, zh or auto) in place of the id

Admins' suggestion buttons (handlers/learning.py) are "u:<token>:<action>[:<id>]": the token stands
for the suggestion, kept in bot_data, since the question itself would not fit:

    u:TOKEN:a          add the wording to the entry it came closest to
    u:TOKEN:o          add it to another entry: pick a topic ...
    u:TOKEN:t:TOPIC    ... then an entry
    u:TOKEN:e:ENTRY    add it to that entry
    u:TOKEN:i          ignore it: never suggested again

`PATTERNS` are what app.py registers the button handlers with; `pressed` and
`pressed_suggestion` read back what a handler's pattern matched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_CALLBACK_DATA = 64  # bytes

ANSWER, CHOICE, TOPIC, TOPICS, BROWSED, LANGUAGE, SUGGESTION = "a", "d", "t", "T", "e", "l", "u"

PATTERNS = {
    ANSWER: r"^a:(en|zh):(.+)$",
    CHOICE: r"^d:(en|zh):(.+)$",
    TOPIC: r"^t:(en|zh):(.+)$",
    TOPICS: r"^T:(en|zh):$",
    BROWSED: r"^e:(en|zh):(.+)$",
    LANGUAGE: r"^l:(en|zh):(en|zh|auto)$",
    SUGGESTION: r"^u:([A-Za-z0-9_-]{8}):([aoite])(?::(.+))?$",
}


def checked(data: str) -> str:
    if len(data.encode("utf-8")) > MAX_CALLBACK_DATA:
        raise ValueError(f"callback data too long: {data!r}")
    return data


def callback(kind: str, lang: str, ident: str = "") -> str:
    """A user's button: "<kind>:<lang>:<id>"."""
    return checked(f"{kind}:{lang}:{ident}")


def suggestion(token: str, action: str, ident: str | None = None) -> str:
    """An admin's suggestion button: "u:<token>:<action>[:<id>]"."""
    return checked(f"{SUGGESTION}:{token}:{action}" + (f":{ident}" if ident is not None else ""))


def is_empty(data: object) -> bool:
    """A button with no data (python-telegram-bot lets it match every pattern)."""
    return not data


@dataclass(frozen=True)
class Pressed:
    """A user's button read back: the language it was shown in, and the id (or /lang choice)."""

    lang: str
    ident: str


@dataclass(frozen=True)
class PressedSuggestion:
    token: str
    action: str
    ident: str | None


def pressed(match: re.Match[str] | None) -> Pressed:
    """What a user's button pattern matched (TOPICS has no id: "")."""
    if match is None:
        raise ValueError("not a button press matched by one of PATTERNS")
    return Pressed(match.group(1), match.group(2) if match.re.groups >= 2 else "")


def pressed_suggestion(match: re.Match[str] | None) -> PressedSuggestion:
    if match is None:
        raise ValueError("not a suggestion button matched by PATTERNS[SUGGESTION]")
    return PressedSuggestion(match.group(1), match.group(2), match.group(3))
