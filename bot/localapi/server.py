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

This class is a facade over the parts, each in its own module: :mod:`.world` (users,
chats, messages, privacy), :mod:`.actions` (what users do), :mod:`.limits`,
:mod:`.faults`, :mod:`.wire` (decoding and encoding), :mod:`.endpoint` (one request),
:mod:`.methods` (the Bot API methods by kind), :mod:`.updates` and :mod:`.webhook`,
and :mod:`.control` (the public control API, also served as JSON under ``/_local/``).
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any, Concatenate, Generic, ParamSpec, TypeVar, overload

from aiohttp import web

from .actions import UserActions
from .control import ControlApi
from .endpoint import BotApiEndpoint
from .events import EventLog, Signal
from .faults import Fault, FaultInjector
from .formatting import MessageRules
from .limits import FloodControl, RateLimits
from .methods import Parts, method_table, scope_key
from .records import BotProfile, ChatRef, ChatState, Queries, StoredMessage
from .schema import Spec, load_spec
from .updates import UpdateQueue
from .webhook import Webhook
from .wire import ApiError, JSONDict, SpecCheck
from .world import World

__all__ = ["LocalBotApi", "ApiError", "RateLimits", "Fault", "StoredMessage", "ChatState"]

logger = logging.getLogger(__name__)

T = TypeVar("T")
P = ParamSpec("P")
R = TypeVar("R")


class _Attribute(Generic[T]):
    """An attribute of the facade that lives in one of its parts (the same object)."""

    def __init__(self, part: str, name: str) -> None:
        self.part, self.name = part, name

    @overload
    def __get__(self, obj: None, owner: type) -> _Attribute[T]: ...
    @overload
    def __get__(self, obj: object, owner: type) -> T: ...
    def __get__(self, obj: object, owner: type) -> _Attribute[T] | T:
        if obj is None:
            return self
        value: T = getattr(getattr(obj, self.part), self.name)
        return value

    def __set__(self, obj: object, value: T) -> None:
        setattr(getattr(obj, self.part), self.name, value)


def _method(part: str, method: Callable[Concatenate[Any, P], R]) -> Callable[Concatenate[Any, P], R]:
    """A method of the facade that is ``method`` of one of its parts (same signature and doc)."""

    @functools.wraps(method)
    def forward(self: Any, /, *args: P.args, **kwargs: P.kwargs) -> R:
        return method(getattr(self, part), *args, **kwargs)

    return forward


def _bot_user(token: str, username: str, first_name: str) -> JSONDict:
    """The bot's User object; its id is the token's numeric prefix, as on Telegram."""
    prefix = token.split(":", 1)[0]
    return {
        "id": int(prefix) if prefix.isdigit() else 1,
        "is_bot": True,
        "first_name": first_name,
        "username": username,
    }


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

    The parts are public: :attr:`world`, :attr:`actions`, :attr:`flood`,
    :attr:`fault_injector`, :attr:`endpoint`, :attr:`control`; the attributes and methods
    below forward to them.
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
        bot_user = _bot_user(token, bot_username, bot_name)
        self.signal = Signal()
        self.check = SpecCheck(self.spec)
        self.event_log = events = EventLog(self.signal)
        self.updates = UpdateQueue(self.spec, self.check, self.signal)
        self.world = World(
            bot_user, privacy_mode=privacy_mode, check=self.check, events=events, updates=self.updates
        )
        self.profile = BotProfile(supports_inline_queries=supports_inline_queries)
        self.queries = Queries()
        self.flood = FloodControl(limits or RateLimits())
        self.fault_injector = FaultInjector()
        rules = MessageRules(self.spec, self.world.users.get)
        self.actions = UserActions(self.world, self.queries, rules, inline_feedback=inline_feedback)
        self.webhook_delivery = Webhook(self.updates, events, self._redact, webhook_retry_delay)
        parts = Parts(
            spec=self.spec,
            world=self.world,
            queries=self.queries,
            profile=self.profile,
            flood=self.flood,
            updates=self.updates,
            webhook=self.webhook_delivery,
            rules=rules,
            events=events,
            redact=self._redact,
        )
        methods = method_table(parts)
        self.endpoint = BotApiEndpoint(
            token,
            methods,
            check=self.check,
            faults=self.fault_injector,
            flood=self.flood,
            events=events,
            redact=self._redact,
        )
        self.control = ControlApi(parts, self.actions, self.fault_injector, self.check, methods["getMe"])
        self.web_app = web.Application(client_max_size=64 * 1024 * 1024)
        self.endpoint.add_routes(self.web_app)
        self.control.add_routes(self.web_app)
        self._runner: web.AppRunner | None = None

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
        self.signal.closing = False
        self._runner = web.AppRunner(self.web_app, access_log=None, shutdown_timeout=1.0, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = self._runner.addresses[0][1]
        logger.info("Local Bot API server listening on %s", self.url)

    async def stop(self) -> None:
        """Stop serving; pending long polls return at once."""
        self.signal.close()
        await self.webhook_delivery.stop()
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

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 5.0, interval: float = 0.01) -> Any:
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

    # ------------------------------------------------------------------ the world (forwarded)
    bot_user = _Attribute[JSONDict]("world", "bot_user")
    default_privacy_mode = _Attribute[bool]("world", "default_privacy_mode")
    users = _Attribute[dict[int, JSONDict]]("world", "users")
    chats = _Attribute[dict[int, ChatState]]("world", "chats")
    blocked_by = _Attribute[set[int]]("world", "blocked_by")
    chat_actions = _Attribute[list[JSONDict]]("world", "chat_actions")
    add_user = _method("world", World.add_user)
    private_chat = _method("world", World.private_chat)
    add_group = _method("world", World.add_group)
    set_privacy_mode = _method("world", World.set_privacy_mode)
    user_blocks_bot = _method("world", World.user_blocks_bot)
    messages = _method("world", World.messages)
    bot_messages = _method("world", World.bot_messages)
    message = _method("world", World.message)
    bot_sees = _method("world", World.bot_sees)
    # no user action exists for these; tests build unusual updates with them
    _chat = _method("world", World.chat)
    _store_message = _method("world", World.store_message)
    _deliver_user_message = _method("world", World.deliver_user_message)

    inline_feedback = _Attribute[bool]("actions", "inline_feedback")
    add_member = _method("actions", UserActions.add_member)
    user_sends = _method("actions", UserActions.user_sends)
    user_edits = _method("actions", UserActions.user_edits)
    user_presses = _method("actions", UserActions.user_presses)
    user_inline_query = _method("actions", UserActions.user_inline_query)
    user_chooses_inline_result = _method("actions", UserActions.user_chooses_inline_result)

    commands = _Attribute[dict[tuple[str, str], list[JSONDict]]]("profile", "commands")
    descriptions = _Attribute[dict[str, str]]("profile", "descriptions")
    short_descriptions = _Attribute[dict[str, str]]("profile", "short_descriptions")
    names = _Attribute[dict[str, str]]("profile", "names")
    menu_buttons = _Attribute[dict[int | None, JSONDict]]("profile", "menu_buttons")
    supports_inline_queries = _Attribute[bool]("profile", "supports_inline_queries")
    callback_answers = _Attribute[dict[str, JSONDict]]("queries", "callback_answers")
    inline_answers = _Attribute[dict[str, JSONDict]]("queries", "inline_answers")

    def get_commands(self, scope: JSONDict | None = None, language_code: str = "") -> list[JSONDict]:
        """The command menu the bot set for a scope (default: the default scope) and language."""
        return self.profile.commands.get((scope_key(self.world, scope or {"type": "default"}), language_code), [])

    # ------------------------------------------------------------------ updates, webhook, events
    pending_updates = _Attribute[list[JSONDict]]("updates", "pending")
    _update_ids = _Attribute[Iterator[int]]("updates", "update_ids")
    _enqueue = _method("updates", UpdateQueue.enqueue)
    webhook = _Attribute[JSONDict]("webhook_delivery", "settings")
    webhook_retry_delay = _Attribute[float]("webhook_delivery", "retry_delay")
    events = _Attribute[list[JSONDict]]("event_log", "events")
    events_after = _method("event_log", EventLog.after)

    # ------------------------------------------------------------------ limits, faults, bookkeeping
    limits = _Attribute[RateLimits]("flood", "limits")
    rate_limit_hits = _Attribute[Counter[int | str]]("flood", "rate_limit_hits")
    faults = _Attribute[list[Fault]]("fault_injector", "faults")
    injected = _Attribute[Counter[tuple[str, str]]]("fault_injector", "injected")
    inject = _method("fault_injector", FaultInjector.inject)
    clear_faults = _method("fault_injector", FaultInjector.clear)
    requests = _Attribute[list[JSONDict]]("endpoint", "requests")
    server_errors = _Attribute[list[str]]("endpoint", "server_errors")
    schema_violations = _Attribute[list[str]]("check", "violations")

    def sent_timestamps(self, chat: ChatRef) -> list[float]:
        """Monotonic times at which the bot's messages to this chat were accepted."""
        return list(self.world.chat(chat).sent_times)

    def max_in_window(self, chat: ChatRef | None, window: float) -> int:
        """Most accepted bot messages in any sliding ``window`` seconds (chat=None: all chats)."""
        return self.flood.max_in_window(None if chat is None else self.world.chat(chat), window)
