"""How the Telegram layer is configured: environment variables, overridden by `faqbot run` flags.

Nothing here imports python-telegram-bot, so `faqbot ask` and `faqbot check` stay quick.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit

from ..services.config import RunOptions, daily_cap, database_settings

DEFAULT_API_URL = "https://api.telegram.org/bot"


def _number(environ: Mapping[str, str], name: str, default, kind=int):
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return kind(raw)
    except ValueError:
        raise ValueError(f"{name} must be a number, not {raw!r}") from None


def _flag(environ: Mapping[str, str], name: str, default: bool) -> bool:
    raw = environ.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{name} must be on or off, not {raw!r}")


@dataclass(frozen=True)
class TelegramSettings:
    """Everything the Telegram layer needs besides the knowledge base.

    The rate figures are Telegram's published limits; tests scale them down together with
    the local server's limits so a burst takes seconds instead of minutes.
    """

    token: str = ""
    api_url: str = DEFAULT_API_URL  # TELEGRAM_API_URL: another Bot API server (self-hosted, tests)
    # webhook mode (long polling when webhook_url is empty)
    webhook_url: str = ""
    listen: str = "0.0.0.0"
    port: int = 8443
    secret_token: str = ""
    # flood control: Telegram allows about 20 messages a minute in one group, 30 a second overall
    rate_limit: bool = True  # off only for benchmarks against a server without limits
    group_rate: int = 20
    group_period: float = 60.0
    overall_rate: int = 30
    max_retries: int = 10  # how often one request is retried after a 429 "retry after N"
    send_retries: int = 2  # extra attempts after a network error or a 5xx
    retry_backoff: float = 0.5  # seconds before the first network retry, doubled each time
    connect_timeout: float = 10.0
    # `faqbot run` start-up: attempts to reach the Bot API before giving up, and the wait
    # before the second one (doubled each time: 2 + 4 + 8 + 16 s by default)
    start_attempts: int = 5
    start_backoff: float = 2.0
    read_timeout: float = 15.0
    send_timeout: float = 30.0  # read timeout of sends: a slow answer is waited for, not asked again
    write_timeout: float = 15.0
    concurrent_updates: int = 64
    # identical answers in one group within this many seconds are posted once
    merge_window: float = 60.0
    state_file: Path | None = None  # user languages and group settings survive restarts
    admins: frozenset[int] = field(default_factory=frozenset)  # Telegram user ids of the bot's operators
    # maintainers' workflow: reload the knowledge when its files change (from_env turns it on;
    # off in a bare TelegramSettings so tests and embedders opt in), and record unanswered
    # questions in this SQLite file (None: record nothing)
    watch_knowledge: bool = False
    reload_debounce: float = 1.0  # seconds
    database: Path | None = None
    retention_days: int = 90
    unanswered_per_day: int = 1000  # unanswered questions recorded a day; the rest only counted
    # reliability (see bot/tg/durable.py): the update journal (None: no journal; from_env
    # puts it in the question database's file), how long a shutdown may drain, when a
    # reply counts as late, how many questions a group may have waiting, tries per update
    journal: Path | None = None
    drain_grace: float = 10.0
    late_after: float = 120.0
    group_backlog: int = 0  # 0: three times group_rate
    handling_tries: int = 4

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> TelegramSettings:
        env = os.environ if environ is None else environ
        state_file = env.get("FAQBOT_STATE_FILE", "").strip()
        admins = env.get("FAQBOT_ADMINS", "").replace(",", " ").split()
        if not all(a.lstrip("-").isdigit() for a in admins):
            raise ValueError("FAQBOT_ADMINS lists numeric Telegram user ids, separated by commas")
        admins_file = env.get("FAQBOT_ADMINS_FILE", "").strip()
        if admins_file:
            admins += read_admins_file(Path(admins_file))
        database, retention_days = database_settings(env)
        journal = env.get("FAQBOT_JOURNAL", "").strip()
        journal_path = None if journal.lower() in ("off", "none", "-") else Path(journal) if journal else database
        return cls(
            token=env.get("TELEGRAM_BOT_TOKEN", "").strip(),
            api_url=env.get("TELEGRAM_API_URL", "").strip() or DEFAULT_API_URL,
            webhook_url=env.get("FAQBOT_WEBHOOK_URL", "").strip(),
            listen=env.get("FAQBOT_WEBHOOK_LISTEN", "").strip() or cls.listen,
            port=_number(env, "FAQBOT_WEBHOOK_PORT", cls.port),
            secret_token=env.get("FAQBOT_WEBHOOK_SECRET", "").strip(),
            rate_limit=_flag(env, "FAQBOT_RATE_LIMIT", cls.rate_limit),
            group_rate=_number(env, "FAQBOT_GROUP_RATE", cls.group_rate),
            group_period=_number(env, "FAQBOT_GROUP_PERIOD", cls.group_period, float),
            overall_rate=_number(env, "FAQBOT_OVERALL_RATE", cls.overall_rate),
            max_retries=_number(env, "FAQBOT_MAX_RETRIES", cls.max_retries),
            start_attempts=max(1, _number(env, "FAQBOT_START_ATTEMPTS", cls.start_attempts)),
            start_backoff=min(60.0, max(0.0, _number(env, "FAQBOT_START_BACKOFF", cls.start_backoff, float))),
            send_timeout=_number(env, "FAQBOT_SEND_TIMEOUT", cls.send_timeout, float),
            concurrent_updates=_number(env, "FAQBOT_CONCURRENT_UPDATES", cls.concurrent_updates),
            merge_window=_number(env, "FAQBOT_MERGE_WINDOW", cls.merge_window, float),
            state_file=Path(state_file) if state_file else None,
            admins=frozenset(int(a) for a in admins),
            watch_knowledge=_flag(env, "FAQBOT_WATCH", True),
            reload_debounce=_number(env, "FAQBOT_RELOAD_DEBOUNCE", cls.reload_debounce, float),
            database=database,
            retention_days=retention_days,
            journal=journal_path,
            unanswered_per_day=daily_cap(env),
            drain_grace=_number(env, "FAQBOT_DRAIN_GRACE", cls.drain_grace, float),
            late_after=_number(env, "FAQBOT_LATE_AFTER", cls.late_after, float),
            group_backlog=_number(env, "FAQBOT_GROUP_BACKLOG", cls.group_backlog),
        )

    def with_args(self, args: RunOptions) -> TelegramSettings:
        """The settings with `faqbot run` flags applied (a flag beats the environment)."""
        changes = {name: getattr(args, name) for name in ("webhook_url", "listen", "port", "secret_token")
                   if getattr(args, name, None) is not None}
        if args.state_file:
            changes["state_file"] = Path(args.state_file)
        return replace(self, **changes)

    @property
    def webhook_path(self) -> str:
        """The local path the webhook listens on: the path of the public URL.

        Not the token, as many examples do, so the token never shows in a proxy's access log.
        """
        return urlsplit(self.webhook_url).path.strip("/") or "telegram"

    @property
    def base_file_url(self) -> str | None:
        return self.api_url[: -len("/bot")] + "/file/bot" if self.api_url.endswith("/bot") else None


def read_admins_file(path: Path) -> list[str]:
    """FAQBOT_ADMINS_FILE: one numeric Telegram user id per line; blank lines and # comments
    are ignored (e.g. "123456789  # Li, fair office")."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise ValueError(f"FAQBOT_ADMINS_FILE: cannot read {path}: {error.strerror}") from None
    admins = []
    for number, line in enumerate(lines, 1):
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        if not text.lstrip("-").isdigit():
            raise ValueError(f"{path}:{number}: expected a numeric Telegram user id, not {text!r}")
        admins.append(text)
    return admins


def add_run_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags of `faqbot run`; each defaults to its environment variable."""
    parser.add_argument("--webhook-url", metavar="URL",
                        help="receive updates by webhook at this public HTTPS URL instead of long polling "
                             "($FAQBOT_WEBHOOK_URL)")
    parser.add_argument("--listen", metavar="ADDRESS",
                        help="address the webhook server binds to (default 0.0.0.0; $FAQBOT_WEBHOOK_LISTEN)")
    parser.add_argument("--port", type=int, help="port of the webhook server (default 8443; $FAQBOT_WEBHOOK_PORT)")
    parser.add_argument("--secret-token", metavar="SECRET",
                        help="secret Telegram sends with each webhook call, A-Z a-z 0-9 _ - "
                             "($FAQBOT_WEBHOOK_SECRET)")
    parser.add_argument("--state-file", metavar="FILE",
                        help="keep user languages and group settings in this file ($FAQBOT_STATE_FILE)")
