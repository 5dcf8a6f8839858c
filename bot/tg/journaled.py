"""The bot side of the update journal: :class:`JournaledBot` writes each fetched update to
the :class:`~.journal.Journal` before getUpdates confirms it, skips an update
python-telegram-bot cannot read, and records every Bot API call made while handling an
update, so that calls already recorded are not made again when it is handled after a
restart. durable.py schedules the handling; see its docstring for the whole flow.
"""

from __future__ import annotations

import asyncio
import contextvars
import datetime as dtm
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from telegram import Update
from telegram._utils.defaultvalue import DEFAULT_NONE, DefaultValue
from telegram._utils.types import JSONDict, ODVInput
from telegram.ext import ApplicationBuilder, ExtBot

from .journal import Journal, scrub, update_kind
from .replies import MAX_MESSAGE, utf16_len

log = logging.getLogger(__name__)

# Turns of the event loop the next getUpdates waits for the handling of the updates just
# fetched (an idle reply reached Telegram 1.5 ms sooner: issue 12). Enough for a reply to get
# from its handler onto the wire (httpx/anyio take a few turns); nothing waits on a timer.
GIVE_WAY = 8

LATE_NOTE = "<i>⏱ Sorry for the wait: the bot was restarting. · 抱歉久等：机器人刚才在重启。</i>"


@dataclass
class Handling:
    """The update being handled in this task (a context variable: each task has its own)."""

    update_id: int
    kind: str
    tries: int = 1
    replayed: list = field(default_factory=list)  # (method, result) of calls recorded before
    calls: int = 0  # calls made (or replayed) so far in this try
    late: bool = False
    flagged: bool = False
    failed: BaseException | None = None
    in_request: int = 0  # > 0 while a Bot API request is on the wire


CURRENT: contextvars.ContextVar[Handling | None] = contextvars.ContextVar("faqbot_handling", default=None)


def current_handling() -> Handling | None:
    return CURRENT.get()


class JournaledBot(ExtBot):
    """ExtBot that journals updates as they are fetched and replays recorded calls."""

    def __init__(self, *args, journal: Journal | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self._journal = journal
        self._placeholders: set[int] = set()

    async def get_updates(self, offset: int | None = None, limit: int | None = None,
                          timeout: float | dtm.timedelta | None = None, allowed_updates: Sequence[str] | None = None,
                          *, read_timeout: ODVInput[float] = DEFAULT_NONE,
                          write_timeout: ODVInput[float] = DEFAULT_NONE,
                          connect_timeout: ODVInput[float] = DEFAULT_NONE,
                          pool_timeout: ODVInput[float] = DEFAULT_NONE,
                          api_kwargs: JSONDict | None = None) -> tuple[Update, ...]:
        """As python-telegram-bot 22's Bot.get_updates and ExtBot.get_updates, but each update
        is parsed once, in `_screen` (which must try it anyway, to skip one it cannot read):
        the library would parse the batch again (issue 12).

        First it gives way for GIVE_WAY turns of the event loop: the updates fetched last are
        being handled, and their replies should go out before this request is built and
        written, which takes about as much CPU as a reply. The long poll waits anyway."""
        for _ in range(GIVE_WAY):
            await asyncio.sleep(0)
        # the long poll's `timeout` on top of the read timeout, as the library does
        waited = timeout.total_seconds() if isinstance(timeout, dtm.timedelta) else timeout or 0
        if isinstance(read_timeout, DefaultValue):
            read_timeout = self._request[0].read_timeout
        data = {"timeout": timeout, "offset": offset, "limit": limit, "allowed_updates": allowed_updates}
        raws = await self._post("getUpdates", data, read_timeout=(read_timeout or 0) + waited,
                                write_timeout=write_timeout, connect_timeout=connect_timeout,
                                pool_timeout=pool_timeout, api_kwargs=api_kwargs)
        updates = self._screen(raws if isinstance(raws, list) else [])
        for update in updates:
            self.insert_callback_data(update)
        return tuple(updates)

    def _screen(self, raws: list) -> list[Update]:
        """Journal fetched updates and parse them; hand on those to handle now. An update the
        journal already has, or one that cannot be read, is handed on as a bare placeholder
        (just its id), so the offset still moves past it and Telegram forgets it."""
        raws = [scrub(raw) for raw in raws if isinstance(raw, dict) and isinstance(raw.get("update_id"), int)]
        new = self._journal.received(raws) if self._journal is not None else {raw["update_id"] for raw in raws}
        screened = []
        for raw in raws:
            update_id = raw["update_id"]
            if update_id in new:
                try:
                    screened.append(Update.de_json(raw, self))
                    continue
                except Exception as error:  # noqa: BLE001 - whatever python-telegram-bot cannot read
                    log.error("update %s (%s) cannot be read (%s: %s); skipped", update_id, update_kind(raw),
                              type(error).__name__, str(error)[:200])
                    if self._journal is not None:
                        self._journal.finish(update_id, "skipped", update_kind(raw))
            self._placeholders.add(update_id)
            screened.append(Update.de_json({"update_id": update_id}, self))
        return screened

    def is_placeholder(self, update: object) -> bool:
        if isinstance(update, Update) and update.update_id in self._placeholders:
            self._placeholders.discard(update.update_id)
            return True
        return False

    async def _do_post(self, endpoint: str, data: dict, **kwargs) -> Any:
        handling = CURRENT.get()
        if handling is None or endpoint.startswith("get"):
            return without_quoted(await super()._do_post(endpoint, data, **kwargs))
        seq = handling.calls
        if seq < len(handling.replayed):
            method, result = handling.replayed[seq]
            if method == endpoint:
                handling.calls += 1
                if endpoint == "sendMessage":
                    handling.flagged = True
                log.info("update %s: %s #%d was made before; not made again", handling.update_id, endpoint, seq)
                return result
            # this time the handling took another path (the knowledge changed, say): make the
            # calls from here on, and record them in place of the old ones
            log.info("update %s: handled differently than before from call #%d on", handling.update_id, seq)
            del handling.replayed[seq:]
        if handling.late and not handling.flagged and endpoint == "sendMessage" and data.get("parse_mode") == "HTML":
            if utf16_len(data["text"]) + utf16_len(LATE_NOTE) < MAX_MESSAGE:  # markup counted too: safe side
                data["text"] = f"{LATE_NOTE}\n{data['text']}"
        if self.rate_limiter is None:
            handling.in_request += 1
            try:
                result = await super()._do_post(endpoint, data, **kwargs)
            finally:
                handling.in_request -= 1
        else:
            result = await super()._do_post(endpoint, data, **kwargs)
        result = without_quoted(result)
        # No await between Telegram's answer and this line: a cancelled task has either
        # recorded the call or not made it.
        if endpoint == "sendMessage":
            handling.flagged = True
        if self._journal is not None:
            self._journal.sent(handling.update_id, seq, endpoint, result)
        handling.calls += 1
        return result


def without_quoted(result: Any) -> Any:
    """A message the bot sent, without the message it replies to: Telegram repeats that one in
    full (the user's question, with its sender), and the bot never reads it back, so it is
    neither parsed nor journaled (issue 12: a third of the parsing per answer)."""
    if isinstance(result, dict) and "reply_to_message" in result and "message_id" in result:
        return {key: value for key, value in result.items() if key != "reply_to_message"}
    return result


class JournaledBuilder(ApplicationBuilder):
    """ApplicationBuilder whose bot is a JournaledBot (set `journal` before build())."""

    journal: Journal | None = None

    def _build_ext_bot(self) -> ExtBot:
        # As ApplicationBuilder._build_ext_bot (python-telegram-bot 22), with our bot class.
        value = DefaultValue.get_value
        if isinstance(self._token, DefaultValue):
            raise RuntimeError("No bot token was set.")
        return JournaledBot(
            token=self._token, base_url=value(self._base_url), base_file_url=value(self._base_file_url),
            private_key=value(self._private_key), private_key_password=value(self._private_key_password),
            defaults=value(self._defaults), arbitrary_callback_data=value(self._arbitrary_callback_data),
            request=self._build_request(get_updates=False), get_updates_request=self._build_request(get_updates=True),
            rate_limiter=value(self._rate_limiter), local_mode=value(self._local_mode), journal=self.journal)
