"""The one place the python-telegram-bot Application is built and its handlers registered."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from typing import Any

import httpx
from telegram import (
    BotCommand,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    LinkPreviewOptions,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    Defaults,
    InlineQueryHandler,
    MessageHandler,
    PersistenceInput,
    filters,
)
from telegram.request import BaseRequest, HTTPXRequest

from ..services.knowledge import LiveKnowledge
from ..services.store import QuestionStore
from . import callbacks, context, durable, pacing
from .handlers import admin, buttons, commands, errors, inline, learning, questions
from .journal import Journal
from .settings import TelegramSettings
from .state import SafePicklePersistence
from .throttle import RecentAnswers
from .webhook import GuardedUpdater

log = logging.getLogger(__name__)

# The updates the bot acts on. Others (edits, channel posts, reactions) would only be
# downloaded to be ignored.
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY, Update.INLINE_QUERY]

# Every message the bot sends is HTML (see replies.py), and the sources it cites are not
# worth a preview card under each answer.
SENDING_DEFAULTS = Defaults(parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True))

# Connections for Bot API calls: sends at Telegram's 30 a second overall, answered within
# half a second, need 15 at most; more only cost (see api_request).
CONNECTIONS = 16

# Command menus: (command, English, Chinese) per scope.
PRIVATE_COMMANDS = [
    ("start", "Welcome and example questions", "欢迎与示例问题"),
    ("topics", "Browse the questions by topic", "按主题浏览问题"),
    ("facts", "Key figures", "主要数据"),
    ("source", "Where the figures come from", "数据来源"),
    ("lang", "Answer in English or Chinese", "选择中文或英文回答"),
    ("help", "How to use this bot", "使用说明"),
]
GROUP_COMMANDS = [
    ("ask", "Ask a question: /ask followed by it", "提问：/ask 加上问题"),
    ("topics", "Browse the questions by topic", "按主题浏览问题"),
    ("facts", "Key figures", "主要数据"),
    ("source", "Where the figures come from", "数据来源"),
    ("lang", "Answer me in English or Chinese", "选择中文或英文回答"),
    ("help", "How to use this bot", "使用说明"),
]
ADMIN_COMMANDS = GROUP_COMMANDS + [
    ("autoanswer", "on/off: answer questions not addressed to me", "on/off：自动回答没有@我的问题"),
]
async def set_menus(application: Application) -> None:
    """post_init: command menus per scope and language, and the bot's descriptions.

    Cosmetic: if Telegram refuses, the bot still runs (and says so in the log).
    """
    bot = application.bot
    scopes = [
        (BotCommandScopeAllPrivateChats(), PRIVATE_COMMANDS),
        (BotCommandScopeAllGroupChats(), GROUP_COMMANDS),
        (BotCommandScopeAllChatAdministrators(), ADMIN_COMMANDS),
    ]
    try:
        for scope, commands in scopes:
            await bot.set_my_commands([BotCommand(c, en) for c, en, _ in commands], scope=scope)
            await bot.set_my_commands([BotCommand(c, zh) for c, _, zh in commands], scope=scope, language_code="zh")
        kb = context.live_of(application.bot_data).kb  # the descriptions name the FAQ's subject: messages.yaml
        for language_code, lang in ((None, "en"), ("zh", "zh")):
            await bot.set_my_description(kb.message("bot_description", lang), language_code=language_code)
            await bot.set_my_short_description(kb.message("bot_short_description", lang), language_code=language_code)
    except TelegramError as error:
        log.warning("could not set the command menus: %s", error)


async def on_start(application: Application) -> None:
    """post_init: menus (the admins' with their commands), then the background work."""
    await set_menus(application)
    await admin.set_admin_menus(application, PRIVATE_COMMANDS)
    await admin.start_background(application)
    await durable.replay_pending(application)


def build_application(settings: TelegramSettings, live: LiveKnowledge) -> Application:
    journal = open_journal(settings)
    lanes = durable.UpdateLanes(settings, journal)
    journaled = durable.JournaledBuilder()
    journaled.journal = journal
    builder = (
        journaled
        .application_class(durable.FaqApplication)
        .token(settings.token)
        .base_url(settings.api_url)
        .defaults(SENDING_DEFAULTS)
        .context_types(context.CONTEXT_TYPES)
        .concurrent_updates(lanes)
        .request(api_request(settings))
        .post_init(on_start)
        .post_shutdown(admin.stop_background)
    )
    if settings.base_file_url:
        builder = builder.base_file_url(settings.base_file_url)
    limiter = pacing.rate_limiter(settings)
    if limiter is not None:
        builder = builder.rate_limiter(limiter)
    if settings.state_file is not None:
        # Only what users set: their language (user_data) and group settings (chat_data).
        builder = builder.persistence(SafePicklePersistence(  # atomic writes; a damaged file moved aside
            settings.state_file, store_data=PersistenceInput(bot_data=False, callback_data=False), update_interval=30))
    application = builder.build()
    # the webhook server checks the secret before reading a body, and caps bodies (see webhook.py)
    application.updater = GuardedUpdater(bot=application.bot, update_queue=application.update_queue)
    if settings.database is not None and live.store is None:
        try:
            live.store = QuestionStore(settings.database, settings.retention_days, settings.unanswered_per_day)
        except (OSError, sqlite3.Error) as error:  # answering matters more than recording
            log.error("cannot open the question database %s (%s): unanswered questions are not recorded",
                      settings.database, error)
    lanes.application = application
    context.share(application.bot_data, live=live, settings=settings, recent=RecentAnswers(settings.merge_window),
                  journal=journal)
    add_handlers(application)
    return application


class ConnectionLines(BaseRequest):
    """Bot API requests over `lines` connections of their own, each an HTTPXRequest with a
    pool of one: a request takes a free line (the one used last first, so a quiet bot keeps
    using one connection and the others idle) or waits here, on a semaphore, for one.

    One pool of many connections cost more than the requests themselves: httpcore's pool
    checks every connection (a poll() of its socket, and each idle one against all the
    others) whenever a request starts or ends, about 50 checks per request with 16
    connections (issue 12). A pool of one checks one."""

    def __init__(self, lines: int, **kwargs: Any):
        super().__init__()
        self._lines = [HTTPXRequest(connection_pool_size=1, **kwargs) for _ in range(lines)]
        self._free = list(self._lines)  # the last one is taken first
        self._available = asyncio.Semaphore(lines)

    @property
    def read_timeout(self) -> float | None:
        return self._lines[0].read_timeout

    async def initialize(self) -> None:
        # one per run: a semaphore keeps the event loop it waited on
        self._available = asyncio.Semaphore(len(self._lines))
        self._free = list(self._lines)
        for line in self._lines:
            await line.initialize()

    async def shutdown(self) -> None:
        for line in self._lines:
            await line.shutdown()

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        async with self._available:
            line = self._free.pop()
            try:
                return await line.do_request(*args, **kwargs)
            finally:
                self._free.append(line)


def api_request(settings: TelegramSettings) -> BaseRequest:
    """The connections for Bot API calls other than getUpdates: at most CONNECTIONS, all kept
    alive. python-telegram-bot allows 256 but keeps only httpx's default 20 alive, so a burst
    handled 64 at a time opened and closed connections every few sends (issue 12); see
    ConnectionLines for why each is a pool of its own."""
    return ConnectionLines(CONNECTIONS, connect_timeout=settings.connect_timeout,
                           read_timeout=settings.read_timeout, write_timeout=settings.write_timeout,
                           pool_timeout=settings.send_timeout,  # (requests wait in ConnectionLines first)
                           httpx_kwargs={"limits": httpx.Limits(max_connections=1, max_keepalive_connections=1),
                                         "verify": httpx.create_ssl_context()})  # one for all: loading it takes 30 ms


def open_journal(settings: TelegramSettings) -> Journal | None:
    if settings.journal is None:
        return None
    try:
        return Journal(settings.journal)
    except (OSError, sqlite3.Error) as error:  # answering matters more than remembering
        log.error("cannot open the update journal %s (%s): updates are not journalled", settings.journal, error)
        return None


def add_handlers(application: Application) -> None:
    # Edited messages and channel posts are left out on purpose: an edit of an answered
    # question would be answered twice, and channels have nobody to answer.
    new_message = filters.UpdateType.MESSAGE
    admins = admin.admins_only(context.settings_of(application.bot_data))
    private, groups = filters.ChatType.PRIVATE, filters.ChatType.GROUPS

    application.add_handlers([
        CommandHandler("start", commands.start, filters=new_message),
        CommandHandler("help", commands.show_help, filters=new_message),
        CommandHandler("topics", commands.show_topics, filters=new_message),
        CommandHandler("facts", commands.show_facts, filters=new_message),
        CommandHandler("source", commands.show_sources, filters=new_message),
        CommandHandler("lang", commands.choose_language, filters=new_message),
        CommandHandler("ask", questions.ask_command, filters=new_message),
        CommandHandler("autoanswer", commands.set_auto_answer, filters=new_message),
        # before unknown_command: for anyone but an admin these are unknown commands
        CommandHandler("reload", admin.reload_command, filters=new_message & admins),
        CommandHandler("unanswered", admin.unanswered_command, filters=new_message & admins),
        CommandHandler("undo", learning.undo_command, filters=new_message & admins),
        CommandHandler("stats", learning.stats_command, filters=new_message & admins),
        MessageHandler(new_message & private & filters.COMMAND, commands.unknown_command),
        MessageHandler(new_message & private & filters.TEXT, questions.private_question),
        MessageHandler(new_message & groups & filters.TEXT & ~filters.COMMAND, questions.group_message),
        MessageHandler(new_message & private & ~filters.TEXT & ~filters.StatusUpdate.ALL, commands.private_non_text),
        # first: python-telegram-bot lets a button with empty data match every pattern
        CallbackQueryHandler(buttons.unknown_button, pattern=callbacks.is_empty),
        CallbackQueryHandler(buttons.related_pressed, pattern=callbacks.PATTERNS[callbacks.ANSWER]),
        CallbackQueryHandler(buttons.choice_pressed, pattern=callbacks.PATTERNS[callbacks.CHOICE]),
        CallbackQueryHandler(buttons.topic_pressed, pattern=callbacks.PATTERNS[callbacks.TOPIC]),
        CallbackQueryHandler(buttons.topic_list_pressed, pattern=callbacks.PATTERNS[callbacks.TOPICS]),
        CallbackQueryHandler(buttons.browsed_entry_pressed, pattern=callbacks.PATTERNS[callbacks.BROWSED]),
        CallbackQueryHandler(buttons.language_pressed, pattern=callbacks.PATTERNS[callbacks.LANGUAGE]),
        # admins only (it checks)
        CallbackQueryHandler(learning.suggestion_pressed, pattern=callbacks.PATTERNS[callbacks.SUGGESTION]),
        CallbackQueryHandler(buttons.unknown_button),
        InlineQueryHandler(inline.inline_query),
    ])
    application.add_error_handler(errors.log_error)
