"""The bot's operators in Telegram: /reload and /unanswered, notices about broken edits,
and the background work of a running bot (watching the knowledge, pruning old records).

Admins are Telegram user ids (FAQBOT_ADMINS, FAQBOT_ADMINS_FILE). Their commands work in
a private chat with the bot; from anyone else, or in a group, they get exactly what an
unknown command gets, so nobody learns they exist (see app.add_handlers).
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import sqlite3
from collections.abc import Sequence

from telegram import BotCommand, BotCommandScopeChat, Update
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import Application, filters

from ...bounds import unanswered_arguments
from ...core import Problem
from ...maintain.report import report_lines
from ...services.knowledge import LiveKnowledge
from ...services.store import QuestionStore
from .. import replies, sending
from ..context import (
    FaqContext,
    background_of,
    failing_reload,
    live_of,
    set_failing_reload,
    settings_of,
    take_background,
)
from ..settings import TelegramSettings
from ..watchdog import supervise
from . import learning

log = logging.getLogger(__name__)

ADMIN_COMMANDS = [
    ("reload", "Reload the knowledge files now", "立即重新加载知识库"),
    ("unanswered", "Questions I could not answer well", "未能很好回答的问题"),
    ("undo", "Take back the last change to the knowledge", "撤销对知识库的上一次修改"),
    ("stats", "Headline figures of the last week", "最近一周的主要数字"),
]
PROBLEMS_SHOWN = 10  # a notice lists this many problems; `faqbot check` lists them all
UNANSWERED_TOP = 10
UNANSWERED_DAYS = 30
PRUNE_EVERY = 24 * 3600  # seconds


def admins_only(settings: TelegramSettings) -> filters.BaseFilter:
    """Messages from the configured admins, in their private chat with the bot."""
    return filters.User(user_id=settings.admins) & filters.ChatType.PRIVATE


# --- what admins are told ---------------------------------------------------------------------


def problem_lines(problems: Sequence[Problem], limit: int = PROBLEMS_SHOWN) -> list[replies.Line]:
    lines = [replies.Line(str(problem), "code") for problem in problems[:limit]]
    if len(problems) > limit:
        lines.append(replies.Line(f"… and {len(problems) - limit} more: run faqbot check", "i"))
    return lines


def reload_result(live: LiveKnowledge, problems: Sequence[Problem]) -> list[replies.Line]:
    if problems:
        return [replies.Line("Knowledge not reloaded: the edit has errors. The previous version is still "
                             "being served.", "b"), *problem_lines(problems)]
    kb = live.kb
    return [replies.Line("Knowledge reloaded.", "b"),
            replies.Line(f"{len(kb.entries)} entries in {len(kb.topics)} topics, {len(kb.facts)} facts."),
            *removed_lines(live)]


def removed_lines(live: LiveKnowledge) -> list[replies.Line]:
    """What the last accepted load removed (allowed by ALLOW-REMOVALS, or since the last run)."""
    loss = live.last_loss
    return [replies.Line(f"Removed: {loss.summary()}.", "b")] if loss else []


async def notify_admins(application: Application, lines: list[replies.Line]) -> int:
    """Send every admin a private message; returns how many received it. An admin who never
    started the bot (or blocked it) cannot be written to: that is logged, not an error."""
    settings = settings_of(application.bot_data)
    delivered = 0
    for admin in sorted(settings.admins):
        try:
            for text in replies.split_lines(lines):
                await application.bot.send_message(admin, text)
            delivered += 1
        except (Forbidden, BadRequest) as error:  # never started the bot, blocked it, or no such chat
            log.info("could not notify admin %s: %s", admin, error.message)
        except TelegramError as error:
            log.warning("could not notify admin %s: %s", admin, error)
    return delivered


async def reload_reported(application: Application, problems: list[Problem]) -> None:
    """After a reload the watcher started: tell the admins about a broken edit (once per
    distinct set of problems), and that it is fixed when a good edit follows."""
    bot_data = application.bot_data
    live = live_of(bot_data)
    if problems:
        key = tuple(str(problem) for problem in problems)
        if failing_reload(bot_data) != key:
            set_failing_reload(bot_data, key)
            await notify_admins(application, reload_result(live, problems))
    elif failing_reload(bot_data) is not None or live.last_loss:
        set_failing_reload(bot_data, None)
        await notify_admins(application, reload_result(live, problems))


# --- commands ------------------------------------------------------------------------------


async def reload_command(update: Update, context: FaqContext) -> None:
    """/reload: load the knowledge files now, and say how it went."""
    live = context.live
    problems = await live.reload_async()
    set_failing_reload(context.bot_data, tuple(str(problem) for problem in problems) or None)
    await sending.reply_html(update, context, replies.split_lines(reload_result(live, problems)))


async def unanswered_command(update: Update, context: FaqContext) -> None:
    """/unanswered [TOP] [DAYS]: the most frequent unanswered questions, grouped, and answer
    counts per entry (the same as `faqbot report`)."""
    live = context.live
    if live.store is None:
        await sending.reply_html(update, context, ["Questions are not being recorded (FAQBOT_DB is off)."])
        return
    parsed = unanswered_arguments(context.args, UNANSWERED_TOP, UNANSWERED_DAYS)
    if isinstance(parsed, str):  # out of range or not a number: say how it is used
        await sending.reply_html(update, context, [html.escape(parsed)])
        return
    top, days = parsed
    await live.flush()  # the answer counts of the last second too
    try:
        unanswered, answers = await asyncio.gather(asyncio.to_thread(live.store.unanswered, days),
                                                   asyncio.to_thread(live.store.answer_counts, days))
    except sqlite3.Error as error:
        log.error("cannot read the question database: %s", error)
        await sending.reply_html(update, context, [html.escape(f"Cannot read the question database: {error}.")])
        return
    kb = live.kb
    dropped = await asyncio.to_thread(live.store.dropped, days)
    lines = await asyncio.to_thread(report_lines, unanswered, answers, kb, days, top, top, dropped,
                                    live.store.daily_cap)
    await sending.reply_html(update, context, replies.split_lines([replies.Line(text, style) for text, style in lines]))
    await learning.send_suggestions(update, context, days, top)  # each group with buttons to act on it


# --- menus ---------------------------------------------------------------------------------


async def set_admin_menus(application: Application, private_commands: Sequence[tuple[str, str, str]]) -> None:
    """Each admin's private chat gets the usual menu plus the admin commands; nobody else sees
    them. Telegram refuses this for an admin who never started the bot: logged, not an error."""
    settings = settings_of(application.bot_data)
    commands = [*private_commands, *ADMIN_COMMANDS]
    for admin in sorted(settings.admins):
        scope = BotCommandScopeChat(admin)
        try:
            await application.bot.set_my_commands([BotCommand(c, en) for c, en, _ in commands], scope=scope)
            await application.bot.set_my_commands([BotCommand(c, zh) for c, _, zh in commands], scope=scope,
                                                  language_code="zh")
        except TelegramError as error:
            log.info("no admin menu for %s: %s", admin, error)


# --- background work -------------------------------------------------------------------------


async def prune_daily(store: QuestionStore) -> None:
    """Delete records older than the retention period: now, and then once a day."""
    while True:
        try:
            deleted = await asyncio.to_thread(store.prune)
            if deleted:
                log.info("deleted %d question records older than %d days", deleted, store.retention_days)
        except Exception:  # noqa: BLE001 - tomorrow is another try
            log.exception("pruning old question records failed")
        await asyncio.sleep(PRUNE_EVERY)


async def start_background(application: Application) -> None:
    """post_init: watch the knowledge directory (if configured) and prune old records."""
    settings = settings_of(application.bot_data)
    live = live_of(application.bot_data)
    tasks = background_of(application.bot_data)
    if settings.watch_knowledge:
        async def on_reload(problems: list[Problem]) -> None:
            await reload_reported(application, problems)

        async def tell(text: str) -> None:
            await notify_admins(application, [replies.Line("Knowledge watcher", "b"), replies.Line(text)])

        tasks.append(asyncio.create_task(
            supervise("watching the knowledge directory",
                      lambda: live.watch(on_reload, debounce=settings.reload_debounce), tell),
            name="faqbot:watch-knowledge"))
    if live.store is not None:
        tasks.append(asyncio.create_task(prune_daily(live.store), name="faqbot:prune"))
    if removed_lines(live):  # the knowledge lost something since the bot last ran
        tasks.append(asyncio.create_task(notify_admins(application, [
            replies.Line("Started with less knowledge than last time.", "b"), *removed_lines(live)])))


async def stop_background(application: Application) -> None:
    """post_shutdown: stop the background tasks and finish writing question records."""
    tasks = take_background(application.bot_data)
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError):
            await task
    await live_of(application.bot_data).flush()
