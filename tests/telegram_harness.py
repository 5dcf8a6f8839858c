"""Shared set-up for the Telegram layer's tests: our real Application against LocalBotApi.

Time is scaled 30x: a group may take 20 messages per 2 s instead of per minute, a private
chat 30 per second instead of 1 - on the server and in the application's rate limiter
alike - so flood control is exercised in seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path

from bot.core import KnowledgeBase, ask
from bot.localapi import LocalBotApi, RateLimits, StoredMessage
from bot.services.knowledge import LiveKnowledge
from bot.tg.app import build_application
from bot.tg.settings import TelegramSettings

TOKEN = "987654:TEST-token-never-printed"
BOT_USERNAME = "cq_faq_bot"
KNOWLEDGE = Path(__file__).resolve().parent.parent / "knowledge"
PROJECT = Path(__file__).resolve().parent.parent

# python-telegram-bot 22 warns when RetryAfter.retry_after is read as an int (inside AIORateLimiter).
IGNORE_PTB_WARNINGS = "ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning"


def scaled_limits() -> RateLimits:
    return RateLimits(private_per_second=30, private_burst=3, group_per_minute=20, group_window=2.0,
                      global_per_second=900)


def scaled_settings(api: LocalBotApi, **changes) -> TelegramSettings:
    settings = TelegramSettings(token=api.token, api_url=api.base_url, group_rate=20, group_period=2.0,
                                overall_rate=900, max_retries=30, retry_backoff=0.05)
    return replace(settings, **changes)


@cache
def shared_live() -> LiveKnowledge:
    """Loading and indexing the knowledge takes a moment; tests share one (it is never changed)."""
    return LiveKnowledge(KNOWLEDGE)


class ErrorLog(logging.Handler):
    """Collects what the application logs at ERROR and above (its error handler included)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    @property
    def messages(self) -> list[str]:
        return [record.getMessage()[:500] for record in self.records]


@dataclass
class Bot:
    api: LocalBotApi
    app: object
    live: LiveKnowledge
    errors: ErrorLog
    users: dict = field(default_factory=dict)

    @property
    def kb(self) -> KnowledgeBase:
        return self.live.kb

    def replies_to(self, message: dict) -> list[StoredMessage]:
        """The bot's messages replying to a user's message."""
        chat_id, message_id = message["chat"]["id"], message["message_id"]
        return [m for m in self.api.bot_messages(chat_id)
                if m.message.get("reply_to_message", {}).get("message_id") == message_id]

    async def reply_to(self, message: dict, count: int = 1, timeout: float = 5.0) -> list[StoredMessage]:
        """Wait for `count` bot messages replying to `message`."""
        return await self.api.wait_for(lambda: len(self.replies_to(message)) >= count and self.replies_to(message),
                                       timeout=timeout)

    async def new_bot_message(self, chat: dict, before: int, timeout: float = 5.0) -> StoredMessage:
        """Wait for the bot's next message in `chat` after it had sent `before` there."""
        messages = await self.api.wait_for(lambda: len(self.api.bot_messages(chat)) > before and
                                           self.api.bot_messages(chat), timeout=timeout)
        return messages[before]

    async def settle(self, quiet: float = 0.3) -> None:
        """Wait until every update was fetched and the handlers had time to act."""
        await self.api.wait_for(lambda: not self.api.pending_updates, timeout=5)
        await asyncio.sleep(quiet)


@contextlib.asynccontextmanager
async def running_bot(*, live: LiveKnowledge | None = None, limits: RateLimits | None = None,
                      privacy_mode: bool = True, settings: Callable[[LocalBotApi], TelegramSettings] | None = None,
                      poll: bool = True) -> AsyncIterator[Bot]:
    """Start LocalBotApi and our Application polling it (as `faqbot run` would, minus run_polling,
    which owns the event loop); stop both cleanly at the end."""
    logging.getLogger("httpx").setLevel(logging.WARNING)  # its INFO lines carry the token
    errors = ErrorLog()
    watched = [logging.getLogger(name) for name in ("bot", "telegram")]
    for logger in watched:
        logger.addHandler(errors)
    api = LocalBotApi(token=TOKEN, bot_username=BOT_USERNAME, bot_name="Chongqing FAQ",
                      limits=limits or scaled_limits(), privacy_mode=privacy_mode, webhook_retry_delay=0.05)
    live = live or shared_live()
    try:
        async with api:
            app = build_application(settings(api) if settings else scaled_settings(api), live)
            async with app:
                await app.post_init(app)  # run_polling would call it
                await app.start()
                if poll:
                    await app.updater.start_polling(poll_interval=0.0, timeout=1)
                try:
                    yield Bot(api, app, live, errors)
                finally:
                    if app.updater.running:
                        await app.updater.stop()
                    await app.stop()
    finally:
        for logger in watched:
            logger.removeHandler(errors)
    assert api.server_errors == []


def assert_clean(bot: Bot) -> None:
    """No schema violations on the server side, no errors logged by the application."""
    assert bot.api.schema_violations == []
    assert bot.errors.messages == []


def find_question(kb: KnowledgeBase, status: str, candidates: list[str]) -> str:
    """The first of `candidates` the core replies to with `status` (the knowledge base is
    edited by others, so tests pick their ambiguous/declined examples at run time)."""
    for question in candidates:
        if ask(kb, question).match.status == status:
            return question
    raise AssertionError(f"none of the candidate questions is {status}: {candidates}")


AMBIGUOUS_CANDIDATES = ["investment", "us", "share", "美国", "trade", "how much", "US investment", "投资",
                        "california", "exports and imports", "chongqing us", "what share", "per company"]
DECLINED_CANDIDATES = ["What is the weather in Paris tomorrow?", "Who won the football world cup?",
                       "巴黎明天天气怎么样？", "recipe for chocolate cake"]


# --- `faqbot run` as a real process --------------------------------------------------------


def bot_env(api: LocalBotApi, tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment of `faqbot run` against `api`, with the harness's scaled limits."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "FAQBOT_"))}
    return {**env, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": api.base_url,
            "FAQBOT_DB": str(tmp_path / "faqbot.sqlite3"), "FAQBOT_WATCH": "off",
            "FAQBOT_GROUP_RATE": "20", "FAQBOT_GROUP_PERIOD": "2", "FAQBOT_OVERALL_RATE": "900",
            "FAQBOT_MAX_RETRIES": "30", **extra}


async def start_bot(api: LocalBotApi, env: dict[str, str], log: Path) -> asyncio.subprocess.Process:
    """Start `faqbot run` (stderr appended to `log`) and wait until its post_init ran."""
    before = len([r for r in api.requests if r["method"] == "setMyShortDescription"])
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "--knowledge", str(KNOWLEDGE), env=env, cwd=PROJECT,
        stdout=asyncio.subprocess.DEVNULL, stderr=log.open("ab"))
    # post_init ran (menus set; the journal's leftovers are queued right after)
    await api.wait_for(lambda: len([r for r in api.requests if r["method"] == "setMyShortDescription"]) >= before + 2,
                       timeout=60)
    return process
