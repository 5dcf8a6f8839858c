"""The records of the simulated world: chats, the messages in them, what the bot set up.

Plain data; what happens to them is in :mod:`.world`, :mod:`.actions` and :mod:`.methods`.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .entities import entities_to_html
from .wire import JSONDict

__all__ = ["StoredMessage", "ChatState", "BotProfile", "Queries", "UserRef", "ChatRef", "MessageRef"]

# Users, chats and messages can be passed as ids, Bot API dicts or python-telegram-bot
# objects (User, Chat, Message); messages also as StoredMessage.
UserRef = Any
ChatRef = Any
MessageRef = Any


@dataclass
class StoredMessage:
    """A message as it lives in a chat, with what happened to it since it was sent."""

    chat_id: int
    message_id: int
    message: JSONDict
    from_bot: bool
    delivered: bool = False
    deleted: bool = False
    source_text: str | None = None
    parse_mode: str | None = None
    sent_markup: JSONDict | None = None
    inline_message_id: str | None = None
    history: list[JSONDict] = field(default_factory=list)

    @property
    def text(self) -> str:
        text: str = self.message.get("text", "")
        return text

    @property
    def entities(self) -> list[JSONDict]:
        entities: list[JSONDict] = self.message.get("entities", [])
        return entities

    @property
    def reply_markup(self) -> JSONDict | None:
        return self.message.get("reply_markup")

    @property
    def html(self) -> str:
        """The text re-rendered as Telegram HTML (escaped; safe for a web page)."""
        return entities_to_html(self.text, self.entities)

    @property
    def callback_data(self) -> list[str]:
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [b["callback_data"] for row in rows for b in row if "callback_data" in b]


@dataclass
class ChatState:
    """A chat and everything the server knows about it beyond the Bot API Chat object."""

    chat: JSONDict
    members: list[int] = field(default_factory=list)
    admins: list[int] = field(default_factory=list)
    privacy_mode: bool = True
    bot_is_admin: bool = False
    forum: bool = False
    next_message_id: int = 1
    messages: dict[int, StoredMessage] = field(default_factory=dict)
    sent_times: list[float] = field(default_factory=list)
    bucket_tokens: float = 0.0
    bucket_time: float = 0.0

    @property
    def id(self) -> int:
        chat_id: int = self.chat["id"]
        return chat_id

    @property
    def type(self) -> str:
        chat_type: str = self.chat["type"]
        return chat_type

    @property
    def is_group(self) -> bool:
        return self.type in ("group", "supergroup")


@dataclass
class BotProfile:
    """What the bot set up about itself: command menus, descriptions, names, menu buttons
    (and what @BotFather set: inline mode).

    Commands are keyed by (scope key, language code); the texts by language code ("" is
    the default for every language).
    """

    commands: dict[tuple[str, str], list[JSONDict]] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)
    short_descriptions: dict[str, str] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    menu_buttons: dict[int | None, JSONDict] = field(default_factory=dict)
    supports_inline_queries: bool = True


@dataclass
class Queries:
    """Callback and inline queries users made, how the bot answered, and the messages
    posted through inline mode (by inline_message_id). A query record is
    ``{"query": the Bot API object, "answered": bool}``."""

    callback_queries: dict[str, JSONDict] = field(default_factory=dict)
    inline_queries: dict[str, JSONDict] = field(default_factory=dict)
    callback_answers: dict[str, JSONDict] = field(default_factory=dict)
    inline_answers: dict[str, JSONDict] = field(default_factory=dict)
    inline_messages: dict[str, StoredMessage] = field(default_factory=dict)
    ids: Iterator[int] = field(default_factory=lambda: itertools.count(7_000_000_001))


def now() -> int:
    """Telegram's dates: whole seconds since the epoch."""
    return int(time.time())


def ref_id(ref: Any) -> int:
    """The id of a user/chat given as an id, a Bot API dict or a python-telegram-bot object."""
    if isinstance(ref, int):
        return ref
    if isinstance(ref, dict):
        return int(ref["id"])
    return int(ref.id)


def as_dict(message: Any) -> JSONDict:
    """A Message as a dict, also when given as a python-telegram-bot ``Message``."""
    return message if isinstance(message, dict) else message.to_dict()
