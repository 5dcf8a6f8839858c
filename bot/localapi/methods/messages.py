"""Methods that send and change messages: sendMessage, editMessageText,
editMessageReplyMarkup, deleteMessage, sendChatAction."""

from __future__ import annotations

import copy
import time

from ..records import ChatState, StoredMessage, now
from ..wire import JSONDict, bad_request
from .base import Handler, MethodGroup

__all__ = ["MessageMethods"]

CHAT_ACTIONS = {
    "typing",
    "upload_photo",
    "record_video",
    "upload_video",
    "record_voice",
    "upload_voice",
    "upload_document",
    "choose_sticker",
    "find_location",
    "record_video_note",
    "upload_video_note",
}
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)


class MessageMethods(MethodGroup):
    def table(self) -> dict[str, Handler]:
        return {
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "sendChatAction": self._send_chat_action,
        }

    # ------------------------------------------------------------------ sending
    def _send_message(self, params: JSONDict) -> JSONDict:
        state = self.world.target_chat(params["chat_id"])
        text, entities = self.rules.format_text(
            params.get("text"), params.get("parse_mode"), params.get("entities")
        )
        sent_markup = params.get("reply_markup")
        inline_markup = self.rules.check_reply_markup(sent_markup)
        reply_to = self._reply_target(state, params)
        self.flood.admit(state)
        fields: JSONDict = {"text": text}
        if entities:
            fields["entities"] = entities
        preview = params.get("link_preview_options")
        if preview is None and params.get("disable_web_page_preview"):
            preview = {"is_disabled": True}
        if preview:
            known = {f["name"] for f in self.spec.fields("LinkPreviewOptions")}
            fields["link_preview_options"] = {k: v for k, v in preview.items() if k in known}
        if inline_markup:
            fields["reply_markup"] = inline_markup
        stored = self.world.store_message(
            state,
            sender=self.world.bot_user,
            fields=fields,
            reply_to=reply_to,
            thread_id=params.get("message_thread_id"),
        )
        stored.source_text, stored.parse_mode, stored.sent_markup = (
            params["text"],
            params.get("parse_mode"),
            sent_markup,
        )
        self.events.emit(
            "bot_message",
            chat_id=state.id,
            message_id=stored.message_id,
            message=stored.message,
            html=stored.html,
            source=stored.source_text,
            parse_mode=stored.parse_mode,
            reply_markup=sent_markup,
        )
        return copy.deepcopy(stored.message)

    def _reply_target(self, state: ChatState, params: JSONDict) -> StoredMessage | None:
        """The message a bot replies to (reply_parameters or legacy reply_to_message_id)."""
        reply = params.get("reply_parameters")
        if reply is None and params.get("reply_to_message_id"):
            reply = {
                "message_id": params["reply_to_message_id"],
                "allow_sending_without_reply": params.get("allow_sending_without_reply", False),
            }
        if not reply:
            return None
        target_chat = reply.get("chat_id", state.id)
        target = state.messages.get(reply["message_id"]) if target_chat in (state.id, None) else None
        if target is None or target.deleted:
            if reply.get("allow_sending_without_reply"):
                return None
            raise bad_request("message to be replied not found")
        return target

    # ------------------------------------------------------------------ editing
    def _message_to_edit(self, params: JSONDict) -> StoredMessage:
        if params.get("inline_message_id"):
            found = self.queries.inline_messages.get(params["inline_message_id"])
            if found is None:
                raise bad_request("message to edit not found")
            return found
        if params.get("chat_id") is None or params.get("message_id") is None:
            raise bad_request("message identifier is not specified")
        state = self.world.target_chat(params["chat_id"])
        stored = state.messages.get(params["message_id"])
        if stored is None or stored.deleted:
            raise bad_request("message to edit not found")
        if not stored.from_bot:
            raise bad_request("message can't be edited")
        return stored

    def _apply_edit(self, stored: StoredMessage, op: str, new: JSONDict, params: JSONDict) -> JSONDict | bool:
        """Replace text/entities/markup of a message, refusing a no-op like Telegram."""
        keys = ("text", "entities", "reply_markup")
        if all((stored.message.get(k) or None) == (new.get(k) or None) for k in keys):
            raise bad_request(NOT_MODIFIED)
        for key in keys:
            if new.get(key):
                stored.message[key] = new[key]
            else:
                stored.message.pop(key, None)
        date = now()
        if not stored.inline_message_id or stored.chat_id:
            stored.message["edit_date"] = date
        stored.history.append({"op": op, "date": date, "at": time.monotonic(), **copy.deepcopy(new)})
        if op == "edit_text":
            stored.source_text, stored.parse_mode = params.get("text"), params.get("parse_mode")
        self.events.emit(
            "message_edited",
            chat_id=stored.chat_id,
            message_id=stored.message_id,
            by="bot",
            inline_message_id=stored.inline_message_id,
            message=stored.message,
            html=stored.html,
        )
        if params.get("inline_message_id"):
            return True
        self.world.check(stored.message, "Message", "edited message")
        return copy.deepcopy(stored.message)

    def _edit_message_text(self, params: JSONDict) -> JSONDict | bool:
        stored = self._message_to_edit(params)
        text, entities = self.rules.format_text(
            params.get("text"), params.get("parse_mode"), params.get("entities")
        )
        new = {
            "text": text,
            "entities": entities,
            "reply_markup": self.rules.check_reply_markup(params.get("reply_markup")),
        }
        return self._apply_edit(stored, "edit_text", new, params)

    def _edit_message_reply_markup(self, params: JSONDict) -> JSONDict | bool:
        stored = self._message_to_edit(params)
        new = {
            "text": stored.text,
            "entities": stored.message.get("entities"),
            "reply_markup": self.rules.check_reply_markup(params.get("reply_markup")),
        }
        return self._apply_edit(stored, "edit_reply_markup", new, params)

    # ------------------------------------------------------------------ deleting, actions
    def _delete_message(self, params: JSONDict) -> bool:
        state = self.world.target_chat(params["chat_id"])
        stored = state.messages.get(params["message_id"])
        if stored is None or stored.deleted:
            raise bad_request("message to delete not found")
        if not stored.from_bot and state.is_group and not state.bot_is_admin:
            raise bad_request("message can't be deleted")
        stored.deleted = True
        stored.history.append({"op": "delete", "date": now(), "at": time.monotonic()})
        self.events.emit("message_deleted", chat_id=state.id, message_id=stored.message_id, by="bot")
        return True

    def _send_chat_action(self, params: JSONDict) -> bool:
        state = self.world.target_chat(params["chat_id"])
        if params["action"] not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        action = {"chat_id": state.id, "action": params["action"], "date": now()}
        if params.get("message_thread_id"):
            action["message_thread_id"] = params["message_thread_id"]
        self.world.chat_actions.append(action)
        self.events.emit("chat_action", **action)
        return True
