"""The simulated Telegram world: the bot, users, chats and the messages in them.

What users *do* (send, edit, press, query inline) is in :mod:`.actions`; what the bot
does through the Bot API is in :mod:`.methods`. Both change the world through here.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterable
from typing import Any

from .events import EventLog
from .records import ChatRef, ChatState, StoredMessage, UserRef, as_dict, now, ref_id
from .updates import UpdateQueue
from .wire import ApiError, JSONDict, SpecCheck, bad_request

__all__ = ["World"]


class World:
    """Users, chats and messages, and the rules of who sees what.

    Every change is an event (:attr:`events`); every message the bot may see becomes an
    update (:attr:`updates`); every object is checked against the spec (``check``).
    """

    def __init__(
        self,
        bot_user: JSONDict,
        *,
        privacy_mode: bool,
        check: SpecCheck,
        events: EventLog,
        updates: UpdateQueue,
    ) -> None:
        self.bot_user = bot_user
        self.default_privacy_mode = privacy_mode
        self.check = check
        self.events = events
        self.updates = updates
        self.users: dict[int, JSONDict] = {}
        self.chats: dict[int, ChatState] = {}
        self.blocked_by: set[int] = set()
        self.chat_actions: list[JSONDict] = []
        self._user_ids = itertools.count(1_000_001)
        self._group_ids = itertools.count(1)

    # ------------------------------------------------------------------ users and chats
    def add_user(
        self,
        first_name: str,
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
        is_premium: bool | None = None,
        user_id: int | None = None,
    ) -> JSONDict:
        """Create a human user; returns the Bot API User object."""
        user: JSONDict = {"id": user_id or next(self._user_ids), "is_bot": False, "first_name": first_name}
        for key, value in (
            ("last_name", last_name),
            ("username", username),
            ("language_code", language_code),
            ("is_premium", is_premium),
        ):
            if value is not None:
                user[key] = value
        self.check(user, "User", "add_user")
        self.users[user["id"]] = user
        self.events.emit("user_added", user=user)
        return user

    def private_chat(self, user: UserRef) -> JSONDict:
        """The user's private chat with the bot (created the first time: the user pressed Start)."""
        user = self.user(user)
        if user["id"] not in self.chats:
            chat = {"id": user["id"], "type": "private", "first_name": user["first_name"]}
            chat.update({k: user[k] for k in ("last_name", "username") if k in user})
            self.chats[chat["id"]] = ChatState(chat=chat, members=[user["id"]], privacy_mode=False)
            self.events.emit("chat_added", chat=chat, members=[user])
        return self.chats[user["id"]].chat

    def add_group(
        self,
        title: str,
        *,
        members: Iterable[UserRef] = (),
        admins: Iterable[UserRef] = (),
        privacy_mode: bool | None = None,
        bot_is_admin: bool = False,
        username: str | None = None,
        supergroup: bool = True,
        forum: bool = False,
    ) -> JSONDict:
        """Create a group the bot is a member of; the first admin is its owner.

        Admins are members too. ``privacy_mode`` defaults to the server's default.
        """
        number = next(self._group_ids)
        chat_id = -(1_000_000_000_000 + number) if supergroup else -(400_000_000 + number)
        chat: JSONDict = {"id": chat_id, "type": "supergroup" if supergroup else "group", "title": title}
        if username:
            chat["username"] = username
        if forum and supergroup:
            chat["is_forum"] = True
        admin_ids = [ref_id(u) for u in admins]
        member_ids = list(dict.fromkeys([ref_id(u) for u in members] + admin_ids))
        for user_id in member_ids:
            self.user(user_id)
        state = ChatState(
            chat=chat,
            members=member_ids,
            admins=admin_ids,
            privacy_mode=self.default_privacy_mode if privacy_mode is None else privacy_mode,
            bot_is_admin=bot_is_admin,
            forum=forum and supergroup,
        )
        self.chats[chat_id] = state
        self.events.emit(
            "chat_added",
            chat=chat,
            members=[self.users[i] for i in member_ids],
            admins=admin_ids,
            privacy_mode=state.privacy_mode,
            bot_is_admin=bot_is_admin,
        )
        return chat

    def set_privacy_mode(self, enabled: bool) -> None:
        """The bot's privacy mode (@BotFather's /setprivacy): getMe's can_read_all_group_messages
        and what the bot sees in its groups. Telegram applies a change to a group when the bot is
        added to it again; here it applies at once."""
        self.default_privacy_mode = enabled
        for state in self.chats.values():
            if state.is_group:
                state.privacy_mode = enabled
        self.events.emit("privacy_changed", privacy_mode=enabled)

    def user_blocks_bot(self, user: UserRef, blocked: bool = True) -> None:
        """Sending to a user who blocked the bot fails with 403, as on Telegram."""
        user_id = ref_id(user)
        (self.blocked_by.add if blocked else self.blocked_by.discard)(user_id)

    # ------------------------------------------------------------------ look-ups
    def user(self, user: Any) -> JSONDict:
        user_id = ref_id(user)
        if user_id not in self.users:
            raise ValueError(f"unknown user {user_id}")
        return self.users[user_id]

    def chat(self, chat: Any) -> ChatState:
        """A chat given as id, Chat dict, python-telegram-bot Chat or ChatState."""
        if isinstance(chat, ChatState):
            return chat
        chat_id = ref_id(chat)
        if chat_id not in self.chats:
            raise ValueError(f"unknown chat {chat_id}")
        return self.chats[chat_id]

    def stored(self, message: Any) -> StoredMessage:
        """A message given as StoredMessage, Message dict or python-telegram-bot Message."""
        if isinstance(message, StoredMessage):
            return message
        message = as_dict(message)
        state = self.chat(message["chat"]["id"])
        return state.messages[message["message_id"]]

    def target_chat(self, chat_id: int | str) -> ChatState:
        """The chat a bot addresses, or Telegram's error for why it cannot."""
        state = None
        if isinstance(chat_id, str) and chat_id.startswith("@"):
            state = next(
                (
                    s
                    for s in self.chats.values()
                    if s.chat.get("username", "").lower() == chat_id[1:].lower() and s.type != "private"
                ),
                None,
            )
        elif isinstance(chat_id, int):
            state = self.chats.get(chat_id)
            if state is None and chat_id in self.users:
                raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
        if state is None:
            raise bad_request("chat not found")
        if state.type == "private" and state.id in self.blocked_by:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return state

    # ------------------------------------------------------------------ inspection
    def messages(self, chat: ChatRef) -> list[StoredMessage]:
        """Every message of a chat, oldest first, deleted ones included (flagged)."""
        return list(self.chat(chat).messages.values())

    def bot_messages(self, chat: ChatRef | None = None, *, include_deleted: bool = True) -> list[StoredMessage]:
        """Messages the bot sent, oldest first; each with its edit/delete history."""
        states = [self.chat(chat)] if chat is not None else list(self.chats.values())
        found = [
            m
            for s in states
            for m in s.messages.values()
            if m.from_bot and (include_deleted or not m.deleted)
        ]
        return sorted(found, key=lambda m: m.history[0]["at"])

    def message(self, chat: ChatRef, message_id: int) -> StoredMessage:
        return self.chat(chat).messages[message_id]

    # ------------------------------------------------------------------ messages and delivery
    def store_message(
        self,
        state: ChatState,
        *,
        sender: JSONDict,
        fields: JSONDict,
        reply_to: StoredMessage | None = None,
        thread_id: int | None = None,
    ) -> StoredMessage:
        """Give a message its id in the chat, thread it, validate and keep it."""
        message_id = state.next_message_id
        state.next_message_id += 1
        message: JSONDict = {"message_id": message_id}
        if state.forum and thread_id:
            message.update(message_thread_id=thread_id, is_topic_message=True)
        message.update({"from": sender, "chat": state.chat, "date": now()})
        if reply_to is not None:
            message["reply_to_message"] = {
                k: v for k, v in reply_to.message.items() if k != "reply_to_message"
            }
        message.update(fields)
        stored = StoredMessage(
            chat_id=state.id,
            message_id=message_id,
            message=message,
            from_bot=sender["id"] == self.bot_user["id"],
        )
        stored.history.append({"op": "send", "date": message["date"], "at": time.monotonic()})
        state.messages[message_id] = stored
        self.check(message, "Message", "stored message")
        return stored

    def bot_sees(self, state: ChatState, message: JSONDict) -> bool:
        """Privacy mode: in groups the bot only sees what is meant for it.

        That is commands (``/cmd`` or ``/cmd@this_bot`` at the start), replies to its
        messages, messages sent via it, and service messages - unless privacy mode is
        off for the group or the bot is an admin there. Private chats: everything.
        """
        if not state.is_group or not state.privacy_mode or state.bot_is_admin:
            return True
        if "text" not in message:
            return True  # service messages (members joining, ...)
        if message.get("via_bot", {}).get("id") == self.bot_user["id"]:
            return True
        if message.get("reply_to_message", {}).get("from", {}).get("id") == self.bot_user["id"]:
            return True
        command = next(
            (e for e in message.get("entities", []) if e["type"] == "bot_command" and e["offset"] == 0), None
        )
        if command is None:
            return False
        target = message["text"][: command["length"]].partition("@")[2]
        return not target or target.lower() == self.bot_user["username"].lower()

    def deliver_user_message(self, state: ChatState, stored: StoredMessage, kind: str) -> None:
        """A user's message (or edit) reaches the bot as an update when the bot may see it."""
        delivered = self.bot_sees(state, stored.message)
        stored.delivered = stored.delivered or delivered
        if kind == "message":
            self.events.emit(
                "user_message",
                chat_id=state.id,
                message_id=stored.message_id,
                message=stored.message,
                html=stored.html,
                delivered=delivered,
            )
        if delivered:
            self.updates.enqueue(kind, stored.message)
