"""Message entities: UTF-16 offsets, rendering text + entities as HTML, and what clients detect.

Every Telegram entity offset/length counts UTF-16 code units (an emoji outside the Basic
Multilingual Plane counts 2, a Chinese character 1). Here: :func:`entities_to_html` (text
+ entities back to safe HTML, e.g. for a browser chat view), :func:`strip_formatted`
(Telegram's trimming of what a bot sends), :func:`detect_client_entities` (what a Telegram
client attaches to what a *user* types: bot commands, @mentions, #hashtags, URLs, e-mails)
and :func:`add_detected_entities` (what Telegram marks in what a *bot* sends).
The HTML ``parse_mode`` itself is :mod:`.htmlparse`.
"""

from __future__ import annotations

import html
import re
from typing import Any

__all__ = [
    "Entity",
    "utf16_len",
    "utf16_positions",
    "strip_formatted",
    "entities_to_html",
    "detect_client_entities",
    "add_detected_entities",
]

Entity = dict[str, Any]

WHITESPACE = " \t\r\n"


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of every Telegram entity offset/length."""
    return len(text.encode("utf-16-le")) // 2


def utf16_positions(text: str) -> list[int]:
    """positions[i] = UTF-16 offset of text[i]; positions[len(text)] = total length."""
    positions = [0]
    for char in text:
        positions.append(positions[-1] + (2 if ord(char) > 0xFFFF else 1))
    return positions


def strip_formatted(text: str, entities: list[Entity]) -> tuple[str, list[Entity]]:
    """Trim leading/trailing whitespace as Telegram does, keeping entities aligned.

    Entities are clipped to the remaining text; those left empty disappear.
    """
    stripped = text.strip(WHITESPACE)
    if stripped == text:
        return text, entities
    lead = utf16_len(text[: len(text) - len(text.lstrip(WHITESPACE))])
    total = utf16_len(stripped)
    result = []
    for entity in entities:
        start = max(entity["offset"] - lead, 0)
        end = min(entity["offset"] + entity["length"] - lead, total)
        if end > start:
            result.append({**entity, "offset": start, "length": end - start})
    return stripped, result



# --------------------------------------------------------------------------- rendering
def _open_html(entity: Entity) -> tuple[str, str]:
    kind = entity["type"]
    simple = {
        "bold": "b",
        "italic": "i",
        "underline": "u",
        "strikethrough": "s",
        "spoiler": "tg-spoiler",
        "code": "code",
        "blockquote": "blockquote",
    }
    if kind in simple:
        return f"<{simple[kind]}>", f"</{simple[kind]}>"
    if kind == "expandable_blockquote":
        return "<blockquote expandable>", "</blockquote>"
    if kind == "pre":
        if entity.get("language"):
            language = html.escape(entity["language"], quote=True)
            return f'<pre><code class="language-{language}">', "</code></pre>"
        return "<pre>", "</pre>"
    if kind == "text_link":
        return f'<a href="{html.escape(entity["url"], quote=True)}">', "</a>"
    if kind == "text_mention":
        return f'<a href="tg://user?id={int(entity["user"]["id"])}">', "</a>"
    if kind == "custom_emoji":
        return f'<tg-emoji emoji-id="{html.escape(entity["custom_emoji_id"], quote=True)}">', "</tg-emoji>"
    if kind == "date_time":
        fmt = entity.get("date_time_format")
        extra = f' format="{html.escape(fmt, quote=True)}"' if fmt else ""
        return f'<tg-time unix="{int(entity["unix_time"])}"{extra}>', "</tg-time>"
    return "", ""  # mention, url, hashtag, bot_command...: plain text in HTML


def entities_to_html(text: str, entities: list[Entity] | None) -> str:
    """Render plain text + entities as Telegram-style HTML, every character escaped.

    The result re-parses to the same text and formatting entities; it is safe to put
    into a web page (only Telegram's tag subset, attribute values escaped).
    """
    positions = utf16_positions(text)
    index_of = {u16: index for index, u16 in enumerate(positions)}
    spans = []
    for entity in entities or []:
        tags = _open_html(entity)
        start = index_of.get(entity["offset"])
        end = index_of.get(entity["offset"] + entity["length"])
        if tags != ("", "") and start is not None and end is not None and end > start:
            spans.append((start, end, tags))
    spans.sort(key=lambda span: (span[0], -span[1]))
    boundaries = sorted({0, len(text)} | {s for s, _, _ in spans} | {e for _, e, _ in spans})
    out: list[str] = []
    stack: list[tuple[int, str]] = []  # (end index, closing tag), innermost last
    cursor = 0
    for boundary in boundaries:
        out.append(html.escape(text[cursor:boundary], quote=False))
        cursor = boundary
        while stack and stack[-1][0] <= boundary:
            out.append(stack.pop()[1])
        for start, end, (opening, closing) in spans:
            if start == boundary:
                if stack:
                    end = min(end, stack[-1][0])  # overlapping entities: keep tags nested
                out.append(opening)
                stack.append((end, closing))
    out.extend(closing for _, closing in reversed(stack))
    return "".join(out)


# --------------------------------------------------------------------------- clients
_CLIENT_PATTERNS = [
    ("bot_command", re.compile(r"(?<![^\s(])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z][A-Za-z0-9_]{2,31})?(?![\w@/])")),
    ("email", re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")),
    ("url", re.compile(r"(?<![\w@/.])(?:https?://|www\.)[^\s<>\"]+", re.IGNORECASE)),
    (
        "url",
        re.compile(
            r"(?<![\w@/.-])(?:[A-Za-z0-9-]+\.)+(?:com|org|net|gov|edu|cn|io|us|info|biz)\b(?:/[^\s<>\"]*)?",
            re.IGNORECASE,
        ),
    ),
    ("mention", re.compile(r"(?<![\w@/])@[A-Za-z][A-Za-z0-9_]{3,31}\b")),
    ("hashtag", re.compile(r"(?<![\w#])#\w*[^\W\d]\w*")),
]
_TRAILING_PUNCTUATION = ".,;:!?)'\"]"


def detect_client_entities(text: str) -> list[Entity]:
    """Entities a Telegram client adds to a user's plain message (UTF-16 offsets).

    Earlier patterns win where matches overlap, e.g. ``/ask@cq_faq_bot`` is one
    bot_command, not a command plus a mention.
    """
    positions = utf16_positions(text)
    taken: list[tuple[int, int]] = []
    entities = []
    for kind, pattern in _CLIENT_PATTERNS:
        for match in pattern.finditer(text):
            start, end = match.span()
            if kind == "url":
                while end > start and text[end - 1] in _TRAILING_PUNCTUATION:
                    end -= 1
            if any(start < t_end and t_start < end for t_start, t_end in taken):
                continue
            taken.append((start, end))
            entities.append(
                {"type": kind, "offset": positions[start], "length": positions[end] - positions[start]}
            )
    return sorted(entities, key=lambda e: (e["offset"], -e["length"]))


def add_detected_entities(text: str, entities: list[Entity]) -> list[Entity]:
    """Telegram also marks URLs, mentions, hashtags... in what bots send.

    Detected entities are added only where they nest cleanly with the formatting and
    not inside code, pre or links, as Telegram does.
    """
    opaque = {"code", "pre", "text_link", "text_mention", "custom_emoji", "date_time"}
    result = list(entities)
    for found in detect_client_entities(text):
        start, end = found["offset"], found["offset"] + found["length"]
        clash = False
        for entity in entities:
            e_start, e_end = entity["offset"], entity["offset"] + entity["length"]
            overlaps = start < e_end and e_start < end
            nested = e_start <= start and end <= e_end or start <= e_start and e_end <= end
            if overlaps and (entity["type"] in opaque or not nested):
                clash = True
                break
        if not clash:
            result.append(found)
    return sorted(result, key=lambda e: (e["offset"], -e["length"]))
