"""`faqbot run` start-up failures: each kind said in one line, with its own exit code.

Before python-telegram-bot takes over the event loop, `reach_bot_api` calls getMe, retrying
what may pass (no network yet, a refused connection, a name that does not resolve yet, a
Bot API server answering 5xx) with exponential backoff. What cannot pass (a refused token,
a malformed TELEGRAM_API_URL) ends at once. `StartupFailure` carries the line to print and
the exit code; the same classification applies to failures after start-up (`classify`).

Exit codes of `faqbot run` (also in the README):
    0  stopped normally (Ctrl-C, SIGTERM)
    1  the knowledge directory has errors (`faqbot check` lists them)
    2  usage or configuration error (no token, bad flag or environment value)
    3  Telegram refused the token
    4  the Bot API server cannot be reached (connection refused or timed out, no network)
    5  the Bot API server's host name does not resolve
    6  TELEGRAM_API_URL is not a usable URL
    7  the Bot API server answers with errors (5xx, not JSON, refused a request)
    8  stopped by an unexpected error (logged, token redacted)
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Iterator
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

EXIT_TOKEN, EXIT_UNREACHABLE, EXIT_UNRESOLVED, EXIT_BAD_URL, EXIT_SERVER, EXIT_CRASH = 3, 4, 5, 6, 7, 8
RETRIED = (EXIT_UNREACHABLE, EXIT_UNRESOLVED, EXIT_SERVER)


class StartupFailure(Exception):
    def __init__(self, code: int, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def url_problem(api_url: str) -> str | None:
    """Why TELEGRAM_API_URL cannot work, or None."""
    try:
        parts = urlsplit(api_url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as error:
        return str(error)
    if parts.scheme not in ("http", "https"):
        return "it must start with http:// or https://"
    if not parts.hostname:
        return "it has no host name"
    return None


def _causes(error: BaseException) -> Iterator[BaseException]:
    seen = set()
    cause: BaseException | None = error
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        yield cause
        cause = cause.__cause__ or cause.__context__


def classify(error: BaseException, api_url: str) -> StartupFailure:
    """The exit code and one line for an error reaching the Bot API."""
    import httpx
    from telegram.error import InvalidToken, NetworkError, TelegramError, TimedOut

    host = urlsplit(api_url).hostname or api_url
    if isinstance(error, InvalidToken):
        return StartupFailure(EXIT_TOKEN, "Telegram refused the token in TELEGRAM_BOT_TOKEN; check it with "
                                          "@BotFather (/token), and that TELEGRAM_API_URL is a Bot API server")
    chain = list(_causes(error))
    if any(isinstance(e, (httpx.UnsupportedProtocol, httpx.InvalidURL)) for e in chain):
        return StartupFailure(EXIT_BAD_URL, f"TELEGRAM_API_URL is not a usable URL: {error}")
    if any(isinstance(e, socket.gaierror) for e in chain) or any(
            marker in str(e).lower() for e in chain
            for marker in ("name or service not known", "name resolution", "nodename nor servname",
                           "no address associated", "getaddrinfo failed")):
        return StartupFailure(EXIT_UNRESOLVED, f"cannot resolve the host name {host} of the Bot API server "
                                               "(no network, or a typo in TELEGRAM_API_URL?)")
    if isinstance(error, TimedOut) or any(isinstance(e, (httpx.TransportError, OSError)) for e in chain):
        reason = next((str(e) for e in chain if isinstance(e, (httpx.TransportError, OSError)) and str(e)), "")
        return StartupFailure(EXIT_UNREACHABLE, f"cannot reach the Bot API server at {host}"
                                                f"{f' ({reason})' if reason else ' (timed out)'}")
    if isinstance(error, (NetworkError, TelegramError)):
        return StartupFailure(EXIT_SERVER, f"the Bot API server at {host} answered with an error: {error}")
    return StartupFailure(EXIT_CRASH, f"stopped by an unexpected error: {type(error).__name__}: {error}")


async def reach_bot_api(settings) -> str:
    """getMe, with retries and backoff; returns the bot's username or raises StartupFailure."""
    from telegram import Bot
    from telegram.request import HTTPXRequest

    problem = url_problem(settings.api_url)
    if problem:
        raise StartupFailure(EXIT_BAD_URL, f"TELEGRAM_API_URL {settings.api_url!r} is not usable: {problem}")
    delay = settings.start_backoff
    for attempt in range(1, settings.start_attempts + 1):
        bot = Bot(settings.token, base_url=settings.api_url,
                  request=HTTPXRequest(connect_timeout=settings.connect_timeout, read_timeout=settings.read_timeout))
        try:
            async with bot:
                return bot.username
        except Exception as error:  # noqa: BLE001 - classified below
            failure = classify(error, settings.api_url)
        if failure.code not in RETRIED or attempt == settings.start_attempts:
            if attempt > 1:
                failure.message += f" (tried {attempt} times)"
            raise failure
        log.warning("%s; attempt %d of %d, trying again in %g s", failure.message, attempt,
                    settings.start_attempts, delay)
        await asyncio.sleep(delay)
        delay *= 2
    raise AssertionError("unreachable")
