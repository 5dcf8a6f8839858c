"""What users do in the simulated world: join, send, edit, press buttons, query inline.

Each action is what a Telegram client would send; the bot gets it as an update when
it may see it (privacy mode, allowed_updates).
"""

from __future__ import annotations

from .entities import detect_client_entities
from .formatting import MessageRules
from .records import ChatRef, MessageRef, Queries, StoredMessage, UserRef, now, ref_id
from .wire import JSONDict
from .world import World

__all__ = ["UserActions"]


class UserActions:
    """Users acting. ``inline_feedback``: send ``chosen_inline_result`` updates (a BotFather setting)."""

    def __init__(self, world: World, queries: Queries, rules: MessageRules, *, inline_feedback: bool) -> None:
        self.world = world
        self.queries = queries
        self.rules = rules
        self.inline_feedback = inline_feedback

    def add_member(self, group: ChatRef, user: UserRef) -> JSONDict:
        """A user joins a group: a service message (new_chat_members), which the bot gets."""
        state, user = self.world.chat(group), self.world.user(user)
        if user["id"] not in state.members:
            state.members.append(user["id"])
        stored = self.world.store_message(state, sender=user, fields={"new_chat_members": [user]})
        self.world.deliver_user_message(state, stored, "message")
        return stored.message

    def user_sends(
        self,
        user: UserRef,
        chat: ChatRef,
        text: str,
        *,
        reply_to: MessageRef | int | None = None,
        entities: list[JSONDict] | None = None,
        thread_id: int | None = None,
    ) -> JSONDict:
        """A user sends a text message; returns the Message (also when the bot can't see it).

        Entities default to what a Telegram client detects (bot commands, mentions,
        hashtags, URLs, e-mails). ``reply_to`` is a Message, StoredMessage or message id.
        """
        state, user = self.world.chat(chat), self.world.user(user)
        if user["id"] not in state.members:
            raise ValueError(f"user {user['id']} is not a member of chat {state.id}")
        if not text:
            raise ValueError("a message needs text")
        fields: JSONDict = {"text": text}
        found = detect_client_entities(text) if entities is None else entities
        if found:
            fields["entities"] = found
        reply_target = self._reply_target(state.id, reply_to)
        stored = self.world.store_message(
            state, sender=user, fields=fields, reply_to=reply_target, thread_id=thread_id
        )
        self.world.deliver_user_message(state, stored, "message")
        return stored.message

    def user_edits(self, user: UserRef, message: MessageRef, text: str) -> JSONDict:
        """A user edits their message; the bot gets an edited_message update if it saw it."""
        stored = self.world.stored(message)
        if stored.from_bot or stored.message.get("from", {}).get("id") != ref_id(user):
            raise ValueError("users can only edit their own messages")
        state = self.world.chats[stored.chat_id]
        stored.message["text"] = text
        stored.message.pop("entities", None)
        if found := detect_client_entities(text):
            stored.message["entities"] = found
        stored.message["edit_date"] = now()
        stored.history.append({"op": "edit_text", "date": now(), "text": text, "by": "user"})
        self.world.check(stored.message, "Message", "user_edits")
        self.world.events.emit(
            "message_edited",
            chat_id=state.id,
            message_id=stored.message_id,
            by="user",
            message=stored.message,
            html=stored.html,
        )
        self.world.deliver_user_message(state, stored, "edited_message")
        return stored.message

    def user_presses(
        self,
        user: UserRef,
        message: MessageRef | str,
        callback_data: str,
        *,
        check: bool = True,
    ) -> str:
        """A user presses an inline button; returns the callback query id.

        ``message`` is a bot Message / StoredMessage, or an inline_message_id string for
        messages sent via inline mode. With ``check`` the message must carry a button
        with that callback_data, as a real client only sends what is on a button.
        """
        user = self.world.user(user)
        if isinstance(message, str):
            stored = self.queries.inline_messages[message]
        else:
            stored = self.world.stored(message)
        if check and callback_data not in stored.callback_data:
            raise ValueError(f"message has no button with callback_data {callback_data!r}")
        query_id = str(next(self.queries.ids))
        query: JSONDict = {"id": query_id, "from": user}
        if stored.inline_message_id and isinstance(message, str):
            query["inline_message_id"] = stored.inline_message_id
            query["chat_instance"] = f"inline-{stored.inline_message_id}"
        else:
            state = self.world.chats[stored.chat_id]
            query["message"] = (
                {"chat": state.chat, "message_id": stored.message_id, "date": 0}
                if stored.deleted
                else stored.message
            )
            query["chat_instance"] = str(abs(state.id) * 7919 % 10**15)
        query["data"] = callback_data
        self.queries.callback_queries[query_id] = {"query": query, "answered": False}
        self.world.events.emit("callback_query", callback_query=query)
        self.world.updates.enqueue("callback_query", query)
        return query_id

    def user_inline_query(
        self, user: UserRef, query: str, *, chat_type: str = "sender", offset: str = ""
    ) -> str:
        """A user types ``@bot query`` in some chat; returns the inline query id."""
        user = self.world.user(user)
        query_id = str(next(self.queries.ids))
        inline_query = {
            "id": query_id,
            "from": user,
            "query": query,
            "offset": offset,
            "chat_type": chat_type,
        }
        self.queries.inline_queries[query_id] = {"query": inline_query, "answered": False}
        self.world.events.emit("inline_query", inline_query=inline_query)
        self.world.updates.enqueue("inline_query", inline_query)
        return query_id

    def user_chooses_inline_result(
        self,
        user: UserRef,
        inline_query_id: str,
        result_id: str,
        chat: ChatRef | None = None,
    ) -> JSONDict | None:
        """A user picks an answered inline result; it is posted "via" the bot.

        With ``chat`` the message appears there (the bot gets it as a message when it
        is a member, as messages via the bot pass privacy mode); without, it goes to a
        chat outside the simulation. Returns the posted Message, if any.
        """
        user = self.world.user(user)
        fields = self._chosen_message_fields(inline_query_id, result_id)
        inline_message_id = f"local-inline-{next(self.queries.ids)}" if "reply_markup" in fields else None
        posted: JSONDict | None = None
        if chat is not None:
            state = self.world.chat(chat)
            stored = self.world.store_message(state, sender=user, fields=fields)
            self.world.deliver_user_message(state, stored, "message")
            posted = stored.message
        else:
            message = {"message_id": 0, "from": user, "date": now(), **fields}
            stored = StoredMessage(chat_id=0, message_id=0, message=message, from_bot=False)
        if inline_message_id:
            stored.inline_message_id = inline_message_id
            self.queries.inline_messages[inline_message_id] = stored
        chosen = {
            "result_id": result_id,
            "from": user,
            "query": self.queries.inline_queries[inline_query_id]["query"]["query"],
        }
        if inline_message_id:
            chosen["inline_message_id"] = inline_message_id
        self.world.events.emit(
            "chosen_inline_result",
            chosen_inline_result=chosen,
            chat_id=posted and posted["chat"]["id"],
            message=posted,
        )
        if self.inline_feedback:
            self.world.updates.enqueue("chosen_inline_result", chosen)
        return posted

    def _chosen_message_fields(self, inline_query_id: str, result_id: str) -> JSONDict:
        """The message an answered inline result posts: its text, entities and keyboard."""
        answer = self.queries.inline_answers.get(inline_query_id)
        if answer is None:
            raise ValueError(f"inline query {inline_query_id} was not answered")
        result = next((r for r in answer["results"] if r.get("id") == result_id), None)
        if result is None:
            raise ValueError(f"no result {result_id!r} in the answer")
        content = result.get("input_message_content") or {}
        if "message_text" not in content:
            raise ValueError("only text results (input_message_content.message_text) are simulated")
        text, entities = self.rules.format_text(
            content["message_text"], content.get("parse_mode"), content.get("entities")
        )
        markup = self.rules.check_reply_markup(result.get("reply_markup"))
        fields: JSONDict = {"text": text, "via_bot": self.world.bot_user}
        if entities:
            fields["entities"] = entities
        if markup:
            fields["reply_markup"] = markup
        return fields

    def _reply_target(self, chat_id: int, reply_to: MessageRef | int | None) -> StoredMessage | None:
        """The message a user replies to, which must be in the same chat and not deleted."""
        if reply_to is None:
            return None
        message_id = reply_to if isinstance(reply_to, int) else self.world.stored(reply_to).message_id
        target = self.world.chats[chat_id].messages.get(message_id)
        if target is None or target.deleted:
            raise ValueError(f"message {message_id} not found in chat {chat_id}")
        return target
