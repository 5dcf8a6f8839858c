"""Telegram message formatting: the HTML ``parse_mode`` and message entities.

Telegram turns ``<b>bold</b> &amp; plain`` into plain text plus a list of
MessageEntity objects whose offsets and lengths count UTF-16 code units (so an emoji
outside the Basic Multilingual Plane counts 2, a Chinese character 1). A bot whose HTML
Telegram cannot parse gets ``400 Bad Request: can't parse entities: ...`` and nothing is
sent, so the local server must be exactly as picky as Telegram is. The rules below follow
Telegram's documented subset (https://core.telegram.org/bots/api#html-style) and the
error messages of its server (tdlib's ``parse_html``):

* tags: b/strong, i/em, u/ins, s/strike/del, span class="tg-spoiler", tg-spoiler,
  a href, code, pre (optionally wrapping ``<code class="language-x">``), blockquote
  (optionally ``expandable``), tg-emoji emoji-id, tg-time unix/format;
* entities: ``&lt; &gt; &amp; &quot;`` and numeric ones (``&#123;`` / ``&#x1F600;``);
* anything else is rejected: an unknown tag, a bare ``<``, an unclosed or misnested
  tag, an unknown named entity such as ``&nbsp;``. (Telegram itself leaves an unknown
  ``&name;`` as literal text; rejecting it catches HTML-escaping bugs earlier. A lone
  ``&`` not followed by ``name;`` stays literal, as on Telegram.)

Rendering entities back to HTML, what clients detect, and UTF-16 offsets are in
:mod:`.entities` (re-exported here, where callers have always found them).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from .entities import (
    WHITESPACE,
    Entity,
    detect_client_entities,
    entities_to_html,
    strip_formatted,
    utf16_len,
    utf16_positions,
)

__all__ = [
    "EntityParseError",
    "utf16_len",
    "parse_html",
    "strip_formatted",
    "entities_to_html",
    "detect_client_entities",
]

NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}

SIMPLE_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "code": "code",
    "pre": "pre",
}
SUPPORTED_TAGS = set(SIMPLE_TAGS) | {"a", "span", "blockquote", "tg-emoji", "tg-time"}


class EntityParseError(ValueError):
    """The text is not valid Telegram HTML; ``str(error)`` is Telegram's own wording."""


def _byte_offset(source: str, index: int) -> int:
    return len(source[:index].encode("utf-8"))


# --------------------------------------------------------------------------- parsing
class _HtmlParser:
    """One pass over the source, tdlib style: text is copied, tags open/close entities."""

    def __init__(self, source: str, resolve_user: Callable[[int], Entity | None] | None) -> None:
        self.source = source
        self.resolve_user = resolve_user
        self.pos = 0
        self.text: list[str] = []
        self.u16 = 0
        self.open_tags: list[dict[str, Any]] = []
        self.entities: list[Entity] = []

    def error(self, message: str) -> EntityParseError:
        return EntityParseError(message)

    def parse(self) -> tuple[str, list[Entity]]:
        source = self.source
        while self.pos < len(source):
            char = source[self.pos]
            if char == "&" and self._read_entity():
                continue
            if char != "<":
                self._emit(char)
                self.pos += 1
            elif source.startswith("</", self.pos):
                self._close_tag()
            else:
                self._open_tag()
        if self.open_tags:
            raise self.error(f"Can't find end tag corresponding to start tag {self.open_tags[-1]['tag']}")
        entities = sorted(self.entities, key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.text), entities

    def _emit(self, chars: str) -> None:
        self.text.append(chars)
        self.u16 += utf16_len(chars)

    # -- character references
    def _read_entity(self) -> bool:
        """Decode ``&...;`` at pos; False (leave the '&' literal) when it is not one."""
        char, end = self._decode_reference(self.pos)
        if char is None:
            return False
        self._emit(char)
        self.pos = end
        return True

    def _decode_reference(self, start: int) -> tuple[str | None, int]:
        source = self.source
        numeric = re.compile(r"&#(?:[xX]([0-9a-fA-F]{1,8})|([0-9]{1,10}));").match(source, start)
        if numeric:
            code = int(numeric.group(1), 16) if numeric.group(1) else int(numeric.group(2))
            if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF:
                return chr(code), numeric.end()
            return None, start
        named = re.compile(r"&([a-zA-Z][a-zA-Z0-9]*);").match(source, start)
        if not named:
            return None, start
        if named.group(1) in NAMED_ENTITIES:
            return NAMED_ENTITIES[named.group(1)], named.end()
        raise self.error(
            f'Unsupported HTML entity "{named.group(0)}" at byte offset {_byte_offset(source, start)}'
        )

    # -- tags
    def _open_tag(self) -> None:
        source, begin = self.source, self.pos
        offset = _byte_offset(source, begin)
        end = begin + 1
        while end < len(source) and source[end] not in WHITESPACE + ">":
            end += 1
        if end >= len(source):
            raise self.error(f"Unclosed start tag at byte offset {offset}")
        tag = source[begin + 1 : end].lower()
        if tag not in SUPPORTED_TAGS:
            raise self.error(f'Unsupported start tag "{tag}" at byte offset {offset}')
        attributes, self.pos = self._read_attributes(end, tag, offset)
        self._check_attributes(tag, attributes, offset)
        self.open_tags.append(
            {"tag": tag, "attributes": attributes, "start": self.u16, "entities_before": len(self.entities)}
        )

    def _read_attributes(self, pos: int, tag: str, offset: int) -> tuple[dict[str, str], int]:
        source = self.source
        attributes: dict[str, str] = {}
        while True:
            while pos < len(source) and source[pos] in WHITESPACE:
                pos += 1
            if pos >= len(source):
                raise self.error(f"Unclosed start tag at byte offset {offset}")
            if source[pos] == ">":
                return attributes, pos + 1
            name_end = pos
            while name_end < len(source) and source[name_end] not in WHITESPACE + "=>/":
                name_end += 1
            if name_end == pos:
                raise self.error(f'Empty attribute name in the tag "{tag}" at byte offset {offset}')
            name = source[pos:name_end].lower()
            pos = name_end
            while pos < len(source) and source[pos] in WHITESPACE:
                pos += 1
            if pos < len(source) and source[pos] == "=":
                value, pos = self._read_attribute_value(pos + 1, offset)
            else:
                value = ""
            attributes[name] = value

    def _read_attribute_value(self, pos: int, offset: int) -> tuple[str, int]:
        source = self.source
        while pos < len(source) and source[pos] in WHITESPACE:
            pos += 1
        if pos >= len(source):
            raise self.error(f"Unclosed start tag at byte offset {offset}")
        quote = source[pos]
        if quote in "\"'":
            close = source.find(quote, pos + 1)
            if close < 0:
                raise self.error(f"Unclosed start tag at byte offset {offset}")
            return self._unescape_attribute(source[pos + 1 : close]), close + 1
        end = pos
        while end < len(source) and (source[end].isalnum() or source[end] in "._-+:/?=&#%"):
            end += 1
        return self._unescape_attribute(source[pos:end]), end

    @staticmethod
    def _unescape_attribute(value: str) -> str:
        return re.sub(
            r"&(lt|gt|amp|quot);",
            lambda m: NAMED_ENTITIES[m.group(1)],
            value,
        )

    def _check_attributes(self, tag: str, attributes: dict[str, str], offset: int) -> None:
        if tag == "span" and attributes.get("class") != "tg-spoiler":
            raise self.error(f'Tag "span" must have class "tg-spoiler" at byte offset {offset}')
        if tag == "tg-emoji" and not attributes.get("emoji-id", "").isdigit():
            raise self.error(f'Tag "tg-emoji" must have attribute "emoji-id" at byte offset {offset}')
        if tag == "tg-time" and not attributes.get("unix", "").lstrip("-").isdigit():
            raise self.error(f'Tag "tg-time" must have attribute "unix" at byte offset {offset}')

    def _close_tag(self) -> None:
        source, begin = self.source, self.pos
        offset = _byte_offset(source, begin)
        if not self.open_tags:
            raise self.error(f"Unexpected end tag at byte offset {offset}")
        end = begin + 2
        while end < len(source) and source[end] not in WHITESPACE + ">":
            end += 1
        name = source[begin + 2 : end].lower()
        while end < len(source) and source[end] in WHITESPACE:
            end += 1
        if end >= len(source) or source[end] != ">":
            raise self.error(f"Unclosed end tag at byte offset {offset}")
        opened = self.open_tags.pop()
        if name and name != opened["tag"]:
            raise self.error(
                f'Unmatched end tag at byte offset {offset}, expected "</{opened["tag"]}>", found "</{name}>"'
            )
        self.pos = end + 1
        self._finish_entity(opened)

    # -- entities
    def _finish_entity(self, opened: dict[str, Any]) -> None:
        start, length = opened["start"], self.u16 - opened["start"]
        if length == 0:
            return
        tag, attributes = opened["tag"], opened["attributes"]
        if tag in ("code", "pre"):
            # Nothing is formatted inside code: drop entities opened within it, but keep
            # an inner <code class="language-x"> so <pre> can take its language.
            inner = self.entities[opened["entities_before"] :]
            del self.entities[opened["entities_before"] :]
            if tag == "pre":
                self.entities.append(self._pre_entity(start, length, inner))
                return
        entity = self._entity_for(tag, attributes, start, length)
        if entity is not None:
            self.entities.append(entity)

    def _pre_entity(self, start: int, length: int, inner: list[Entity]) -> Entity:
        entity: Entity = {"type": "pre", "offset": start, "length": length}
        for candidate in inner:
            if (
                candidate["type"] == "code"
                and candidate["offset"] == start
                and candidate["length"] == length
                and candidate.get("_language")
            ):
                entity["language"] = candidate["_language"]
        return entity

    def _entity_for(self, tag: str, attributes: dict[str, str], start: int, length: int) -> Entity | None:
        entity: Entity = {"offset": start, "length": length}
        if tag in SIMPLE_TAGS:
            entity["type"] = SIMPLE_TAGS[tag]
            if tag == "code" and self.open_tags and self.open_tags[-1]["tag"] == "pre":
                language = attributes.get("class", "")
                if language.startswith("language-") and len(language) > len("language-"):
                    entity["_language"] = language[len("language-") :]
                    return entity
            return entity
        if tag == "span":
            entity["type"] = "spoiler"
        elif tag == "blockquote":
            entity["type"] = "expandable_blockquote" if "expandable" in attributes else "blockquote"
        elif tag == "tg-emoji":
            entity.update(type="custom_emoji", custom_emoji_id=attributes["emoji-id"])
        elif tag == "tg-time":
            entity.update(type="date_time", unix_time=int(attributes["unix"]))
            if attributes.get("format"):
                entity["date_time_format"] = attributes["format"]
        elif tag == "a":
            return self._link_entity(attributes.get("href", ""), entity)
        return entity

    def _link_entity(self, href: str, entity: Entity) -> Entity | None:
        text = "".join(self.text)
        positions = utf16_positions(text)
        start_index = positions.index(entity["offset"])
        url = href.strip() or text[start_index:]
        mention = re.fullmatch(r"tg://user\?id=(\d+)", url)
        if mention:
            user = self.resolve_user(int(mention.group(1))) if self.resolve_user else None
            return {**entity, "type": "text_mention", "user": user} if user else None
        if not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", url):
            if not re.match(r"^[\w-]+(\.[\w-]+)+", url):
                return None  # Telegram silently drops links it cannot make sense of
            url = "http://" + url
        return {**entity, "type": "text_link", "url": url}


def parse_html(
    source: str, resolve_user: Callable[[int], Entity | None] | None = None
) -> tuple[str, list[Entity]]:
    """Parse Telegram HTML into ``(plain_text, entities)`` with UTF-16 offsets.

    ``resolve_user`` turns the id in ``<a href="tg://user?id=N">`` into a User object
    for a text_mention entity (the link is dropped when it returns None).
    Raises :class:`EntityParseError` with Telegram's wording on invalid input.
    """
    text, entities = _HtmlParser(source, resolve_user).parse()
    return text, [_tidy(entity) for entity in entities]


def _tidy(entity: Entity) -> Entity:
    """Drop parser-internal keys and put type/offset/length first, as Telegram does."""
    extra = {k: v for k, v in entity.items() if k not in ("type", "offset", "length", "_language")}
    return {"type": entity["type"], "offset": entity["offset"], "length": entity["length"], **extra}
