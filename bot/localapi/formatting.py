"""What a bot's message may contain: text with parse_mode or entities, inline keyboards.

Telegram's rules and its error wording, shared by the methods that send and edit
messages, inline query answers, and inline results a user posts.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from .entities import add_detected_entities, strip_formatted, utf16_len
from .htmlparse import EntityParseError, parse_html
from .schema import Spec
from .wire import JSONDict, bad_request

__all__ = ["MessageRules", "MAX_MESSAGE_LENGTH", "CALLBACK_DATA_MAX_BYTES"]

MAX_MESSAGE_LENGTH = 4096
CALLBACK_DATA_MAX_BYTES = 64
# Inline keyboard button fields that do not define what the button does.
BUTTON_DECORATION = {"text", "icon_custom_emoji_id", "style"}


class MessageRules:
    """Checks and normalises message content as Telegram does (400 Bad Request otherwise).

    ``resolve_user`` finds the user of a ``tg://user?id=N`` link (a text_mention).
    """

    def __init__(self, spec: Spec, resolve_user: Callable[[int], JSONDict | None]) -> None:
        self.spec = spec
        self.resolve_user = resolve_user

    def format_text(
        self, raw: str | None, parse_mode: str | None, entities: list[JSONDict] | None
    ) -> tuple[str, list[JSONDict]]:
        """Apply parse_mode (or explicit entities) and Telegram's text rules."""
        if not raw:
            raise bad_request("message text is empty")
        mode = (parse_mode or "").lower()
        if entities is not None:
            text, found = raw, self._checked_entities(raw, entities)
        elif mode == "html":
            try:
                text, found = parse_html(raw, resolve_user=self.resolve_user)
            except EntityParseError as error:
                raise bad_request(f"can't parse entities: {error}") from None
        elif mode in ("", "markdown", "markdownv2"):
            text, found = raw, []  # Markdown is passed through unparsed (simplification)
        else:
            raise bad_request("unsupported parse_mode")
        text, found = strip_formatted(text, found)
        if not text:
            raise bad_request("message text is empty")
        if utf16_len(text) > MAX_MESSAGE_LENGTH:
            raise bad_request("message is too long")
        return text, add_detected_entities(text, found)

    def _checked_entities(self, text: str, entities: list[JSONDict]) -> list[JSONDict]:
        """Explicit entities: keep those inside the text, with only spec-known fields."""
        known = {f["name"] for f in self.spec.fields("MessageEntity")}
        total = utf16_len(text)
        kept = []
        for entity in entities:
            if not isinstance(entity, dict) or "type" not in entity:
                raise bad_request("can't parse entities JSON object")
            offset, length = int(entity.get("offset", -1)), int(entity.get("length", 0))
            if offset >= 0 and length > 0 and offset + length <= total:
                kept.append({k: v for k, v in entity.items() if k in known})
        return sorted(kept, key=lambda e: (e["offset"], -e["length"]))

    def check_reply_markup(self, markup: Any) -> JSONDict | None:
        """Validate a keyboard; returns the inline keyboard a Message would carry, if any."""
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise bad_request("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" not in markup:
            if {"keyboard", "remove_keyboard", "force_reply"} & set(markup):
                return None  # reply keyboards act on the client only; not part of Message
            raise bad_request("can't parse reply keyboard markup JSON object")
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad_request(
                'field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays'
            )
        if sum(len(row) for row in rows) > 100:
            raise bad_request("reply markup is too long")
        known = {f["name"] for f in self.spec.fields("InlineKeyboardButton")}
        return {"inline_keyboard": [[_check_button(b, known) for b in row] for row in rows]}


def _check_button(button: Any, known: set[str]) -> JSONDict:
    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
        raise bad_request("can't parse inline keyboard button: Can't find field \"text\"")
    actions = [k for k in button if k in known and k not in BUTTON_DECORATION]
    if not actions:
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if len(actions) > 1:
        raise bad_request(
            "can't parse inline keyboard button: exactly one of the optional fields must be used"
        )
    if "callback_data" in button:
        size = len(str(button["callback_data"]).encode("utf-8"))
        if not 1 <= size <= CALLBACK_DATA_MAX_BYTES:
            raise bad_request("BUTTON_DATA_INVALID")
    if "url" in button and not re.match(r"^(https?|tg)://\S+$", str(button["url"])):
        raise bad_request(f"inline keyboard button URL '{button['url']}' is invalid: Wrong HTTP URL")
    return {k: v for k, v in button.items() if k in known}
