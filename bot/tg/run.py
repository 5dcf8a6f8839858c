"""`faqbot run`: the Telegram bot, by long polling (default) or webhook.

    export TELEGRAM_BOT_TOKEN=123456:ABC...
    faqbot run                                   # long polling
    faqbot run --webhook-url https://bot.example.org/faqbot --port 8443 --secret-token S3cret

Stops cleanly on Ctrl-C and SIGTERM (python-telegram-bot's run_* handle the signals:
the updater stops fetching, running handlers finish - for up to FAQBOT_DRAIN_GRACE
seconds, the rest stays in the update journal - and the state file is written).

A failure to start is one line on stderr and an exit code per kind (see startup.py); the
token (and the webhook secret) are redacted from every log line and from that last line.
The webhook always has a secret: a random one when none is given (see webhook.py).
"""

from __future__ import annotations

import asyncio
import logging
import re
import sys
import threading
from dataclasses import replace

from ..core import KnowledgeError
from ..logs import RepeatFilter
from ..services.config import RunOptions
from ..services.knowledge import LiveKnowledge
from .settings import TelegramSettings
from .startup import EXIT_CRASH, StartupFailure, classify, reach_bot_api

log = logging.getLogger(__name__)
SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")

NO_TOKEN = """\
faqbot run: no bot token. Set TELEGRAM_BOT_TOKEN to the token of your bot.

To get one, talk to @BotFather in Telegram: send /newbot, choose a name and a username
ending in "bot", and BotFather replies with the token. Then:

    export TELEGRAM_BOT_TOKEN=123456789:AA...your-token...
    faqbot run

For group chats, also consider /setprivacy (see the README) and /setinline to enable
inline mode (@your_bot question in any chat).

No token yet? `faqbot playground` runs the bot locally without Telegram: a web page on
this machine to chat with it in private and in a group, buttons and inline mode included.
"""


class RedactToken(logging.Filter):
    """Replaces the bot token with <token> in every log record, tracebacks included.

    The token is part of every Bot API URL, so any library that logs a URL or an
    exception about a request would otherwise print it.
    """

    def __init__(self, token: str, *others: str):
        super().__init__()
        self.secrets = [token, token.replace(":", "%3A")] if token else []
        if ":" in token and len(token.split(":", 1)[1]) >= 8:  # the secret half, however it is quoted
            self.secrets.append(token.split(":", 1)[1])
        self.secrets += [secret for secret in others if secret]

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "<token>")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = self.redact(record.getMessage()), None
        if record.name.startswith("telegram") and record.exc_info and _is_expected(record.exc_info[1]):
            # python-telegram-bot logs network and server errors with a traceback of its own
            # internals; the error itself, in one line, is the useful part.
            record.msg = f"{record.msg}: {self.redact(_one_line(record.exc_info[1]))}"
            record.exc_info, record.exc_text = None, None
            if len(record.msg) > 500:
                record.msg = record.msg[:500] + "…"
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def _is_expected(error) -> bool:
    """Errors of talking to the Bot API (or a garbled answer), as opposed to bugs."""
    from telegram.error import TelegramError

    return isinstance(error, (TelegramError, ValueError)) and not isinstance(error, UnicodeError)


def _one_line(error) -> str:
    return " ".join(f"{type(error).__name__}: {error}".split())


def configure_logging(token: str, level: int = logging.INFO, *others: str) -> RedactToken:
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=level)
    logging.captureWarnings(True)  # warnings go through the handlers, so through the filter
    # httpx logs every request URL - with the token in it - at INFO.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    redact, repeats = RedactToken(token, *others), RepeatFilter()
    for handler in logging.getLogger().handlers:
        handler.addFilter(repeats)  # identical lines: a few per minute, then a count
        handler.addFilter(redact)
    # Whatever escapes anyway (a thread's exception, a bug at exit) is printed redacted too.
    sys.excepthook = lambda kind, value, tb: log.critical("uncaught exception", exc_info=(kind, value, tb))
    threading.excepthook = lambda hook: log.critical("uncaught exception in a thread", exc_info=hook.exc_value)
    return redact


def main(args: RunOptions) -> int:
    """Run the bot until stopped; `args` are `faqbot run`'s flags, as bot/cli.py built them."""
    try:
        settings = TelegramSettings.from_env().with_args(args)
    except ValueError as error:
        print(f"faqbot run: {error}", file=sys.stderr)
        return 2
    if not settings.token:
        print(NO_TOKEN, file=sys.stderr, end="")
        return 2
    if args.secret_token is not None and not args.secret_token.strip():
        print("faqbot run: the webhook secret token is empty; give one (A-Z, a-z, 0-9, _ and -) or leave "
              "--secret-token out to have a random one", file=sys.stderr)
        return 2
    if settings.secret_token and not SECRET_TOKEN.fullmatch(settings.secret_token):
        print("faqbot run: the webhook secret token may only use A-Z, a-z, 0-9, _ and - (1-256 characters)",
              file=sys.stderr)
        return 2
    generated_secret = settings.webhook_url and not settings.secret_token
    if generated_secret:
        from .webhook import new_secret

        settings = replace(settings, secret_token=new_secret())
    redact = configure_logging(settings.token, logging.INFO, settings.secret_token)
    if generated_secret:
        log.info("no webhook secret given (--secret-token, FAQBOT_WEBHOOK_SECRET): using a random one, "
                 "passed to setWebhook; requests without it are refused")
    try:
        live = LiveKnowledge(args.knowledge, remember=True)
    except KnowledgeError as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        print(f"faqbot run: the knowledge in {args.knowledge} has errors; run `faqbot check`", file=sys.stderr)
        return 1

    from .app import ALLOWED_UPDATES, build_application  # python-telegram-bot loads only for `run`

    # Reach the Bot API first (with retries) on a loop that run_polling/run_webhook then reuse.
    asyncio.set_event_loop(loop := asyncio.new_event_loop())
    try:
        username = loop.run_until_complete(reach_bot_api(settings))
    except StartupFailure as failure:
        loop.close()
        print(f"faqbot run: {redact.redact(failure.message)}", file=sys.stderr)
        return failure.code
    log.info("connected to the Bot API as @%s", username)
    application = build_application(settings, live)
    try:
        serve(application, settings, ALLOWED_UPDATES)
    except Exception as error:  # noqa: BLE001 - every way out is one clear line and an exit code
        stopped = classify(error, settings.api_url)
        if stopped.code == EXIT_CRASH:
            log.error("the bot stopped on an unexpected error", exc_info=True)  # redacted by the filter
        print(f"faqbot run: {redact.redact(stopped.message)}", file=sys.stderr)
        return stopped.code
    return 0


def serve(application, settings: TelegramSettings, allowed_updates: list[str]) -> None:
    if settings.webhook_url:
        log.info("receiving updates by webhook on %s:%s/%s", settings.listen, settings.port, settings.webhook_path)
        application.run_webhook(
            listen=settings.listen, port=settings.port, url_path=settings.webhook_path,
            webhook_url=settings.webhook_url, secret_token=settings.secret_token,
            bootstrap_retries=settings.start_attempts - 1,
            allowed_updates=allowed_updates)
    else:
        log.info("receiving updates by long polling from %s", settings.api_url)
        application.run_polling(allowed_updates=allowed_updates, bootstrap_retries=settings.start_attempts - 1)
