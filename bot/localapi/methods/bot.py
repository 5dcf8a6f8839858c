"""Methods about the bot itself: getMe, logOut, close, command menus, descriptions, names,
menu buttons."""

from __future__ import annotations

import copy
import re

from ..wire import JSONDict, bad_request
from ..world import World
from .base import Handler, MethodGroup

__all__ = ["BotMethods", "scope_key"]


def scope_key(world: World, scope: JSONDict) -> str:
    """A readable key per command scope, e.g. ``default`` or ``chat:-1001000000001``."""
    kind = scope.get("type", "default")
    if kind in ("default", "all_private_chats", "all_group_chats", "all_chat_administrators"):
        return str(kind)
    if kind in ("chat", "chat_administrators", "chat_member"):
        if "chat_id" not in scope:
            raise bad_request("can't parse BotCommandScope JSON object")
        chat_id = world.target_chat(scope["chat_id"]).id
        if kind == "chat_member":
            if scope.get("user_id") not in world.users:
                raise bad_request("user not found")
            return f"chat_member:{chat_id}:{scope['user_id']}"
        return f"{kind}:{chat_id}"
    raise bad_request("wrong scope type specified")


class BotMethods(MethodGroup):
    def table(self) -> dict[str, Handler]:
        profile = self.profile
        return {
            "getMe": self.get_me,
            "logOut": lambda p: True,
            "close": lambda p: True,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "setMyDescription": lambda p: self._set_text_setting(profile.descriptions, p, "description", 512),
            "getMyDescription": lambda p: {"description": _get_text_setting(profile.descriptions, p)},
            "setMyShortDescription": lambda p: self._set_text_setting(
                profile.short_descriptions, p, "short_description", 120
            ),
            "getMyShortDescription": lambda p: {
                "short_description": _get_text_setting(profile.short_descriptions, p)
            },
            "setMyName": lambda p: self._set_text_setting(profile.names, p, "name", 64),
            "getMyName": lambda p: {
                "name": _get_text_setting(profile.names, p) or self.world.bot_user["first_name"]
            },
            "setChatMenuButton": self._set_chat_menu_button,
            "getChatMenuButton": self._get_chat_menu_button,
        }

    def get_me(self, params: JSONDict) -> JSONDict:
        return {
            **self.world.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": not self.world.default_privacy_mode,
            "supports_inline_queries": self.profile.supports_inline_queries,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    # ------------------------------------------------------------------ commands
    def _commands_key(self, params: JSONDict) -> tuple[str, str]:
        language = params.get("language_code") or ""
        if language and not re.fullmatch(r"[a-z]{2}", language):
            raise bad_request("invalid language code specified")
        return scope_key(self.world, params.get("scope") or {"type": "default"}), language

    def _set_my_commands(self, params: JSONDict) -> bool:
        commands = params["commands"]
        if len(commands) > 100:
            raise bad_request("too many commands specified")
        for command in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", str(command.get("command", ""))):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", "")).strip()) <= 256:
                raise bad_request("command description must be non-empty")
        key = self._commands_key(params)
        stored = [{"command": c["command"], "description": c["description"]} for c in commands]
        if stored:
            self.profile.commands[key] = stored
        else:
            self.profile.commands.pop(key, None)
        self.events.emit("commands_changed", scope=key[0], language_code=key[1], commands=stored)
        return True

    def _get_my_commands(self, params: JSONDict) -> list[JSONDict]:
        return copy.deepcopy(self.profile.commands.get(self._commands_key(params), []))

    def _delete_my_commands(self, params: JSONDict) -> bool:
        key = self._commands_key(params)
        self.profile.commands.pop(key, None)
        self.events.emit("commands_changed", scope=key[0], language_code=key[1], commands=[])
        return True

    # ------------------------------------------------------------------ descriptions, names
    def _set_text_setting(self, store: dict[str, str], params: JSONDict, name: str, limit: int) -> bool:
        value = params.get(name) or ""
        if len(value) > limit:
            raise bad_request(f"{name} is too long")
        language = params.get("language_code") or ""
        if value:
            store[language] = value
        else:
            store.pop(language, None)
        self.events.emit("bot_setting_changed", setting=name, language_code=language, value=value)
        return True

    # ------------------------------------------------------------------ menu button
    def _set_chat_menu_button(self, params: JSONDict) -> bool:
        chat_id = params.get("chat_id")
        if chat_id is not None:
            chat_id = self.world.target_chat(chat_id).id
        button = params.get("menu_button") or {"type": "default"}
        problems = self.spec.check(button, "MenuButton", "menu_button", strict=False)
        if problems:
            raise bad_request(f"can't parse menu button: {problems[0]}")
        self.profile.menu_buttons[chat_id] = button
        return True

    def _get_chat_menu_button(self, params: JSONDict) -> JSONDict:
        """The chat's own button if one was set, else the bot's default (commands)."""
        for key in (params.get("chat_id"), None):
            button = self.profile.menu_buttons.get(key)
            if button and button["type"] != "default":
                return copy.deepcopy(button)
        return {"type": "commands"}


def _get_text_setting(store: dict[str, str], params: JSONDict) -> str:
    """The text for the request's language, else the default one, else empty."""
    language = params.get("language_code") or ""
    return store.get(language, store.get("", ""))
