"""`faqbot run`: the Telegram bot, by long polling (default) or webhook.

    export TELEGRAM_BOT_TOKEN=123456:ABC...
    faqbot run                                   # long polling
    faqbot run --webhook-url https://bot.example.org/faqbot --port 8443 --secret-token S3cret

Stops cleanly on Ctrl-C and SIGTERM (python-telegram-bot's run_* handle the signals:
the updater stops fetching, running handlers finish - for up to FAQBOT_DRAIN_GRACE
seconds, the rest stays in the update journal - and the state file is written).
"""

from __future__ import annotations

import argparse
import logging
import re
import sys

from ..core import KnowledgeError
from ..live import LiveKnowledge
from ..logs import RepeatFilter
from .settings import TelegramSettings

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

    def __init__(self, token: str):
        super().__init__()
        self.secrets = [token, token.replace(":", "%3A")] if token else []

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "<token>")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = self.redact(record.getMessage()), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def configure_logging(token: str, level: int = logging.INFO) -> None:
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=level)
    # httpx logs every request URL - with the token in it - at INFO.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    redact, repeats = RedactToken(token), RepeatFilter()
    for handler in logging.getLogger().handlers:
        handler.addFilter(repeats)  # identical lines: a few per minute, then a count
        handler.addFilter(redact)


def main(args: argparse.Namespace) -> int:
    """Run the bot until stopped; `args` are `faqbot run`'s (see settings.add_run_arguments)."""
    try:
        settings = TelegramSettings.from_env().with_args(args)
    except ValueError as error:
        print(f"faqbot run: {error}", file=sys.stderr)
        return 2
    if not settings.token:
        print(NO_TOKEN, file=sys.stderr, end="")
        return 2
    if settings.secret_token and not SECRET_TOKEN.fullmatch(settings.secret_token):
        print("faqbot run: the webhook secret token may only use A-Z, a-z, 0-9, _ and - (1-256 characters)",
              file=sys.stderr)
        return 2
    configure_logging(settings.token)
    try:
        live = LiveKnowledge(args.knowledge)
    except KnowledgeError as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        print(f"faqbot run: the knowledge in {args.knowledge} has errors; run `faqbot check`", file=sys.stderr)
        return 1

    from .app import ALLOWED_UPDATES, build_application  # python-telegram-bot loads only for `run`

    from telegram.error import InvalidToken

    application = build_application(settings, live)
    try:
        serve(application, settings, ALLOWED_UPDATES)
    except InvalidToken:
        print("faqbot run: Telegram refused the token in TELEGRAM_BOT_TOKEN; check it with @BotFather (/token)",
              file=sys.stderr)
        return 1
    return 0


def serve(application, settings: TelegramSettings, allowed_updates: list[str]) -> None:
    if settings.webhook_url:
        log.info("receiving updates by webhook on %s:%s/%s", settings.listen, settings.port, settings.webhook_path)
        application.run_webhook(
            listen=settings.listen, port=settings.port, url_path=settings.webhook_path,
            webhook_url=settings.webhook_url, secret_token=settings.secret_token or None,
            allowed_updates=allowed_updates)
    else:
        log.info("receiving updates by long polling from %s", settings.api_url)
        application.run_polling(allowed_updates=allowed_updates)
