"""Methods that describe chats and their members: getChat, getChatMember,
getChatAdministrators."""

from __future__ import annotations

from ..records import ChatState
from ..wire import JSONDict, bad_request
from .base import Handler, MethodGroup

__all__ = ["ChatMethods"]

# What every chat reports that the simulation does not vary.
ACCEPTED_GIFT_TYPES = {
    "unlimited_gifts": True,
    "limited_gifts": True,
    "unique_gifts": True,
    "premium_subscription": True,
    "gifts_from_channels": True,
}
GROUP_PERMISSIONS = {
    "can_send_messages": True,
    "can_send_polls": True,
    "can_send_other_messages": True,
    "can_add_web_page_previews": True,
    "can_change_info": False,
    "can_invite_users": True,
    "can_pin_messages": False,
}
ADMIN_RIGHTS = {
    "can_be_edited": False,
    "is_anonymous": False,
    "can_manage_chat": True,
    "can_delete_messages": True,
    "can_manage_video_chats": True,
    "can_restrict_members": True,
    "can_promote_members": False,
    "can_change_info": True,
    "can_invite_users": True,
    "can_post_stories": False,
    "can_edit_stories": False,
    "can_delete_stories": False,
    "can_pin_messages": True,
}


class ChatMethods(MethodGroup):
    def table(self) -> dict[str, Handler]:
        return {
            "getChat": self._get_chat,
            "getChatMember": self._get_chat_member,
            "getChatAdministrators": self._get_chat_administrators,
        }

    def _get_chat(self, params: JSONDict) -> JSONDict:
        state = self.world.target_chat(params["chat_id"])
        info: JSONDict = {
            **state.chat,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": dict(ACCEPTED_GIFT_TYPES),
        }
        if state.is_group:
            info["permissions"] = dict(GROUP_PERMISSIONS)
        return info

    def _member(self, state: ChatState, user: JSONDict) -> JSONDict:
        """The ChatMember object (owner / administrator / member / left) of a user."""
        is_bot = user["id"] == self.world.bot_user["id"]
        if state.admins and user["id"] == state.admins[0]:
            return {"status": "creator", "user": user, "is_anonymous": False}
        if user["id"] in state.admins[1:] or (is_bot and state.bot_is_admin):
            return {"status": "administrator", "user": user, **ADMIN_RIGHTS}
        if is_bot or user["id"] in state.members:
            return {"status": "member", "user": user}
        return {"status": "left", "user": user}

    def _get_chat_member(self, params: JSONDict) -> JSONDict:
        state = self.world.target_chat(params["chat_id"])
        user_id = params["user_id"]
        bot_user = self.world.bot_user
        user = bot_user if user_id == bot_user["id"] else self.world.users.get(user_id)
        if user is None:
            raise bad_request("user not found")
        return self._member(state, user)

    def _get_chat_administrators(self, params: JSONDict) -> list[JSONDict]:
        state = self.world.target_chat(params["chat_id"])
        if not state.is_group:
            raise bad_request("there are no administrators in the private chat")
        admins = [self._member(state, self.world.users[user_id]) for user_id in state.admins]
        if state.bot_is_admin:
            admins.append(self._member(state, self.world.bot_user))
        return admins
