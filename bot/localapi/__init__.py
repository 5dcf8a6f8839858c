"""A local fake of the Telegram Bot API server, for end-to-end tests and the playground.

Run the real python-telegram-bot ``Application`` against it::

    from bot.localapi import LocalBotApi

    async with LocalBotApi(token="123456:TEST-token", bot_username="cq_faq_bot") as api:
        app = ApplicationBuilder().token(api.token).base_url(api.base_url).build()
        ...

See :mod:`bot.localapi.server` for the simulated world, :mod:`.htmlparse` for
Telegram's HTML formatting rules and :mod:`.schema` for the checks against the spec.
"""

from .htmlparse import EntityParseError, entities_to_html, parse_html, utf16_len
from .schema import Spec, load_spec, validate
from .server import ApiError, ChatState, Fault, LocalBotApi, RateLimits, StoredMessage

__all__ = [
    "LocalBotApi",
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
