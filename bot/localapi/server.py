"""A local, in-process stand-in for Telegram's Bot API server.

Telegram is unreachable from the test machines, yet the bot must be tested the way it
runs: the real python-telegram-bot ``Application`` talking HTTP to a Bot API server.
:class:`LocalBotApi` is that server. It listens on 127.0.0.1 (ephemeral port) and
simulates a small Telegram world - users, private chats, groups with privacy mode,
buttons, inline queries - closely enough that python-telegram-bot cannot tell the
difference where it matters::

    api = LocalBotApi(token="123456:TEST-token", bot_username="cq_faq_bot")
    await api.start()
    app = ApplicationBuilder().token(api.token).base_url(api.base_url).build()
    alice = api.add_user("Alice", language_code="en")
    api.user_sends(alice, api.private_chat(alice), "/start")
    ...
    await api.wait_for(lambda: api.bot_messages())
    await api.stop()

What is modelled, and why:

* the wire protocol: form/JSON/multipart parameters (structured ones as JSON strings),
  ``{"ok": ..., "result"/"error_code"/"description"/"parameters"}`` replies with
  Telegram's wording, case-insensitive method names, 401 on a wrong token;
* getUpdates long polling with offsets, and webhooks (secret token header, retries);
* privacy mode in groups, reply threading, HTML formatting with UTF-16 entities,
  inline keyboards, callback and inline queries, command menus per scope/language;
* flood limits (per chat, per group per minute, global per second) answered with 429
  and ``retry_after``, plus injectable faults (429, 5xx, slow, dropped connections),
  because those are what break bots in production;
* every object the server returns is checked against the Bot API 10.0 spec
  (:mod:`.schema`); a mismatch lands in :attr:`LocalBotApi.schema_violations`.

A small JSON control API under ``/_local/`` exposes the same world to a browser page.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import inspect
import itertools
import json
import logging
import math
import re
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from .htmlparse import (
    EntityParseError,
    detect_client_entities,
    entities_to_html,
    parse_html,
    strip_formatted,
    utf16_len,
)
from .schema import Spec, load_spec

__all__ = ["LocalBotApi", "ApiError", "RateLimits", "Fault", "StoredMessage", "ChatState"]

logger = logging.getLogger(__name__)

JSONDict = dict[str, Any]
# Users, chats and messages can be passed as ids, Bot API dicts or python-telegram-bot
# objects (User, Chat, Message); messages also as StoredMessage.
UserRef = Any
ChatRef = Any
MessageRef = Any
MAX_MESSAGE_LENGTH = 4096
CALLBACK_DATA_MAX_BYTES = 64
CHAT_ACTIONS = {
    "typing",
    "upload_photo",
    "record_video",
    "upload_video",
    "record_voice",
    "upload_voice",
    "upload_document",
    "choose_sticker",
    "find_location",
    "record_video_note",
    "upload_video_note",
}
# Update kinds Telegram leaves out unless allowed_updates asks for them explicitly.
OPT_IN_UPDATES = {"chat_member", "message_reaction", "message_reaction_count"}
# Inline keyboard button fields that do not define what the button does.
BUTTON_DECORATION = {"text", "icon_custom_emoji_id", "style"}
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"


# =========================================================================== errors
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


# =========================================================================== configuration
@dataclass
class RateLimits:
    """Telegram's flood limits, scaled to taste (tests shrink windows to stay fast).

    Private chats: a token bucket - sustained ``private_per_second`` messages per second
    with bursts of up to ``private_burst``. Groups: at most ``group_per_minute`` messages
    in any sliding ``group_window`` seconds. Everything: ``global_per_second`` messages in
    any sliding second. Only accepted sent messages count (not edits or failures).
    """

    enabled: bool = True
    private_per_second: float = 1.0
    private_burst: int = 3
    group_per_minute: int = 20
    group_window: float = 60.0
    global_per_second: int = 30


@dataclass
class Fault:
    """A fault to inject into the next matching requests (see :meth:`LocalBotApi.inject`)."""

    kind: str
    method: str | None = None
    retry_after: int = 1
    status: int = 502
    delay: float = 1.0
    times: int | None = 1
    match: Callable[[JSONDict], bool] | None = None
    injected: int = 0

    KINDS = ("429", "5xx", "slow", "drop", "drop_after")

    @property
    def exhausted(self) -> bool:
        return self.times is not None and self.injected >= self.times

    def applies_to(self, method: str, params: JSONDict) -> bool:
        if self.exhausted or (self.method and self.method.lower() != method.lower()):
            return False
        return self.match is None or bool(self.match(params))


# =========================================================================== world records
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
        return self.message.get("text", "")

    @property
    def entities(self) -> list[JSONDict]:
        return self.message.get("entities", [])

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
        return self.chat["id"]

    @property
    def type(self) -> str:
        return self.chat["type"]

    @property
    def is_group(self) -> bool:
        return self.type in ("group", "supergroup")


class _Signal:
    """Wake every waiter when something changes; usable from synchronous code."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self, timeout: float) -> bool:
        event = self._event
        try:
            await asyncio.wait_for(event.wait(), max(timeout, 0))
            return True
        except asyncio.TimeoutError:
            return False


def _now() -> int:
    return int(time.time())


def _ref_id(ref: Any) -> int:
    """The id of a user/chat given as an id, a Bot API dict or a python-telegram-bot object."""
    if isinstance(ref, int):
        return ref
    if isinstance(ref, dict):
        return int(ref["id"])
    return int(ref.id)


def _as_dict(message: Any) -> JSONDict:
    """A Message as a dict, also when given as a python-telegram-bot ``Message``."""
    return message if isinstance(message, dict) else message.to_dict()


# =========================================================================== the server
class LocalBotApi:
    """Fake Telegram Bot API server plus the simulated world behind it.

    Args:
        token: The bot token clients must use; its numeric prefix becomes the bot's id.
        bot_username: The bot's username (without ``@``).
        bot_name: The bot's first name.
        host, port: Where to listen; port 0 picks a free port (see :attr:`base_url`).
        privacy_mode: Default privacy mode of groups (Telegram's default is on).
        supports_inline_queries: Reported by getMe.
        inline_feedback: Send ``chosen_inline_result`` updates (a BotFather setting).
        limits: Flood limits; ``RateLimits(enabled=False)`` turns them off.
        webhook_retry_delay: Seconds between webhook delivery retries.
    """

    def __init__(
        self,
        token: str = "123456:TEST-token",
        *,
        bot_username: str = "local_test_bot",
        bot_name: str = "Local Test Bot",
        host: str = "127.0.0.1",
        port: int = 0,
        privacy_mode: bool = True,
        supports_inline_queries: bool = True,
        inline_feedback: bool = True,
        limits: RateLimits | None = None,
        webhook_retry_delay: float = 0.5,
    ) -> None:
        self.token = token
        self.host = host
        self.port = port
        self.spec: Spec = load_spec()
        self.limits = limits or RateLimits()
        self.default_privacy_mode = privacy_mode
        self.inline_feedback = inline_feedback
        self.webhook_retry_delay = webhook_retry_delay
        bot_id = int(token.split(":", 1)[0]) if token.split(":", 1)[0].isdigit() else 1
        self.bot_user: JSONDict = {
            "id": bot_id,
            "is_bot": True,
            "first_name": bot_name,
            "username": bot_username,
        }
        self.supports_inline_queries = supports_inline_queries

        # the world
        self.users: dict[int, JSONDict] = {}
        self.chats: dict[int, ChatState] = {}
        self.blocked_by: set[int] = set()
        self._user_ids = itertools.count(1_000_001)
        self._group_ids = itertools.count(1)

        # what the bot set up
        self.commands: dict[tuple[str, str], list[JSONDict]] = {}
        self.descriptions: dict[str, str] = {}
        self.short_descriptions: dict[str, str] = {}
        self.names: dict[str, str] = {}
        self.menu_buttons: dict[int | None, JSONDict] = {}
        self.chat_actions: list[JSONDict] = []
        self.inline_answers: dict[str, JSONDict] = {}
        self.callback_answers: dict[str, JSONDict] = {}

        # updates and webhook
        self.pending_updates: list[JSONDict] = []
        self._update_ids = itertools.count(100_000_001)
        self._allowed_updates: list[str] = []
        self._poll_generation = 0
        self.webhook: JSONDict = {"url": ""}
        self._webhook_task: asyncio.Task[None] | None = None
        self._callback_queries: dict[str, JSONDict] = {}
        self._inline_queries: dict[str, JSONDict] = {}
        self._inline_messages: dict[str, StoredMessage] = {}
        self._query_ids = itertools.count(7_000_000_001)

        # bookkeeping for tests
        self.schema_violations: list[str] = []
        self.requests: list[JSONDict] = []
        self.faults: list[Fault] = []
        self.injected: Counter[tuple[str, str]] = Counter()
        self.rate_limit_hits: Counter[int | str] = Counter()
        self._global_sent_times: list[float] = []
        self.events: list[JSONDict] = []

        self._signal: _Signal | None = None
        self._closing = False
        self.server_errors: list[str] = []
        self._runner: web.AppRunner | None = None
        self._method_table = self._handlers()
        self.web_app = self._build_web_app()

    # ------------------------------------------------------------------ lifecycle
    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """For ``ApplicationBuilder().base_url(...)``; python-telegram-bot appends the token."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self.url}/file/bot"

    async def start(self) -> None:
        """Listen on ``host:port`` (port 0 = pick a free one, then stored in :attr:`port`)."""
        self._closing = False
        self._runner = web.AppRunner(
            self.web_app, access_log=None, shutdown_timeout=1.0, handle_signals=False
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = self._runner.addresses[0][1]
        logger.info("Local Bot API server listening on %s", self.url)

    async def stop(self) -> None:
        """Stop serving; pending long polls return at once."""
        self._closing = True
        self._changed()
        await self._stop_webhook_delivery()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        logger.info("Local Bot API server on %s stopped", self.url)

    async def __aenter__(self) -> LocalBotApi:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    def _redact(self, text: str) -> str:
        """Never let the token reach a log line."""
        return text.replace(self.token, "<token>")

    @property
    def signal(self) -> _Signal:
        if self._signal is None:
            self._signal = _Signal()
        return self._signal

    def _changed(self) -> None:
        self.signal.notify()

    async def wait_for(
        self, predicate: Callable[[], Any], timeout: float = 5.0, interval: float = 0.01
    ) -> Any:
        """Poll ``predicate`` until it returns something truthy (returned); TimeoutError otherwise."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if loop.time() >= deadline:
                raise TimeoutError(f"condition not met within {timeout} s")
            await asyncio.sleep(interval)

    # ------------------------------------------------------------------ events
    def _emit(self, kind: str, **data: Any) -> JSONDict:
        event = {"id": len(self.events) + 1, "type": kind, "date": _now(), **copy.deepcopy(data)}
        self.events.append(event)
        self._changed()
        return event

    def events_after(self, after: int = 0) -> list[JSONDict]:
        return self.events[max(after, 0) :]

    def _validate(self, value: Any, types: str | list[str], context: str) -> None:
        """Record a server bug when ``value`` is not what Telegram would send."""
        for problem in self.spec.check(value, types, context):
            if problem not in self.schema_violations:
                self.schema_violations.append(problem)
                logger.error("Schema violation: %s", problem)

    # ------------------------------------------------------------------ world: users and chats
    def add_user(
        self,
        first_name: str,
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
        is_premium: bool | None = None,
        user_id: int | None = None,
    ) -> JSONDict:
        """Create a human user; returns the Bot API User object."""
        user: JSONDict = {"id": user_id or next(self._user_ids), "is_bot": False, "first_name": first_name}
        for key, value in (
            ("last_name", last_name),
            ("username", username),
            ("language_code", language_code),
            ("is_premium", is_premium),
        ):
            if value is not None:
                user[key] = value
        self._validate(user, "User", "add_user")
        self.users[user["id"]] = user
        self._emit("user_added", user=user)
        return user

    def private_chat(self, user: UserRef) -> JSONDict:
        """The user's private chat with the bot (created the first time: the user pressed Start)."""
        user = self._user(user)
        if user["id"] not in self.chats:
            chat = {"id": user["id"], "type": "private", "first_name": user["first_name"]}
            chat.update({k: user[k] for k in ("last_name", "username") if k in user})
            self.chats[chat["id"]] = ChatState(chat=chat, members=[user["id"]], privacy_mode=False)
            self._emit("chat_added", chat=chat, members=[user])
        return self.chats[user["id"]].chat

    def add_group(
        self,
        title: str,
        *,
        members: Iterable[UserRef] = (),
        admins: Iterable[UserRef] = (),
        privacy_mode: bool | None = None,
        bot_is_admin: bool = False,
        username: str | None = None,
        supergroup: bool = True,
        forum: bool = False,
    ) -> JSONDict:
        """Create a group the bot is a member of; the first admin is its owner.

        Admins are members too. ``privacy_mode`` defaults to the server's default.
        """
        number = next(self._group_ids)
        chat_id = -(1_000_000_000_000 + number) if supergroup else -(400_000_000 + number)
        chat: JSONDict = {"id": chat_id, "type": "supergroup" if supergroup else "group", "title": title}
        if username:
            chat["username"] = username
        if forum and supergroup:
            chat["is_forum"] = True
        admin_ids = [_ref_id(u) for u in admins]
        member_ids = list(dict.fromkeys([_ref_id(u) for u in members] + admin_ids))
        for user_id in member_ids:
            self._user(user_id)
        state = ChatState(
            chat=chat,
            members=member_ids,
            admins=admin_ids,
            privacy_mode=self.default_privacy_mode if privacy_mode is None else privacy_mode,
            bot_is_admin=bot_is_admin,
            forum=forum and supergroup,
        )
        self.chats[chat_id] = state
        self._emit(
            "chat_added",
            chat=chat,
            members=[self.users[i] for i in member_ids],
            admins=admin_ids,
            privacy_mode=state.privacy_mode,
            bot_is_admin=bot_is_admin,
        )
        return chat

    def set_privacy_mode(self, enabled: bool) -> None:
        """The bot's privacy mode (@BotFather's /setprivacy): getMe's can_read_all_group_messages
        and what the bot sees in its groups. Telegram applies a change to a group when the bot is
        added to it again; here it applies at once."""
        self.default_privacy_mode = enabled
        for state in self.chats.values():
            if state.is_group:
                state.privacy_mode = enabled
        self._emit("privacy_changed", privacy_mode=enabled)

    def add_member(self, group: ChatRef, user: UserRef) -> JSONDict:
        """A user joins a group: a service message (new_chat_members), which the bot gets."""
        state, user = self._chat(group), self._user(user)
        if user["id"] not in state.members:
            state.members.append(user["id"])
        stored = self._store_message(state, sender=user, fields={"new_chat_members": [user]})
        self._deliver_user_message(state, stored, "message")
        return stored.message

    def user_blocks_bot(self, user: UserRef, blocked: bool = True) -> None:
        """Sending to a user who blocked the bot fails with 403, as on Telegram."""
        user_id = _ref_id(user)
        (self.blocked_by.add if blocked else self.blocked_by.discard)(user_id)

    def _user(self, user: Any) -> JSONDict:
        user_id = _ref_id(user)
        if user_id not in self.users:
            raise ValueError(f"unknown user {user_id}")
        return self.users[user_id]

    def _chat(self, chat: Any) -> ChatState:
        """A chat given as id, Chat dict, python-telegram-bot Chat or ChatState."""
        if isinstance(chat, ChatState):
            return chat
        chat_id = _ref_id(chat)
        if chat_id not in self.chats:
            raise ValueError(f"unknown chat {chat_id}")
        return self.chats[chat_id]

    # ------------------------------------------------------------------ world: users act
    def user_sends(
        self,
        user: UserRef,
        chat: ChatRef,
        text: str,
        *,
        reply_to: MessageRef | int | None = None,
        entities: list[JSONDict] | None = None,
        thread_id: int | None = None,
    ) -> JSONDict:
        """A user sends a text message; returns the Message (also when the bot can't see it).

        Entities default to what a Telegram client detects (bot commands, mentions,
        hashtags, URLs, e-mails). ``reply_to`` is a Message, StoredMessage or message id.
        """
        state, user = self._chat(chat), self._user(user)
        if user["id"] not in state.members:
            raise ValueError(f"user {user['id']} is not a member of chat {state.id}")
        if not text:
            raise ValueError("a message needs text")
        fields: JSONDict = {"text": text}
        found = detect_client_entities(text) if entities is None else entities
        if found:
            fields["entities"] = found
        reply_target = self._reply_target_for_user(state, reply_to)
        stored = self._store_message(
            state, sender=user, fields=fields, reply_to=reply_target, thread_id=thread_id
        )
        self._deliver_user_message(state, stored, "message")
        return stored.message

    def user_edits(self, user: UserRef, message: MessageRef, text: str) -> JSONDict:
        """A user edits their message; the bot gets an edited_message update if it saw it."""
        stored = self._stored(message)
        if stored.from_bot or stored.message.get("from", {}).get("id") != _ref_id(user):
            raise ValueError("users can only edit their own messages")
        state = self.chats[stored.chat_id]
        stored.message["text"] = text
        stored.message.pop("entities", None)
        if found := detect_client_entities(text):
            stored.message["entities"] = found
        stored.message["edit_date"] = _now()
        stored.history.append({"op": "edit_text", "date": _now(), "text": text, "by": "user"})
        self._validate(stored.message, "Message", "user_edits")
        self._emit(
            "message_edited",
            chat_id=state.id,
            message_id=stored.message_id,
            by="user",
            message=stored.message,
            html=stored.html,
        )
        self._deliver_user_message(state, stored, "edited_message")
        return stored.message

    def user_presses(
        self,
        user: UserRef,
        message: MessageRef | str,
        callback_data: str,
        *,
        check: bool = True,
    ) -> str:
        """A user presses an inline button; returns the callback query id.

        ``message`` is a bot Message / StoredMessage, or an inline_message_id string for
        messages sent via inline mode. With ``check`` the message must carry a button
        with that callback_data, as a real client only sends what is on a button.
        """
        user = self._user(user)
        stored = self._inline_messages[message] if isinstance(message, str) else self._stored(message)
        if check and callback_data not in stored.callback_data:
            raise ValueError(f"message has no button with callback_data {callback_data!r}")
        query_id = str(next(self._query_ids))
        query: JSONDict = {"id": query_id, "from": user}
        if stored.inline_message_id and isinstance(message, str):
            query["inline_message_id"] = stored.inline_message_id
            query["chat_instance"] = f"inline-{stored.inline_message_id}"
        else:
            state = self.chats[stored.chat_id]
            query["message"] = (
                {"chat": state.chat, "message_id": stored.message_id, "date": 0}
                if stored.deleted
                else stored.message
            )
            query["chat_instance"] = str(abs(state.id) * 7919 % 10**15)
        query["data"] = callback_data
        self._callback_queries[query_id] = {"query": query, "answered": False}
        self._emit("callback_query", callback_query=query)
        self._enqueue("callback_query", query)
        return query_id

    def user_inline_query(
        self, user: UserRef, query: str, *, chat_type: str = "sender", offset: str = ""
    ) -> str:
        """A user types ``@bot query`` in some chat; returns the inline query id."""
        user = self._user(user)
        query_id = str(next(self._query_ids))
        inline_query = {
            "id": query_id,
            "from": user,
            "query": query,
            "offset": offset,
            "chat_type": chat_type,
        }
        self._inline_queries[query_id] = {"query": inline_query, "answered": False}
        self._emit("inline_query", inline_query=inline_query)
        self._enqueue("inline_query", inline_query)
        return query_id

    def user_chooses_inline_result(
        self,
        user: UserRef,
        inline_query_id: str,
        result_id: str,
        chat: ChatRef | None = None,
    ) -> JSONDict | None:
        """A user picks an answered inline result; it is posted "via" the bot.

        With ``chat`` the message appears there (the bot gets it as a message when it
        is a member, as messages via the bot pass privacy mode); without, it goes to a
        chat outside the simulation. Returns the posted Message, if any.
        """
        user = self._user(user)
        answer = self.inline_answers.get(inline_query_id)
        if answer is None:
            raise ValueError(f"inline query {inline_query_id} was not answered")
        result = next((r for r in answer["results"] if r.get("id") == result_id), None)
        if result is None:
            raise ValueError(f"no result {result_id!r} in the answer")
        content = result.get("input_message_content") or {}
        if "message_text" not in content:
            raise ValueError("only text results (input_message_content.message_text) are simulated")
        text, entities = self._format_text(
            content["message_text"], content.get("parse_mode"), content.get("entities")
        )
        markup = self._check_reply_markup(result.get("reply_markup"))
        fields: JSONDict = {"text": text, "via_bot": self.bot_user}
        if entities:
            fields["entities"] = entities
        if markup:
            fields["reply_markup"] = markup
        inline_message_id = f"local-inline-{next(self._query_ids)}" if markup else None
        posted: JSONDict | None = None
        if chat is not None:
            state = self._chat(chat)
            stored = self._store_message(state, sender=user, fields=fields)
            self._deliver_user_message(state, stored, "message")
            posted = stored.message
        else:
            message = {"message_id": 0, "from": user, "date": _now(), **fields}
            stored = StoredMessage(chat_id=0, message_id=0, message=message, from_bot=False)
        if inline_message_id:
            stored.inline_message_id = inline_message_id
            self._inline_messages[inline_message_id] = stored
        chosen = {
            "result_id": result_id,
            "from": user,
            "query": self._inline_queries[inline_query_id]["query"]["query"],
        }
        if inline_message_id:
            chosen["inline_message_id"] = inline_message_id
        self._emit(
            "chosen_inline_result",
            chosen_inline_result=chosen,
            chat_id=posted and posted["chat"]["id"],
            message=posted,
        )
        if self.inline_feedback:
            self._enqueue("chosen_inline_result", chosen)
        return posted

    # ------------------------------------------------------------------ world: inspection
    def messages(self, chat: ChatRef) -> list[StoredMessage]:
        """Every message of a chat, oldest first, deleted ones included (flagged)."""
        return list(self._chat(chat).messages.values())

    def bot_messages(
        self, chat: ChatRef | None = None, *, include_deleted: bool = True
    ) -> list[StoredMessage]:
        """Messages the bot sent, oldest first; each with its edit/delete history."""
        states = [self._chat(chat)] if chat is not None else list(self.chats.values())
        found = [
            m
            for s in states
            for m in s.messages.values()
            if m.from_bot and (include_deleted or not m.deleted)
        ]
        return sorted(found, key=lambda m: m.history[0]["at"])

    def message(self, chat: ChatRef, message_id: int) -> StoredMessage:
        return self._chat(chat).messages[message_id]

    def sent_timestamps(self, chat: ChatRef) -> list[float]:
        """Monotonic times at which the bot's messages to this chat were accepted."""
        return list(self._chat(chat).sent_times)

    def max_in_window(self, chat: ChatRef | None, window: float) -> int:
        """Most accepted bot messages in any sliding ``window`` seconds (chat=None: all chats)."""
        times = self._global_sent_times if chat is None else self._chat(chat).sent_times
        best, start = 0, 0
        for end, moment in enumerate(times):
            while times[start] <= moment - window:
                start += 1
            best = max(best, end - start + 1)
        return best

    def get_commands(self, scope: JSONDict | None = None, language_code: str = "") -> list[JSONDict]:
        return self.commands.get((self._scope_key(scope or {"type": "default"}), language_code), [])

    def _stored(self, message: Any) -> StoredMessage:
        """A message given as StoredMessage, Message dict or python-telegram-bot Message."""
        if isinstance(message, StoredMessage):
            return message
        message = _as_dict(message)
        state = self._chat(message["chat"]["id"])
        return state.messages[message["message_id"]]

    def _reply_target_for_user(self, state: ChatState, reply_to: Any) -> StoredMessage | None:
        if reply_to is None:
            return None
        message_id = reply_to if isinstance(reply_to, int) else self._stored(reply_to).message_id
        target = state.messages.get(message_id)
        if target is None or target.deleted:
            raise ValueError(f"message {message_id} not found in chat {state.id}")
        return target

    # ------------------------------------------------------------------ messages and delivery
    def _store_message(
        self,
        state: ChatState,
        *,
        sender: JSONDict,
        fields: JSONDict,
        reply_to: StoredMessage | None = None,
        thread_id: int | None = None,
    ) -> StoredMessage:
        """Give a message its id in the chat, thread it, validate and keep it."""
        message_id = state.next_message_id
        state.next_message_id += 1
        message: JSONDict = {"message_id": message_id}
        if state.forum and thread_id:
            message.update(message_thread_id=thread_id, is_topic_message=True)
        message.update({"from": sender, "chat": state.chat, "date": _now()})
        if reply_to is not None:
            message["reply_to_message"] = {
                k: v for k, v in reply_to.message.items() if k != "reply_to_message"
            }
        message.update(fields)
        stored = StoredMessage(
            chat_id=state.id,
            message_id=message_id,
            message=message,
            from_bot=sender["id"] == self.bot_user["id"],
        )
        stored.history.append({"op": "send", "date": message["date"], "at": time.monotonic()})
        state.messages[message_id] = stored
        self._validate(message, "Message", "stored message")
        return stored

    def bot_sees(self, state: ChatState, message: JSONDict) -> bool:
        """Privacy mode: in groups the bot only sees what is meant for it.

        That is commands (``/cmd`` or ``/cmd@this_bot`` at the start), replies to its
        messages, messages sent via it, and service messages - unless privacy mode is
        off for the group or the bot is an admin there. Private chats: everything.
        """
        if not state.is_group or not state.privacy_mode or state.bot_is_admin:
            return True
        if "text" not in message:
            return True  # service messages (members joining, ...)
        if message.get("via_bot", {}).get("id") == self.bot_user["id"]:
            return True
        if message.get("reply_to_message", {}).get("from", {}).get("id") == self.bot_user["id"]:
            return True
        command = next(
            (e for e in message.get("entities", []) if e["type"] == "bot_command" and e["offset"] == 0), None
        )
        if command is None:
            return False
        target = message["text"][: command["length"]].partition("@")[2]
        return not target or target.lower() == self.bot_user["username"].lower()

    def _deliver_user_message(self, state: ChatState, stored: StoredMessage, kind: str) -> None:
        delivered = self.bot_sees(state, stored.message)
        stored.delivered = stored.delivered or delivered
        if kind == "message":
            self._emit(
                "user_message",
                chat_id=state.id,
                message_id=stored.message_id,
                message=stored.message,
                html=stored.html,
                delivered=delivered,
            )
        if delivered:
            self._enqueue(kind, stored.message)

    def _enqueue(self, kind: str, obj: JSONDict) -> None:
        """Queue an update for getUpdates / the webhook, unless allowed_updates excludes it."""
        allowed = self._allowed_updates or [k for k in self.spec.update_kinds() if k not in OPT_IN_UPDATES]
        if kind not in allowed:
            return
        update = {"update_id": next(self._update_ids), kind: copy.deepcopy(obj)}
        self._validate(update, "Update", f"update {kind}")
        self.pending_updates.append(update)
        self._changed()

    # ------------------------------------------------------------------ fault injection
    def inject(
        self,
        method: str | None = None,
        kind: str = "429",
        *,
        retry_after: int = 1,
        status: int = 502,
        delay: float = 1.0,
        times: int | None = 1,
        match: Callable[[JSONDict], bool] | None = None,
    ) -> Fault:
        """Make the next ``times`` matching requests fail (``times=None``: until cleared).

        Kinds: ``"429"`` (flood error with ``retry_after``), ``"5xx"`` (``status`` 500 or
        502 with a JSON body), ``"slow"`` (wait ``delay`` seconds, then answer normally),
        ``"drop"`` (close the connection without answering; nothing happens) and
        ``"drop_after"`` (do the work, then close the connection: the bot never learns
        its message was sent). ``match`` filters on the decoded parameters.
        """
        if kind not in Fault.KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; use one of {Fault.KINDS}")
        fault = Fault(
            kind=kind,
            method=method,
            retry_after=retry_after,
            status=status,
            delay=delay,
            times=times,
            match=match,
        )
        self.faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        self.faults.clear()

    def _take_fault(self, method: str, params: JSONDict) -> Fault | None:
        for fault in self.faults:
            if fault.applies_to(method, params):
                fault.injected += 1
                self.injected[(method, fault.kind)] += 1
                return fault
        return None

    # ------------------------------------------------------------------ flood limits
    def _admit(self, state: ChatState) -> None:
        """Accept one more bot message for ``state`` or raise 429 with retry_after."""
        now = time.monotonic()
        if self.limits.enabled:
            wait = max(self._global_wait(now), self._chat_wait(state, now))
            if wait > 0:
                retry_after = max(1, math.ceil(wait))
                self.rate_limit_hits[state.id] += 1
                self.rate_limit_hits["total"] += 1
                raise too_many_requests(retry_after)
        if state.type == "private":
            state.bucket_tokens = self._bucket_level(state, now) - 1
            state.bucket_time = now
        state.sent_times.append(now)
        self._global_sent_times.append(now)

    def _global_wait(self, now: float) -> float:
        return self._window_wait(self._global_sent_times, self.limits.global_per_second, 1.0, now)

    def _chat_wait(self, state: ChatState, now: float) -> float:
        if state.is_group:
            return self._window_wait(
                state.sent_times, self.limits.group_per_minute, self.limits.group_window, now
            )
        level = self._bucket_level(state, now)
        return 0.0 if level >= 1 else (1 - level) / self.limits.private_per_second

    def _bucket_level(self, state: ChatState, now: float) -> float:
        if not state.sent_times:
            return float(self.limits.private_burst)
        refill = (now - state.bucket_time) * self.limits.private_per_second
        return min(float(self.limits.private_burst), state.bucket_tokens + refill)

    @staticmethod
    def _window_wait(times: list[float], limit: int, window: float, now: float) -> float:
        recent = [t for t in times[-limit:] if t > now - window]
        if len(recent) < limit:
            return 0.0
        return recent[0] + window - now

    # ------------------------------------------------------------------ HTTP plumbing
    def _build_web_app(self) -> web.Application:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_bot_api)
        app.router.add_route("*", "/file/bot{token}/{path:.*}", self._handle_file)
        self._add_control_routes(app)
        return app

    async def _handle_file(self, request: web.Request) -> web.Response:
        return web.json_response(ApiError(404, "Not Found").payload(), status=404)

    async def _handle_bot_api(self, request: web.Request) -> web.StreamResponse:
        """One Bot API call: authenticate, decode, maybe inject a fault, run, validate."""
        name = request.match_info["method"]
        log_path = self._redact(request.path)
        if request.match_info["token"] != self.token:
            return self._reply(request, name, {}, ApiError(401, "Unauthorized"))
        method = self.spec.method_name(name)
        if method is None:
            return self._reply(request, name, {}, ApiError(404, "Not Found"))
        try:
            params = self._decode_params(method, await self._read_params(request))
        except ApiError as error:
            return self._reply(request, method, {}, error)
        fault = self._take_fault(method, params)
        if fault is not None:
            logger.info("Injecting %s into %s %s", fault.kind, request.method, log_path)
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
        handler = self._method_table.get(method)
        if handler is None:
            raise bad_request("method not implemented in the local server")
        problems = self.spec.check_params(method, params)
        if problems:
            raise bad_request(self._describe_problem(method, problems[0]))
        result = handler(params)
        if inspect.isawaitable(result):
            result = await result
        self._validate(result, self.spec.method_returns(method), f"{method} result")
        return result

    @staticmethod
    def _describe_problem(method: str, problem: str) -> str:
        """Telegram's words for the commonest missing parameters, a generic text otherwise."""
        if problem == 'parameter "text" is required':
            return "message text is empty"
        if problem == 'parameter "chat_id" is required':
            return "chat_id is empty"
        return problem if problem.startswith("parameter") else f"invalid parameter {problem}"

    def _reply(self, request: web.Request, method: str, params: JSONDict, outcome: Any) -> web.Response:
        if isinstance(outcome, ApiError):
            body, status = outcome.payload(), outcome.code
            self._emit("api_error", method=method, error_code=outcome.code, description=outcome.description)
        else:
            body, status = {"ok": True, "result": outcome}, 200
        self.requests.append(
            {"method": method, "params": params, "status": status, "description": body.get("description")}
        )
        logger.debug("%s %s -> %s", request.method, self._redact(request.path), status)
        return web.json_response(body, status=status, dumps=_dumps)

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
            self.rate_limit_hits["injected"] += 1
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

    async def _read_params(self, request: web.Request) -> JSONDict:
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

    def _decode_params(self, method: str, raw: JSONDict) -> JSONDict:
        """Turn form strings into the types the spec names (JSON for structured fields)."""
        params = {}
        spec_fields = {f["name"]: f["types"] for f in self.spec.method_fields(method)}
        legacy = {
            "reply_to_message_id": ["Integer"],
            "allow_sending_without_reply": ["Boolean"],
            "disable_web_page_preview": ["Boolean"],
        }
        for name, value in raw.items():
            types = spec_fields.get(name) or legacy.get(name)
            if types is not None:
                params[name] = _coerce(name, value, types)
        return params

    # ------------------------------------------------------------------ method table
    def _handlers(self) -> dict[str, Callable[[JSONDict], Any]]:
        return {
            "getMe": self._get_me,
            "logOut": lambda p: True,
            "close": lambda p: True,
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "answerCallbackQuery": self._answer_callback_query,
            "answerInlineQuery": self._answer_inline_query,
            "sendChatAction": self._send_chat_action,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "setMyDescription": lambda p: self._set_text_setting(self.descriptions, p, "description", 512),
            "getMyDescription": lambda p: {"description": self._get_text_setting(self.descriptions, p)},
            "setMyShortDescription": lambda p: self._set_text_setting(
                self.short_descriptions, p, "short_description", 120
            ),
            "getMyShortDescription": lambda p: {
                "short_description": self._get_text_setting(self.short_descriptions, p)
            },
            "setMyName": lambda p: self._set_text_setting(self.names, p, "name", 64),
            "getMyName": lambda p: {
                "name": self._get_text_setting(self.names, p) or self.bot_user["first_name"]
            },
            "setChatMenuButton": self._set_chat_menu_button,
            "getChatMenuButton": self._get_chat_menu_button,
            "getChat": self._get_chat,
            "getChatMember": self._get_chat_member,
            "getChatAdministrators": self._get_chat_administrators,
        }

    # ------------------------------------------------------------------ methods: bot and updates
    def _get_me(self, params: JSONDict) -> JSONDict:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": not self.default_privacy_mode,
            "supports_inline_queries": self.supports_inline_queries,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _get_updates(self, params: JSONDict) -> list[JSONDict]:
        """Long polling: wait up to ``timeout`` s for updates after confirming ``offset``."""
        if self.webhook["url"]:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        self._poll_generation += 1
        generation = self._poll_generation
        self._changed()  # wakes an older long poll, which now ends with 409
        if "allowed_updates" in params:
            self._allowed_updates = list(params["allowed_updates"] or [])
        self._confirm(params.get("offset"))
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + min(max(int(params.get("timeout") or 0), 0), 600)
        while True:
            if generation != self._poll_generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; "
                    "make sure that only one bot instance is running",
                )
            remaining = deadline - loop.time()
            if self.pending_updates or remaining <= 0 or self._closing:
                return copy.deepcopy(self.pending_updates[:limit])
            await self.signal.wait(remaining)

    def _confirm(self, offset: int | None) -> None:
        """Forget updates below ``offset``; a negative offset keeps only the last -offset."""
        if offset is None:
            return
        if offset < 0:
            del self.pending_updates[: max(len(self.pending_updates) + offset, 0)]
        else:
            self.pending_updates[:] = [u for u in self.pending_updates if u["update_id"] >= offset]

    def _set_webhook(self, params: JSONDict) -> bool:
        url = params["url"]
        if not url:
            return self._delete_webhook(params)
        if not re.match(r"^https?://[^/\s]+", url):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
            raise bad_request("bad webhook: secret token contains unallowed characters")
        if params.get("drop_pending_updates"):
            self.pending_updates.clear()
        if "allowed_updates" in params:
            self._allowed_updates = list(params["allowed_updates"] or [])
        self.webhook = {
            "url": url,
            "secret_token": secret,
            "max_connections": params.get("max_connections") or 40,
        }
        self._poll_generation += 1  # a running long poll ends (with 409)
        if self._webhook_task is None or self._webhook_task.done():
            self._webhook_task = asyncio.get_running_loop().create_task(self._deliver_webhook())
        logger.info("Webhook set to %s", self._redact(url))
        self._emit("webhook_set", url=self._redact(url))
        self._changed()
        return True

    async def _delete_webhook(self, params: JSONDict) -> bool:
        if params.get("drop_pending_updates"):
            self.pending_updates.clear()
        if self.webhook["url"]:
            self._emit("webhook_deleted")
        self.webhook = {"url": ""}
        await self._stop_webhook_delivery()
        return True

    async def _stop_webhook_delivery(self) -> None:
        task, self._webhook_task = self._webhook_task, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def _get_webhook_info(self, params: JSONDict) -> JSONDict:
        info: JSONDict = {
            "url": self.webhook["url"],
            "has_custom_certificate": False,
            "pending_update_count": len(self.pending_updates),
        }
        if self.webhook["url"]:
            info["max_connections"] = self.webhook["max_connections"]
            if self._allowed_updates:
                info["allowed_updates"] = list(self._allowed_updates)
            for key in ("last_error_date", "last_error_message"):
                if key in self.webhook:
                    info[key] = self.webhook[key]
        return info

    async def _deliver_webhook(self) -> None:
        """POST pending updates, in order, to the webhook; retry each until it gets a 2xx."""
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
            while not self._closing and self.webhook["url"]:
                if not self.pending_updates:
                    await self.signal.wait(1.0)
                    continue
                update = self.pending_updates[0]
                error = await self._post_update(session, update)
                if error is None:
                    if self.pending_updates and self.pending_updates[0] is update:
                        self.pending_updates.pop(0)
                    self._emit("webhook_delivery", update_id=update["update_id"], ok=True)
                    continue
                self.webhook.update(last_error_date=_now(), last_error_message=error)
                self._emit("webhook_delivery", update_id=update["update_id"], ok=False, error=error)
                logger.warning("Webhook delivery failed: %s", error)
                await asyncio.sleep(self.webhook_retry_delay)

    async def _post_update(self, session: aiohttp.ClientSession, update: JSONDict) -> str | None:
        headers = {}
        if self.webhook.get("secret_token"):
            headers["X-Telegram-Bot-Api-Secret-Token"] = self.webhook["secret_token"]
        try:
            async with session.post(self.webhook["url"], json=update, headers=headers) as response:
                if 200 <= response.status < 300:
                    return None
                return f"Wrong response from the webhook: {response.status} {response.reason}"
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # any network failure is a delivery error to report, then retry
            return self._redact(f"Connection failed: {exc!r}")

    # ------------------------------------------------------------------ methods: messages
    def _target_chat(self, chat_id: int | str) -> ChatState:
        """The chat a bot addresses, or Telegram's error for why it cannot."""
        state = None
        if isinstance(chat_id, str) and chat_id.startswith("@"):
            state = next(
                (
                    s
                    for s in self.chats.values()
                    if s.chat.get("username", "").lower() == chat_id[1:].lower() and s.type != "private"
                ),
                None,
            )
        elif isinstance(chat_id, int):
            state = self.chats.get(chat_id)
            if state is None and chat_id in self.users:
                raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
        if state is None:
            raise bad_request("chat not found")
        if state.type == "private" and state.id in self.blocked_by:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return state

    def _format_text(
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
                text, found = parse_html(raw, resolve_user=self.users.get)
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
        return text, _add_detected_entities(text, found)

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

    def _check_reply_markup(self, markup: Any) -> JSONDict | None:
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
        return {"inline_keyboard": [[self._check_button(b, known) for b in row] for row in rows]}

    @staticmethod
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

    def _reply_target(self, state: ChatState, params: JSONDict) -> StoredMessage | None:
        """The message a bot replies to (reply_parameters or legacy reply_to_message_id)."""
        reply = params.get("reply_parameters")
        if reply is None and params.get("reply_to_message_id"):
            reply = {
                "message_id": params["reply_to_message_id"],
                "allow_sending_without_reply": params.get("allow_sending_without_reply", False),
            }
        if not reply:
            return None
        target_chat = reply.get("chat_id", state.id)
        target = state.messages.get(reply["message_id"]) if target_chat in (state.id, None) else None
        if target is None or target.deleted:
            if reply.get("allow_sending_without_reply"):
                return None
            raise bad_request("message to be replied not found")
        return target

    def _send_message(self, params: JSONDict) -> JSONDict:
        state = self._target_chat(params["chat_id"])
        text, entities = self._format_text(
            params.get("text"), params.get("parse_mode"), params.get("entities")
        )
        sent_markup = params.get("reply_markup")
        inline_markup = self._check_reply_markup(sent_markup)
        reply_to = self._reply_target(state, params)
        self._admit(state)
        fields: JSONDict = {"text": text}
        if entities:
            fields["entities"] = entities
        preview = params.get("link_preview_options")
        if preview is None and params.get("disable_web_page_preview"):
            preview = {"is_disabled": True}
        if preview:
            known = {f["name"] for f in self.spec.fields("LinkPreviewOptions")}
            fields["link_preview_options"] = {k: v for k, v in preview.items() if k in known}
        if inline_markup:
            fields["reply_markup"] = inline_markup
        stored = self._store_message(
            state,
            sender=self.bot_user,
            fields=fields,
            reply_to=reply_to,
            thread_id=params.get("message_thread_id"),
        )
        stored.source_text, stored.parse_mode, stored.sent_markup = (
            params["text"],
            params.get("parse_mode"),
            sent_markup,
        )
        self._emit(
            "bot_message",
            chat_id=state.id,
            message_id=stored.message_id,
            message=stored.message,
            html=stored.html,
            source=stored.source_text,
            parse_mode=stored.parse_mode,
            reply_markup=sent_markup,
        )
        return copy.deepcopy(stored.message)

    def _message_to_edit(self, params: JSONDict) -> StoredMessage:
        if params.get("inline_message_id"):
            stored = self._inline_messages.get(params["inline_message_id"])
            if stored is None:
                raise bad_request("message to edit not found")
            return stored
        if params.get("chat_id") is None or params.get("message_id") is None:
            raise bad_request("message identifier is not specified")
        state = self._target_chat(params["chat_id"])
        stored = state.messages.get(params["message_id"])
        if stored is None or stored.deleted:
            raise bad_request("message to edit not found")
        if not stored.from_bot:
            raise bad_request("message can't be edited")
        return stored

    def _apply_edit(self, stored: StoredMessage, op: str, new: JSONDict, params: JSONDict) -> JSONDict | bool:
        """Replace text/entities/markup of a message, refusing a no-op like Telegram."""
        keys = ("text", "entities", "reply_markup")
        if all((stored.message.get(k) or None) == (new.get(k) or None) for k in keys):
            raise bad_request(NOT_MODIFIED)
        for key in keys:
            if new.get(key):
                stored.message[key] = new[key]
            else:
                stored.message.pop(key, None)
        date = _now()
        if not stored.inline_message_id or stored.chat_id:
            stored.message["edit_date"] = date
        stored.history.append({"op": op, "date": date, "at": time.monotonic(), **copy.deepcopy(new)})
        if op == "edit_text":
            stored.source_text, stored.parse_mode = params.get("text"), params.get("parse_mode")
        self._emit(
            "message_edited",
            chat_id=stored.chat_id,
            message_id=stored.message_id,
            by="bot",
            inline_message_id=stored.inline_message_id,
            message=stored.message,
            html=stored.html,
        )
        if params.get("inline_message_id"):
            return True
        self._validate(stored.message, "Message", "edited message")
        return copy.deepcopy(stored.message)

    def _edit_message_text(self, params: JSONDict) -> JSONDict | bool:
        stored = self._message_to_edit(params)
        text, entities = self._format_text(
            params.get("text"), params.get("parse_mode"), params.get("entities")
        )
        new = {
            "text": text,
            "entities": entities,
            "reply_markup": self._check_reply_markup(params.get("reply_markup")),
        }
        return self._apply_edit(stored, "edit_text", new, params)

    def _edit_message_reply_markup(self, params: JSONDict) -> JSONDict | bool:
        stored = self._message_to_edit(params)
        new = {
            "text": stored.text,
            "entities": stored.message.get("entities"),
            "reply_markup": self._check_reply_markup(params.get("reply_markup")),
        }
        return self._apply_edit(stored, "edit_reply_markup", new, params)

    def _delete_message(self, params: JSONDict) -> bool:
        state = self._target_chat(params["chat_id"])
        stored = state.messages.get(params["message_id"])
        if stored is None or stored.deleted:
            raise bad_request("message to delete not found")
        if not stored.from_bot and state.is_group and not state.bot_is_admin:
            raise bad_request("message can't be deleted")
        stored.deleted = True
        stored.history.append({"op": "delete", "date": _now(), "at": time.monotonic()})
        self._emit("message_deleted", chat_id=state.id, message_id=stored.message_id, by="bot")
        return True

    def _answer_callback_query(self, params: JSONDict) -> bool:
        query_id = params["callback_query_id"]
        record = self._callback_queries.get(query_id)
        if record is None or record["answered"]:
            raise bad_request(QUERY_TOO_OLD)
        if len(params.get("text") or "") > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        record["answered"] = True
        answer = {k: params[k] for k in ("text", "show_alert", "url", "cache_time") if k in params}
        self.callback_answers[query_id] = answer
        message = record["query"].get("message") or {}
        self._emit(
            "callback_answer",
            callback_query_id=query_id,
            chat_id=message.get("chat", {}).get("id"),
            message_id=message.get("message_id"),
            user_id=record["query"]["from"]["id"],
            **answer,
        )
        return True

    def _answer_inline_query(self, params: JSONDict) -> bool:
        query_id = params["inline_query_id"]
        record = self._inline_queries.get(query_id)
        if record is None or record["answered"]:
            raise bad_request(QUERY_TOO_OLD)
        results = params["results"]
        if len(results) > 50:
            raise bad_request("RESULTS_TOO_MUCH")
        seen: set[str] = set()
        for result in results:
            self._check_inline_result(result, seen)
        record["answered"] = True
        answer = {
            "results": results,
            **{k: params[k] for k in ("cache_time", "is_personal", "next_offset", "button") if k in params},
        }
        self.inline_answers[query_id] = answer
        self._emit(
            "inline_answer",
            inline_query_id=query_id,
            user_id=record["query"]["from"]["id"],
            query=record["query"]["query"],
            **answer,
        )
        return True

    def _check_inline_result(self, result: Any, seen: set[str]) -> None:
        problems = self.spec.check(result, "InlineQueryResult", "result", strict=False)
        if problems:
            raise bad_request(f"can't parse inline query result: {problems[0]}")
        result_id = result["id"]
        if not 1 <= len(result_id.encode("utf-8")) <= 64:
            raise bad_request("RESULT_ID_INVALID")
        if result_id in seen:
            raise bad_request("RESULT_ID_DUPLICATE")
        seen.add(result_id)
        content = result.get("input_message_content") or {}
        if "message_text" in content:
            self._format_text(content["message_text"], content.get("parse_mode"), content.get("entities"))
        self._check_reply_markup(result.get("reply_markup"))

    def _send_chat_action(self, params: JSONDict) -> bool:
        state = self._target_chat(params["chat_id"])
        if params["action"] not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        action = {"chat_id": state.id, "action": params["action"], "date": _now()}
        if params.get("message_thread_id"):
            action["message_thread_id"] = params["message_thread_id"]
        self.chat_actions.append(action)
        self._emit("chat_action", **action)
        return True

    # ------------------------------------------------------------------ methods: commands, menus
    def _scope_key(self, scope: JSONDict) -> str:
        """A readable key per command scope, e.g. ``default`` or ``chat:-1001000000001``."""
        kind = scope.get("type", "default")
        if kind in ("default", "all_private_chats", "all_group_chats", "all_chat_administrators"):
            return kind
        if kind in ("chat", "chat_administrators", "chat_member"):
            if "chat_id" not in scope:
                raise bad_request("can't parse BotCommandScope JSON object")
            chat_id = self._target_chat(scope["chat_id"]).id
            if kind == "chat_member":
                if scope.get("user_id") not in self.users:
                    raise bad_request("user not found")
                return f"chat_member:{chat_id}:{scope['user_id']}"
            return f"{kind}:{chat_id}"
        raise bad_request("wrong scope type specified")

    def _commands_key(self, params: JSONDict) -> tuple[str, str]:
        language = params.get("language_code") or ""
        if language and not re.fullmatch(r"[a-z]{2}", language):
            raise bad_request("invalid language code specified")
        return self._scope_key(params.get("scope") or {"type": "default"}), language

    def _set_my_commands(self, params: JSONDict) -> bool:
        commands = params["commands"]
        if len(commands) > 100:
            raise bad_request("too many commands specified")
        for command in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", str(command.get("command", ""))):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", "")).strip()) <= 256:
                raise bad_request("command description must be non-empty")
        key = self._commands_key(params)
        stored = [{"command": c["command"], "description": c["description"]} for c in commands]
        if stored:
            self.commands[key] = stored
        else:
            self.commands.pop(key, None)
        self._emit("commands_changed", scope=key[0], language_code=key[1], commands=stored)
        return True

    def _get_my_commands(self, params: JSONDict) -> list[JSONDict]:
        return copy.deepcopy(self.commands.get(self._commands_key(params), []))

    def _delete_my_commands(self, params: JSONDict) -> bool:
        key = self._commands_key(params)
        self.commands.pop(key, None)
        self._emit("commands_changed", scope=key[0], language_code=key[1], commands=[])
        return True

    def _set_text_setting(self, store: dict[str, str], params: JSONDict, name: str, limit: int) -> bool:
        value = params.get(name) or ""
        if len(value) > limit:
            raise bad_request(f"{name} is too long")
        language = params.get("language_code") or ""
        if value:
            store[language] = value
        else:
            store.pop(language, None)
        self._emit("bot_setting_changed", setting=name, language_code=language, value=value)
        return True

    @staticmethod
    def _get_text_setting(store: dict[str, str], params: JSONDict) -> str:
        language = params.get("language_code") or ""
        return store.get(language, store.get("", ""))

    def _set_chat_menu_button(self, params: JSONDict) -> bool:
        chat_id = params.get("chat_id")
        if chat_id is not None:
            chat_id = self._target_chat(chat_id).id
        button = params.get("menu_button") or {"type": "default"}
        problems = self.spec.check(button, "MenuButton", "menu_button", strict=False)
        if problems:
            raise bad_request(f"can't parse menu button: {problems[0]}")
        self.menu_buttons[chat_id] = button
        return True

    def _get_chat_menu_button(self, params: JSONDict) -> JSONDict:
        """The chat's own button if one was set, else the bot's default (commands)."""
        for key in (params.get("chat_id"), None):
            button = self.menu_buttons.get(key)
            if button and button["type"] != "default":
                return copy.deepcopy(button)
        return {"type": "commands"}

    # ------------------------------------------------------------------ methods: chats
    def _get_chat(self, params: JSONDict) -> JSONDict:
        state = self._target_chat(params["chat_id"])
        info: JSONDict = {
            **state.chat,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": True,
                "limited_gifts": True,
                "unique_gifts": True,
                "premium_subscription": True,
                "gifts_from_channels": True,
            },
        }
        if state.is_group:
            info["permissions"] = {
                "can_send_messages": True,
                "can_send_polls": True,
                "can_send_other_messages": True,
                "can_add_web_page_previews": True,
                "can_change_info": False,
                "can_invite_users": True,
                "can_pin_messages": False,
            }
        return info

    def _member(self, state: ChatState, user: JSONDict) -> JSONDict:
        """The ChatMember object (owner / administrator / member / left) of a user."""
        is_bot = user["id"] == self.bot_user["id"]
        if state.admins and user["id"] == state.admins[0]:
            return {"status": "creator", "user": user, "is_anonymous": False}
        if user["id"] in state.admins[1:] or (is_bot and state.bot_is_admin):
            return {
                "status": "administrator",
                "user": user,
                "can_be_edited": False,
                "is_anonymous": False,
                "can_manage_chat": True,
                "can_delete_messages": True,
                "can_manage_video_chats": True,
                "can_restrict_members": True,
                "can_promote_members": False,
                "can_change_info": True,
                "can_invite_users": True,
                "can_post_stories": False,
                "can_edit_stories": False,
                "can_delete_stories": False,
                "can_pin_messages": True,
            }
        if is_bot or user["id"] in state.members:
            return {"status": "member", "user": user}
        return {"status": "left", "user": user}

    def _get_chat_member(self, params: JSONDict) -> JSONDict:
        state = self._target_chat(params["chat_id"])
        user_id = params["user_id"]
        user = self.bot_user if user_id == self.bot_user["id"] else self.users.get(user_id)
        if user is None:
            raise bad_request("user not found")
        return self._member(state, user)

    def _get_chat_administrators(self, params: JSONDict) -> list[JSONDict]:
        state = self._target_chat(params["chat_id"])
        if not state.is_group:
            raise bad_request("there are no administrators in the private chat")
        admins = [self._member(state, self.users[user_id]) for user_id in state.admins]
        if state.bot_is_admin:
            admins.append(self._member(state, self.bot_user))
        return admins

    # ------------------------------------------------------------------ control API (/_local/)
    def _add_control_routes(self, app: web.Application) -> None:
        routes = [
            ("GET", "/_local/state", self._control_state),
            ("GET", "/_local/events", self._control_events),
            ("POST", "/_local/users", self._control_add_user),
            ("POST", "/_local/chats", self._control_add_chat),
            ("POST", "/_local/send", self._control_send),
            ("POST", "/_local/press", self._control_press),
            ("POST", "/_local/inline", self._control_inline),
            ("POST", "/_local/choose_inline", self._control_choose_inline),
            ("POST", "/_local/faults", self._control_fault),
        ]
        for verb, path, handler in routes:
            app.router.add_route(verb, path, self._control(handler))

    def _control(
        self, handler: Callable[[JSONDict], Any]
    ) -> Callable[[web.Request], Awaitable[web.Response]]:
        """Wrap a control handler: JSON in (body or query), ``{"ok", "result"}`` out."""

        async def wrapped(request: web.Request) -> web.Response:
            body: JSONDict = dict(request.query)
            if request.can_read_body:
                try:
                    body.update(await request.json())
                except (json.JSONDecodeError, TypeError, ValueError):
                    return web.json_response(
                        {"ok": False, "description": "body must be a JSON object"}, status=400
                    )
            try:
                result = handler(body)
                if inspect.isawaitable(result):
                    result = await result
            except ApiError as error:
                return web.json_response({"ok": False, "description": error.description}, status=400)
            except (KeyError, ValueError, TypeError) as error:
                return web.json_response(
                    {"ok": False, "description": f"{type(error).__name__}: {error}"}, status=400
                )
            return web.json_response(
                {"ok": True, "result": result}, dumps=lambda o: json.dumps(o, ensure_ascii=False)
            )

        return wrapped

    def _control_state(self, body: JSONDict) -> JSONDict:
        return {
            "bot": self._get_me({}),
            "users": list(self.users.values()),
            "chats": [
                {
                    "chat": s.chat,
                    "members": s.members,
                    "admins": s.admins,
                    "privacy_mode": s.privacy_mode,
                    "bot_is_admin": s.bot_is_admin,
                    "messages": [
                        {
                            "message": m.message,
                            "html": m.html,
                            "from_bot": m.from_bot,
                            "delivered": m.delivered,
                            "deleted": m.deleted,
                        }
                        for m in s.messages.values()
                    ],
                }
                for s in self.chats.values()
            ],
            "commands": [
                {"scope": scope, "language_code": lang, "commands": cmds}
                for (scope, lang), cmds in self.commands.items()
            ],
            "descriptions": self.descriptions,
            "short_descriptions": self.short_descriptions,
            "webhook": {"url": self._redact(self.webhook["url"])},
            "pending_updates": len(self.pending_updates),
            "last_event_id": len(self.events),
            "schema_violations": self.schema_violations,
        }

    async def _control_events(self, body: JSONDict) -> JSONDict:
        after = int(body.get("after", 0))
        timeout = min(float(body.get("timeout", 0)), 60.0)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while len(self.events) <= after and not self._closing and loop.time() < deadline:
            await self.signal.wait(deadline - loop.time())
        return {"events": self.events_after(after), "last_event_id": len(self.events)}

    def _control_add_user(self, body: JSONDict) -> JSONDict:
        return self.add_user(
            body["first_name"],
            last_name=body.get("last_name"),
            username=body.get("username"),
            language_code=body.get("language_code"),
        )

    def _control_add_chat(self, body: JSONDict) -> JSONDict:
        if body.get("type", "private") == "private":
            return self.private_chat(int(body["user_id"]))
        return self.add_group(
            body["title"],
            members=[int(u) for u in body.get("member_ids", [])],
            admins=[int(u) for u in body.get("admin_ids", [])],
            privacy_mode=body.get("privacy_mode"),
            bot_is_admin=bool(body.get("bot_is_admin", False)),
            supergroup=body.get("type", "supergroup") == "supergroup",
        )

    def _control_send(self, body: JSONDict) -> JSONDict:
        reply_to = body.get("reply_to_message_id")
        return self.user_sends(
            int(body["user_id"]),
            int(body["chat_id"]),
            body["text"],
            reply_to=int(reply_to) if reply_to else None,
        )

    def _control_press(self, body: JSONDict) -> JSONDict:
        if body.get("inline_message_id"):
            target: Any = body["inline_message_id"]
        else:
            target = self.message(int(body["chat_id"]), int(body["message_id"]))
        return {"callback_query_id": self.user_presses(int(body["user_id"]), target, body["callback_data"])}

    def _control_inline(self, body: JSONDict) -> JSONDict:
        query_id = self.user_inline_query(
            int(body["user_id"]), body.get("query", ""), chat_type=body.get("chat_type", "sender")
        )
        return {"inline_query_id": query_id}

    def _control_choose_inline(self, body: JSONDict) -> JSONDict | None:
        chat_id = body.get("chat_id")
        return self.user_chooses_inline_result(
            int(body["user_id"]),
            str(body["inline_query_id"]),
            str(body["result_id"]),
            int(chat_id) if chat_id else None,
        )

    def _control_fault(self, body: JSONDict) -> JSONDict:
        fault = self.inject(
            body.get("method"),
            body.get("kind", "429"),
            retry_after=int(body.get("retry_after", 1)),
            status=int(body.get("status", 502)),
            delay=float(body.get("delay", 1.0)),
            times=body.get("times", 1),
        )
        return {"kind": fault.kind, "method": fault.method, "times": fault.times}


# =========================================================================== helpers
def _dumps(value: Any) -> str:
    """JSON as Telegram writes it: UTF-8, except that a lone surrogate (which UTF-8 cannot
    hold; users' clients do send them) is written as a \\uXXXX escape."""
    text = json.dumps(value, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = json.dumps(value)
    return text


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


def _add_detected_entities(text: str, entities: list[JSONDict]) -> list[JSONDict]:
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
