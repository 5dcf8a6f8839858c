"""Turning the core's replies into Telegram messages: HTML text, splitting, keyboards.

Everything here is pure: strings and python-telegram-bot objects in, strings and
keyboards out. Every text that comes from a user or from the knowledge base goes
through ``html.escape`` before it is placed in markup.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from ..core import AMBIGUOUS, ANSWERED, Answer, KnowledgeBase, Reply
from ..core.render import fact_value, fact_when, format_day, source_line
from .callbacks import ANSWER, BROWSED, CHOICE, LANGUAGE, TOPIC, TOPICS, callback

MAX_MESSAGE = 4096  # Telegram's limit, in UTF-16 code units of the text after parsing
MAX_RELATED = 3

LANGUAGE_CHOICES = (("en", "English"), ("zh", "中文"), ("auto", None))  # None: the message "lang_auto"


def say(kb: KnowledgeBase, key: str, lang: str, **values: object) -> str:
    """A message in `lang` from the knowledge base's catalogue (bot/core/messages.yaml, with
    the knowledge directory's messages.yaml overriding single messages)."""
    return kb.message(key, lang, **values)


def setting_number(kb: KnowledgeBase, key: str, default: float | None = None) -> float:
    """A number from settings.yaml (checked when the knowledge is loaded)."""
    value = kb.settings.get(key, default)
    if not isinstance(value, (int, float)):
        raise TypeError(f"setting {key} is not a number: {value!r}")
    return float(value)


def setting_ids(kb: KnowledgeBase, key: str) -> list[str]:
    """A list of ids from settings.yaml (start_examples, facts_card)."""
    value = kb.settings.get(key, ())
    return [str(item) for item in value] if isinstance(value, (list, tuple)) else []


# --- text and splitting ----------------------------------------------------------------


def utf16_len(text: str) -> int:
    """Length as Telegram counts it (emoji outside the BMP count twice)."""
    return len(text.encode("utf-16-le")) // 2


@dataclass(frozen=True)
class Line:
    """One line of a message: plain text, and the tag it is wrapped in ("b", "i" or "")."""

    text: str
    tag: str = ""

    @property
    def html(self) -> str:
        body = escape(self.text, quote=False)
        return f"<{self.tag}>{body}</{self.tag}>" if self.tag and body else body


def _cut(text: str, limit: int) -> list[str]:
    """Cut one overlong line into pieces of at most `limit` UTF-16 units, at a space if possible."""
    pieces = []
    while utf16_len(text) > limit:
        end, size = 0, 0
        while end < len(text) and size + utf16_len(text[end]) <= limit:
            size += utf16_len(text[end])
            end += 1
        space = text.rfind(" ", 0, end)
        if space > end // 2:  # a word boundary not too far back
            end = space + 1
        pieces.append(text[:end].rstrip())
        text = text[end:].lstrip()
    return pieces + [text]


def split_lines(lines: list[Line], limit: int = MAX_MESSAGE) -> list[str]:
    """Pack lines into as few HTML messages as fit `limit`, breaking only between lines.

    Tags never span lines, so each message is valid HTML on its own. The limit applies to
    the text Telegram sees (markup excluded), measured in UTF-16 units as Telegram does;
    a single line longer than the limit is cut at a space.
    """
    expanded: list[Line] = []
    for line in lines:
        expanded += [Line(piece, line.tag) for piece in _cut(line.text, limit)]
    messages: list[list[Line]] = [[]]
    size = 0
    for line in expanded:
        needed = utf16_len(line.text) + (1 if messages[-1] else 0)
        if messages[-1] and size + needed > limit:
            messages.append([])
            size, needed = 0, utf16_len(line.text)
        if not messages[-1] and not line.text.strip():
            continue  # no message starts with a blank line
        messages[-1].append(line)
        size += needed
    texts = ["\n".join(line.html for line in message).strip() for message in messages]
    return [text for text in texts if text]


def plain_lines(text: str) -> list[Line]:
    return [Line(line) for line in text.splitlines()]


def text_messages(text: str) -> list[str]:
    """Plain text (a message from the knowledge base, a decline) as escaped HTML messages."""
    return split_lines(plain_lines(text))


def answer_lines(answer: Answer) -> list[Line]:
    """Title in bold, the answer, then how derived figures were computed and the source in italics."""
    body = [] if answer.body == answer.title else plain_lines(answer.body)  # an answer written from one figure
    lines = [Line(answer.title, "b"), *body, Line("")]
    lines += [Line(note, "i") for note in answer.derived]
    lines.append(Line(answer.source, "i"))
    return lines


def reply_messages(reply: Reply) -> list[str]:
    """The HTML message(s) for a core reply: an answer, a "did you mean" or a decline."""
    if reply.match.status == ANSWERED and reply.answer is not None:
        return split_lines(answer_lines(reply.answer))
    return text_messages(reply.text)


def first_line(answer: Answer, limit: int = 120) -> str:
    """The answer's opening, for inline result descriptions."""
    line = answer.body.strip().splitlines()[0] if answer.body.strip() else answer.title
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


# --- cards -------------------------------------------------------------------------------


def facts_card(kb: KnowledgeBase, lang: str) -> list[str]:
    """/facts: each key figure with its label, value and date, then the source line."""
    facts = [kb.facts[fact_id] for fact_id in setting_ids(kb, "facts_card") if fact_id in kb.facts]
    lines = [Line(say(kb, "facts_title", lang), "b")]
    for fact in facts:
        label = fact.label.get(lang) if fact.label else fact.id
        when = fact_when(fact, lang)
        if lang == "zh":
            lines.append(Line(f"• {label}：{fact_value(fact, lang)}" + (f"（{when}）" if when else "")))
        else:
            lines.append(Line(f"• {label}: {fact_value(fact, lang)}" + (f" ({when})" if when else "")))
    sources = list(dict.fromkeys(fact.source for fact in facts)) or list(kb.sources.values())[:1]
    lines += [Line(""), Line(source_line(kb, sources, lang), "i")]
    return split_lines(lines)


def sources_card(kb: KnowledgeBase, lang: str) -> list[str]:
    """/source: title, publisher and publication date of every source."""
    lines = [Line(say(kb, "sources_title", lang), "b")]
    for source in kb.sources.values():
        title = f"《{source.title.zh}》" if lang == "zh" else f"“{source.title.en}”"
        published = say(kb, "published", lang, date=format_day(source, lang))
        separator = "，" if lang == "zh" else ", "
        lines += [Line(f"• {title}"), Line(f"{source.publisher.get(lang)}{separator}{published}", "i")]
    return split_lines(lines)


# --- buttons -----------------------------------------------------------------------------
# What each button carries: callbacks.py.


def _button(text: str, data: str) -> list[InlineKeyboardButton]:
    return [InlineKeyboardButton(text, callback_data=data)]


def related_keyboard(answer: Answer, kind: str = ANSWER) -> InlineKeyboardMarkup | None:
    rows = [_button(title, callback(kind, answer.lang, entry_id)) for entry_id, title in answer.related[:MAX_RELATED]]
    return InlineKeyboardMarkup(rows) if rows else None


def did_you_mean_keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    rows = [_button(title, callback(CHOICE, reply.lang, entry_id)) for entry_id, title in reply.options]
    return InlineKeyboardMarkup(rows) if rows else None


def reply_keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    if reply.match.status == ANSWERED and reply.answer is not None:
        return related_keyboard(reply.answer)
    if reply.match.status == AMBIGUOUS or reply.options:
        return did_you_mean_keyboard(reply)  # the choices, or a decline's closest answerable question
    return None


def examples_keyboard(kb: KnowledgeBase, lang: str) -> InlineKeyboardMarkup | None:
    ids = [i for i in setting_ids(kb, "start_examples") if i in kb.entries]
    rows = [_button(kb.entries[i].title(lang), callback(ANSWER, lang, i)) for i in ids]
    return InlineKeyboardMarkup(rows) if rows else None


def topics_keyboard(kb: KnowledgeBase, lang: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([_button(topic.name.get(lang), callback(TOPIC, lang, topic.id)) for topic in kb.topics])


def topic_keyboard(kb: KnowledgeBase, topic_id: str, lang: str) -> InlineKeyboardMarkup:
    topic = next(t for t in kb.topics if t.id == topic_id)
    rows = [_button(kb.entries[i].title(lang), callback(BROWSED, lang, i)) for i in topic.entry_ids if i in kb.entries]
    rows.append(_button(say(kb, "all_topics", lang), callback(TOPICS, lang)))
    return InlineKeyboardMarkup(rows)


def browsed_answer_keyboard(kb: KnowledgeBase, answer: Answer) -> InlineKeyboardMarkup:
    """An answer opened from /topics: its related questions (opened in place too) and "back"."""
    lang = answer.lang
    rows = [_button(title, callback(BROWSED, lang, entry_id)) for entry_id, title in answer.related[:MAX_RELATED]]
    topic = kb.entries[answer.entry_id].topic
    back = callback(TOPIC, lang, topic) if any(t.id == topic for t in kb.topics) else callback(TOPICS, lang)
    rows.append(_button(say(kb, "back", lang), back))
    return InlineKeyboardMarkup(rows)


def language_keyboard(kb: KnowledgeBase, lang: str, current: str | None) -> InlineKeyboardMarkup:
    """English / 中文 / Auto, the current choice ticked."""
    buttons = []
    for choice, label in LANGUAGE_CHOICES:
        text = label or say(kb, "lang_auto", lang)
        buttons.append(InlineKeyboardButton(("✓ " if choice == current else "") + text,
                                            callback_data=callback(LANGUAGE, lang, choice)))
    return InlineKeyboardMarkup([buttons])
