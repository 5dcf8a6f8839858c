"""The one error handler."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden

from ..context import FaqContext
from ..durable import current_handling

log = logging.getLogger(__name__)


async def log_error(update: object, context: FaqContext) -> None:
    """The one error handler: log the exception with the update's id and kind.

    Not the update's text: that is the user's, and a poisoned update would repeat it in
    every line. While an update is being handled (see durable.UpdateLanes) the failure is
    noted there, the update is tried again a few times and then skipped; the first failure
    is logged (as a warning) with its traceback; giving up is the error. The token never
    appears: run.py's log filter removes it from every record.
    """
    if isinstance(context.error, Forbidden):  # the user blocked the bot, or it left the group
        log.info("not allowed to answer: %s", context.error)
        return
    handling = current_handling()
    if handling is not None:
        first = handling.tries <= 1 and handling.failed is None
        handling.failed = context.error
        if first:
            log.warning("handling update %s (%s) failed; trying again", handling.update_id, handling.kind,
                        exc_info=context.error)
        else:
            log.warning("handling update %s (%s) failed again (try %d): %s", handling.update_id, handling.kind,
                        handling.tries, context.error)
        return
    what = (f"update {update.update_id} ({_update_kind(update)})" if isinstance(update, Update)
            else type(update).__name__)
    log.error("Exception while handling %s", what, exc_info=context.error)


def _update_kind(update: Update) -> str:
    for kind in ("message", "edited_message", "callback_query", "inline_query", "channel_post",
                 "my_chat_member", "chosen_inline_result"):
        if getattr(update, kind, None) is not None:
            chat = update.effective_chat
            return f"{kind} in a {chat.type} chat" if chat is not None else kind
    return "other"

