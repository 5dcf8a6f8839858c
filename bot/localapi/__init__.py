"""A local fake of the Telegram Bot API server, for end-to-end tests and the playground.

Run the real python-telegram-bot ``Application`` against it::

    from bot.localapi import LocalBotApi

    async with LocalBotApi(token="123456:TEST-token", bot_username="cq_faq_bot") as api:
        app = ApplicationBuilder().token(api.token).base_url(api.base_url).build()
        ...

The parts, one module each: :mod:`.server` (the :class:`LocalBotApi` facade and its
lifecycle), :mod:`.world` (users, chats, messages, privacy mode), :mod:`.actions` (what
users do), :mod:`.records` (the world's data), :mod:`.events` (the event stream),
:mod:`.updates` and :mod:`.webhook` (getting updates to the bot), :mod:`.limits` (flood
limits), :mod:`.faults` (fault injection), :mod:`.wire` (request decoding, reply
encoding), :mod:`.endpoint` (one Bot API request), :mod:`.methods` (the Bot API methods
by kind), :mod:`.formatting` (what a message may contain), :mod:`.control` (the public
control API, also JSON under ``/_local/``), :mod:`.htmlparse` and :mod:`.entities`
(Telegram's HTML and entities) and :mod:`.schema` (the checks against the spec).
"""

from .control import ControlApi
from .htmlparse import EntityParseError, entities_to_html, parse_html, utf16_len
from .schema import Spec, load_spec, validate
from .server import ApiError, ChatState, Fault, LocalBotApi, RateLimits, StoredMessage

__all__ = [
    "LocalBotApi",
    "ControlApi",
    "ApiError",
    "ChatState",
    "Fault",
    "RateLimits",
    "StoredMessage",
    "EntityParseError",
    "entities_to_html",
    "parse_html",
    "utf16_len",
    "Spec",
    "load_spec",
    "validate",
]
