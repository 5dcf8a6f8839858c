"""The Bot API methods the local server answers, grouped by kind.

* :mod:`.bot`: getMe, logOut, close, commands, descriptions, names, menu buttons;
* :mod:`.updates`: getUpdates (long polling) and webhooks;
* :mod:`.messages`: sendMessage, editMessageText/ReplyMarkup, deleteMessage, sendChatAction;
* :mod:`.queries`: answerCallbackQuery, answerInlineQuery;
* :mod:`.chats`: getChat, getChatMember, getChatAdministrators.

A method not listed answers 400 "method not implemented in the local server".
"""

from __future__ import annotations

from .base import Handler, Parts
from .bot import BotMethods, scope_key
from .chats import ChatMethods
from .messages import MessageMethods
from .queries import QueryMethods
from .updates import UpdateMethods

__all__ = ["Handler", "Parts", "method_table", "scope_key"]

GROUPS = (BotMethods, UpdateMethods, MessageMethods, QueryMethods, ChatMethods)


def method_table(parts: Parts) -> dict[str, Handler]:
    """Every implemented method's handler, by its Bot API name."""
    table: dict[str, Handler] = {}
    for group in GROUPS:
        table.update(group(parts).table())
    return table
