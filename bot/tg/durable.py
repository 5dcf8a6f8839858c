"""Nothing lost, nothing stuck: how updates flow from Telegram through the handlers.

* :class:`~.journaled.JournaledBot` (in journaled.py) writes each fetched update to the
  :class:`~.journal.Journal` before getUpdates confirms it, skips an update
  python-telegram-bot cannot read (logged once, with its id and kind, never its text), and
  records every Bot API call made while handling an update; when an update is handled again
  after a restart, calls already recorded are not made again.
* :class:`UpdateLanes` decides when each update is handled. Private chats, inline
  queries and the like share ``concurrent_updates`` slots; each group has a lane of its
  own, so a group waiting for its pace (20 messages a minute) delays only its own
  replies. A group with more questions waiting than ``group_backlog`` gets the surplus
  dropped, and one notice. A handling that fails is tried again a few times, then skipped.
* :class:`FaqApplication` drains on shutdown for at most ``drain_grace`` seconds and
  leaves what is left in the journal; :func:`replay_pending` handles it at the next start,
  in order, paced as usual, with a "late reply" note when it waited long.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import Application, BaseUpdateProcessor

from .context import background_of, journal_of, live_of, settings_of
from .journal import FINISHED, Journal, prune_journal
from .journaled import CURRENT, LATE_NOTE, Handling, JournaledBot, JournaledBuilder, current_handling  # noqa: F401 - re-exported
from .replies import say
from .settings import TelegramSettings

log = logging.getLogger(__name__)

GROUP_TYPES = (ChatType.GROUP, ChatType.SUPERGROUP)
GROUP_LANE_WIDTH = 4  # a group's updates handled at once (the rest wait in its lane)
RETRY_BACKOFF = 0.5  # seconds before handling a failed update again, doubled each time


@dataclass
class _Lane:
    slots: asyncio.Semaphore
    load: int = 0  # updates in the lane: handled or waiting
    noticed: bool = False  # the flood notice went out since the lane was last empty


class UpdateLanes(BaseUpdateProcessor):
    """Per-chat scheduling of update handling (see the module docstring)."""

    def __init__(self, settings: TelegramSettings, journal: Journal | None = None):
        super().__init__(max_concurrent_updates=1 << 30)  # the lanes do the limiting
        self.settings = settings
        self.journal = journal
        self.application: Application | None = None
        self._shared = asyncio.Semaphore(max(1, settings.concurrent_updates))
        self._groups: dict[int, _Lane] = {}
        self._tasks: dict[asyncio.Task, Handling | None] = {}
        self._active: set[int] = set()
        self.closing = False
        self.dropped = 0

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def do_process_update(self, update: object, coroutine) -> None:
        bot = self.application.bot if self.application is not None else None
        if not isinstance(update, Update):
            await coroutine
            return
        if self.closing or (isinstance(bot, JournaledBot) and bot.is_placeholder(update)):
            coroutine.close()
            return
        chat = update.effective_chat
        if chat is not None and chat.type in GROUP_TYPES:
            await self._in_group_lane(update, chat.id, coroutine)
        else:
            async with self._shared:
                await self._handle(update, coroutine)

    async def _in_group_lane(self, update: Update, chat_id: int, coroutine) -> None:
        lane = self._groups.get(chat_id)
        if lane is None:
            lane = self._groups[chat_id] = _Lane(asyncio.Semaphore(GROUP_LANE_WIDTH))
        if lane.load >= self.group_backlog:
            coroutine.close()
            self.dropped += 1
            if self.journal is not None:
                self.journal.finish(update.update_id, "dropped", _kind(update))
            log.warning("chat %s: more than %d questions waiting; update %s dropped", chat_id,
                        self.group_backlog, update.update_id)
            if not lane.noticed:
                lane.noticed = True
                if self.application is not None:  # set in build_application, before any update
                    self.application.create_task(self._flood_notice(chat_id, update))
            return
        lane.load += 1
        try:
            async with lane.slots:
                await self._handle(update, coroutine)
        finally:
            lane.load -= 1
            if lane.load == 0:
                self._groups.pop(chat_id, None)

    @property
    def group_backlog(self) -> int:
        return self.settings.group_backlog or max(3 * self.settings.group_rate, 20)

    async def _flood_notice(self, chat_id: int, update: Update) -> None:
        message = update.effective_message
        thread = message.message_thread_id if message is not None and message.is_topic_message else None
        application = self.application
        if application is None:  # set in build_application, before any update
            return
        try:
            # plain text, as always: the catalogue's message is not markup (None overrides the HTML Defaults)
            await application.bot.send_message(chat_id, flood_notice(live_of(application.bot_data).kb),
                                               message_thread_id=thread, parse_mode=None)
        except Exception as error:  # noqa: BLE001 - a notice is a courtesy
            log.warning("chat %s: could not post the flood notice: %s", chat_id, error)

    async def _handle(self, update: Update, coroutine) -> None:
        if self.closing or update.update_id in self._active:
            coroutine.close()
            return
        handling = self._begin(update)
        if handling is None:
            coroutine.close()
            return
        task = asyncio.current_task()
        assert task is not None  # a coroutine running on the loop
        self._tasks[task] = handling
        self._active.add(update.update_id)
        token = CURRENT.set(handling)
        try:
            await self._attempts(update, coroutine, handling)
        except asyncio.CancelledError:
            if self.journal is not None:
                self.journal.untry(update.update_id)
            raise
        finally:
            CURRENT.reset(token)
            self._active.discard(update.update_id)
            self._tasks.pop(task, None)

    def _begin(self, update: Update) -> Handling | None:
        kind = _kind(update)
        if self.journal is None:
            return Handling(update.update_id, kind)
        state = self.journal.state(update.update_id)
        if state is None:  # not fetched by getUpdates: a webhook, or put in the queue directly
            self.journal.received([update.to_dict()])
        elif state in FINISHED:
            return None
        tries, received_at, replayed = self.journal.begin(update.update_id)
        handling = Handling(update.update_id, kind, tries=tries, replayed=replayed)
        asked = update.message.date.timestamp() if update.message is not None else received_at
        handling.late = time.time() - asked > self.settings.late_after
        return handling

    async def _attempts(self, update: Update, coroutine, handling: Handling) -> None:
        delay = RETRY_BACKOFF
        while True:
            handling.failed, handling.calls = None, 0
            await coroutine
            if handling.failed is None:
                if self.journal is not None:
                    self.journal.finish_soon(update.update_id, "sent")  # with the others handled meanwhile
                return
            if handling.tries >= self.settings.handling_tries:
                log.error("update %s (%s) failed %d times; skipped", update.update_id, handling.kind, handling.tries)
                if self.journal is not None:
                    self.journal.finish(update.update_id, "skipped")
                return
            await asyncio.sleep(delay)
            delay *= 2
            if self.journal is not None:
                handling.tries, _, handling.replayed = self.journal.begin(update.update_id)
            else:
                handling.tries += 1
            coroutine = self.application.process_update(update)

    # --- shutdown --------------------------------------------------------------------------

    def pending_tasks(self) -> int:
        return len(self._tasks)

    async def drain(self, grace: float) -> None:
        """Let the handling in progress finish for up to `grace` seconds, then stop it where
        it is: what is left stays in the journal. A request on the wire is let finish, so
        its answer is recorded."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + grace
        while self._tasks and loop.time() < deadline:
            await asyncio.sleep(0.05)
        self.closing = True
        left = len(self._tasks)
        if left:
            log.warning("shutting down: %d update(s) not finished within %.0f s stay in the journal%s", left, grace,
                        "" if self.journal is not None else " (no journal: they are lost)")
        hard_deadline = loop.time() + max(self.settings.read_timeout, 1.0)
        while self._tasks and loop.time() < hard_deadline:
            for task, handling in list(self._tasks.items()):
                if handling is None or handling.in_request == 0:
                    task.cancel()
            await asyncio.sleep(0.01)


def flood_notice(kb) -> str:
    """What a flooding group is told, once (in both languages: it is for everyone there)."""
    return f"{say(kb, 'group_flood', 'en')}\n{say(kb, 'group_flood', 'zh')}"


def _kind(update: Update) -> str:
    """update_kind of a parsed update, read from its fields: serialising the whole update
    (to_dict) for its first key cost about a millisecond per update (issue 12)."""
    if not isinstance(update, Update):
        return "?"
    return next((str(kind) for kind in Update.ALL_TYPES if getattr(update, kind, None) is not None), "?")


class FaqApplication(Application):
    """Application that drains for at most `drain_grace` seconds when it stops."""

    async def stop(self) -> None:
        processor = self.update_processor
        drain = None
        if isinstance(processor, UpdateLanes):
            drain = asyncio.create_task(processor.drain(processor.settings.drain_grace))
        try:
            await super().stop()
        finally:
            if drain is not None:
                drain.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await drain


async def replay_pending(application: Application) -> int:
    """post_init: put the journal's unfinished updates back in the queue, oldest first."""
    processor = application.update_processor
    journal = journal_of(application.bot_data)
    if journal is None:
        return 0
    if isinstance(processor, UpdateLanes):
        processor.application = application
    background_of(application.bot_data).append(
        asyncio.create_task(prune_journal(journal), name="faqbot:prune-journal"))
    replayed = 0
    for pending in journal.pending():
        if pending.raw is None:
            journal.finish(pending.update_id, "skipped", pending.kind)
            continue
        settings = settings_of(application.bot_data)
        if pending.tries >= settings.handling_tries:
            log.error("update %s (%s) was being handled %d times when the bot stopped; skipped",
                      pending.update_id, pending.kind, pending.tries)
            journal.finish(pending.update_id, "skipped", pending.kind)
            continue
        try:
            update = Update.de_json(pending.raw, application.bot)
        except Exception as error:  # noqa: BLE001
            log.error("journalled update %s (%s) cannot be read (%s); skipped", pending.update_id, pending.kind,
                      type(error).__name__)
            journal.finish(pending.update_id, "skipped", pending.kind)
            continue
        await application.update_queue.put(update)
        replayed += 1
    if replayed:
        log.info("%d update(s) left from before the restart are being answered", replayed)
    return replayed
