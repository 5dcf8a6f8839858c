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

MAX_MESSAGE = 4096  # Telegram's limit, in UTF-16 code units of the text after parsing
MAX_CALLBACK_DATA = 64  # bytes
MAX_RELATED = 3

# What the Telegram layer says around answers. A knowledge base can override any of
# these in messages.yaml under the same key.
TEXTS: dict[str, dict[str, str]] = {
    "ask_usage": {
        "en": "Write your question after the command, e.g. /ask How much did Chongqing export to the US?",
        "zh": "请在命令后面写上问题，例如：/ask 重庆对美国出口多少？",
    },
    "choose_topic": {"en": "Choose a topic:", "zh": "请选择主题："},
    "choose_question": {"en": "Choose a question:", "zh": "请选择问题："},
    "all_topics": {"en": "« All topics", "zh": "« 全部主题"},
    "back": {"en": "« Back", "zh": "« 返回"},
    "facts_title": {"en": "Key figures", "zh": "主要数据"},
    "sources_title": {"en": "Where the figures come from", "zh": "数据来源"},
    "published": {"en": "published {date}", "zh": "{date}发布"},
    "lang_prompt": {
        "en": "Which language should I answer in? Auto answers each question in the language it is written in.",
        "zh": "请选择回答语言。“自动”表示用提问所用的语言回答。",
    },
    "lang_set_en": {"en": "I'll answer in English.", "zh": "I'll answer in English."},
    "lang_set_zh": {"en": "我会用中文回答。", "zh": "我会用中文回答。"},
    "lang_set_auto": {
        "en": "I'll answer in the language of each question. 我会用提问所用的语言回答。",
        "zh": "我会用提问所用的语言回答。I'll answer in the language of each question.",
    },
    "auto_on": {
        "en": "Auto answer is on: I'll also answer questions here that nobody addressed to me, "
              "when I'm sure of the answer.",
        "zh": "自动回答已开启：群里的问题即使没有@我，只要我有把握，也会回答。",
    },
    "auto_off": {
        "en": "Auto answer is off: I answer /ask, mentions and replies to my messages.",
        "zh": "自动回答已关闭：我只回答 /ask、@我的消息和对我消息的回复。",
    },
    "auto_usage": {
        "en": "Auto answer is {state} here. Group admins can change it: /autoanswer on or /autoanswer off.",
        "zh": "本群的自动回答目前为{state}。群管理员可以用 /autoanswer on 或 /autoanswer off 更改。",
    },
    "state_on": {"en": "on", "zh": "开启"},
    "state_off": {"en": "off", "zh": "关闭"},
    "auto_admins_only": {
        "en": "Sorry, only the admins of this group can change that.",
        "zh": "抱歉，只有本群管理员可以更改此设置。",
    },
    "auto_groups_only": {
        "en": "Auto answer is a group setting; in this chat I answer every message anyway.",
        "zh": "自动回答是群组设置；在这里我本来就会回答每条消息。",
    },
    "auto_privacy": {
        "en": "Note: to see messages that don't address me, I need privacy mode turned off "
              "(@BotFather → /setprivacy → Disable) or admin rights in this group.",
        "zh": "注意：要看到没有@我的消息，需要关闭隐私模式（@BotFather → /setprivacy → Disable），或把我设为本群管理员。",
    },
    "answered_above": {"en": "Answered just above.", "zh": "上面刚刚回答过。"},
    "outdated": {"en": "This button is out of date; please ask again.", "zh": "此按钮已失效，请重新提问。"},
    "unknown_command": {
        "en": "I don't know that command.",
        "zh": "我不认识这个命令。",
    },
    "inline_nothing": {"en": "No answer found", "zh": "没有找到答案"},
    "lang_auto": {"en": "Auto", "zh": "自动"},
    "group_flood": {
        "en": "Too many questions at once: I answer them at Telegram's pace and skipped some. "
              "Please ask again in a few minutes, or ask me in a private chat.",
        "zh": "同时提问太多：我按 Telegram 的速度回答，跳过了一部分。请过几分钟再问，或私聊我。",
    },
}

LANGUAGE_CHOICES = (("en", "English"), ("zh", "中文"), ("auto", None))  # None: TEXTS["lang_auto"]


def say(kb: KnowledgeBase, key: str, lang: str, **values) -> str:
    """A message in `lang`: the knowledge base's wording if it has one, else ours."""
    text = kb.messages.get(key)
    template = text.get(lang) if text is not None else TEXTS[key]["zh" if lang == "zh" else "en"]
    return template.format(**values) if values else template


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
    lines = [Line(answer.title, "b"), *plain_lines(answer.body), Line("")]
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
    facts = [kb.facts[str(fact_id)] for fact_id in kb.settings.get("facts_card", ()) if str(fact_id) in kb.facts]
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
# Callback data is "<kind>:<lang>:<id>", at most 5 + 48 = 53 bytes for an entry:
#   a  send this answer as a new message (related questions, /start examples)
#   d  "did you mean": turn the pressed message into this answer
#   t  topic browser: show a topic's questions;  T  the list of topics (id empty)
#   e  topic browser: show this answer in place
#   l  /lang: the choice (en, zh or auto) in place of the id


def callback(kind: str, lang: str, ident: str = "") -> str:
    data = f"{kind}:{lang}:{ident}"
    if len(data.encode("utf-8")) > MAX_CALLBACK_DATA:
        raise ValueError(f"callback data too long: {data!r}")
    return data


def _button(text: str, data: str) -> list[InlineKeyboardButton]:
    return [InlineKeyboardButton(text, callback_data=data)]


def related_keyboard(answer: Answer, kind: str = "a") -> InlineKeyboardMarkup | None:
    rows = [_button(title, callback(kind, answer.lang, entry_id)) for entry_id, title in answer.related[:MAX_RELATED]]
    return InlineKeyboardMarkup(rows) if rows else None


def did_you_mean_keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    rows = [_button(title, callback("d", reply.lang, entry_id)) for entry_id, title in reply.options]
    return InlineKeyboardMarkup(rows) if rows else None


def reply_keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    if reply.match.status == ANSWERED and reply.answer is not None:
        return related_keyboard(reply.answer)
    if reply.match.status == AMBIGUOUS:
        return did_you_mean_keyboard(reply)
    return None


def examples_keyboard(kb: KnowledgeBase, lang: str) -> InlineKeyboardMarkup | None:
    ids = [str(i) for i in kb.settings.get("start_examples", ()) if str(i) in kb.entries]
    rows = [_button(kb.entries[i].title(lang), callback("a", lang, i)) for i in ids]
    return InlineKeyboardMarkup(rows) if rows else None


def topics_keyboard(kb: KnowledgeBase, lang: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([_button(topic.name.get(lang), callback("t", lang, topic.id)) for topic in kb.topics])


def topic_keyboard(kb: KnowledgeBase, topic_id: str, lang: str) -> InlineKeyboardMarkup:
    topic = next(t for t in kb.topics if t.id == topic_id)
    rows = [_button(kb.entries[i].title(lang), callback("e", lang, i)) for i in topic.entry_ids if i in kb.entries]
    rows.append(_button(say(kb, "all_topics", lang), callback("T", lang)))
    return InlineKeyboardMarkup(rows)


def browsed_answer_keyboard(kb: KnowledgeBase, answer: Answer) -> InlineKeyboardMarkup:
    """An answer opened from /topics: its related questions (opened in place too) and "back"."""
    rows = [_button(title, callback("e", answer.lang, entry_id)) for entry_id, title in answer.related[:MAX_RELATED]]
    topic = kb.entries[answer.entry_id].topic
    back = callback("t", answer.lang, topic) if any(t.id == topic for t in kb.topics) else callback("T", answer.lang)
    rows.append(_button(say(kb, "back", answer.lang), back))
    return InlineKeyboardMarkup(rows)


def language_keyboard(kb: KnowledgeBase, lang: str, current: str | None) -> InlineKeyboardMarkup:
    """English / 中文 / Auto, the current choice ticked."""
    buttons = []
    for choice, label in LANGUAGE_CHOICES:
        text = label or say(kb, "lang_auto", lang)
        buttons.append(InlineKeyboardButton(("✓ " if choice == current else "") + text,
                                            callback_data=callback("l", lang, choice)))
    return InlineKeyboardMarkup([buttons])
