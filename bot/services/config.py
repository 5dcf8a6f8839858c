"""Configuration read from the environment and the command line, built once in bot/cli.py.

The Telegram layer and the services receive these plain values; no argparse Namespace
and no `os.environ` look-up travels further than this module and cli.py (the Telegram
layer's own variables are read by bot/tg/settings.py, from the mapping it is given).
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .store import DEFAULT_DAILY_CAP, DEFAULT_RETENTION_DAYS, QuestionStore

DEFAULT_DATABASE = "faqbot.sqlite3"  # in the working directory
DATABASE_OFF = ("off", "none", "-")  # FAQBOT_DB values that keep nothing


@dataclass(frozen=True)
class RunOptions:
    """`faqbot run`'s command-line choices; None where a flag was not given (the
    environment, read by TelegramSettings.from_env, decides then)."""

    knowledge: Path
    webhook_url: str | None = None
    listen: str | None = None
    port: int | None = None
    secret_token: str | None = None
    state_file: str | None = None

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> RunOptions:
        return cls(knowledge=Path(args.knowledge), webhook_url=args.webhook_url, listen=args.listen,
                   port=args.port, secret_token=args.secret_token, state_file=args.state_file)


def store_from_env(environ: Mapping[str, str] | None = None) -> QuestionStore | None:
    """The store `faqbot run` and `faqbot report` use: $FAQBOT_DB (default faqbot.sqlite3
    in the working directory; "off" keeps nothing), $FAQBOT_RETENTION_DAYS (default 90)."""
    path, days = database_settings(environ)
    return QuestionStore(path, days, daily_cap(environ)) if path is not None else None


def daily_cap(environ: Mapping[str, str] | None = None) -> int:
    """$FAQBOT_UNANSWERED_PER_DAY: unanswered questions recorded per day (default 1000)."""
    env = os.environ if environ is None else environ
    return _whole_number(env, "FAQBOT_UNANSWERED_PER_DAY", DEFAULT_DAILY_CAP, minimum=0)


def database_settings(environ: Mapping[str, str] | None = None) -> tuple[Path | None, int]:
    """$FAQBOT_DB (None when recording is off) and $FAQBOT_RETENTION_DAYS."""
    env = os.environ if environ is None else environ
    raw = env.get("FAQBOT_DB", "").strip()
    path = None if raw.lower() in DATABASE_OFF else Path(raw or DEFAULT_DATABASE)
    days = _whole_number(env, "FAQBOT_RETENTION_DAYS", DEFAULT_RETENTION_DAYS, minimum=1,
                         what="a whole number of days")
    return path, days


def _whole_number(env: Mapping[str, str], name: str, default: int, minimum: int,
                  what: str = "a whole number") -> int:
    """An environment variable holding a whole number, or `default` when unset; ValueError
    saying which variable is wrong otherwise."""
    raw = env.get(name, "").strip()
    try:
        value = int(raw) if raw else default
    except ValueError:
        raise ValueError(f"{name} must be {what}, not {raw!r}") from None
    if value < minimum:
        raise ValueError(f"{name} must not be negative" if minimum == 0 else f"{name} must be at least {minimum}")
    return value
