"""What the handlers share, typed: the one place `bot_data`, `user_data` and `chat_data` are read.

As in python-telegram-bot's examples/contexttypesbot.py, handlers get a `FaqContext`, a
CallbackContext with typed properties, instead of looking keys up themselves. The data stay
plain dicts: `user_data` and `chat_data` are what a state file keeps (state.py,
FAQBOT_STATE_FILE), so their pickled shape is unchanged; `bot_data` is built in
app.build_application and never persisted.

    bot_data   live knowledge, Telegram settings, recent group answers, the update journal,
               background tasks, the last failed reload, admins' pending suggestions
    user_data  "lang": the /lang choice
    chat_data  "autoanswer": a group's /autoanswer; follow-up turns (conversation.py)
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from telegram import CallbackQuery, Chat, Message, Update, User
from telegram.ext import CallbackContext, ContextTypes, ExtBot

from ..core import KnowledgeBase
from ..services.knowledge import LiveKnowledge
from .settings import TelegramSettings
from .throttle import RecentAnswers

if TYPE_CHECKING:
    from .journal import Journal

BotData = dict[str, Any]
UserData = dict[Any, Any]
ChatData = dict[Any, Any]


# --- bot_data: built once, shared by every handler and the application's hooks ----------------


def share(bot_data: BotData, *, live: LiveKnowledge, settings: TelegramSettings, recent: RecentAnswers,
          journal: Journal | None) -> None:
    """build_application: what every handler reads."""
    bot_data.update(live=live, settings=settings, recent=recent, journal=journal)


def live_of(bot_data: BotData) -> LiveKnowledge:
    live: LiveKnowledge = bot_data["live"]
    return live


def settings_of(bot_data: BotData) -> TelegramSettings:
    settings: TelegramSettings = bot_data["settings"]
    return settings


def journal_of(bot_data: BotData) -> Journal | None:
    journal: Journal | None = bot_data.get("journal")
    return journal


def background_of(bot_data: BotData) -> list[asyncio.Task[Any]]:
    """Tasks started in post_init and cancelled in post_shutdown."""
    tasks: list[asyncio.Task[Any]] = bot_data.setdefault("background", [])
    return tasks


def take_background(bot_data: BotData) -> list[asyncio.Task[Any]]:
    tasks: list[asyncio.Task[Any]] = bot_data.pop("background", [])
    return tasks


def failing_reload(bot_data: BotData) -> tuple[str, ...] | None:
    """The problems of the last reload the admins were told failed; None when it went well."""
    failing: tuple[str, ...] | None = bot_data.get("reload_failing")
    return failing


def set_failing_reload(bot_data: BotData, problems: tuple[str, ...] | None) -> None:
    bot_data["reload_failing"] = problems


def suggestions_of(bot_data: BotData) -> OrderedDict[str, Any]:
    """handlers/learning.py's pending suggestions by button token, oldest first."""
    table: OrderedDict[str, Any] = bot_data.setdefault("suggestions", OrderedDict())
    return table


# --- the context every handler gets -------------------------------------------------------------


class FaqContext(CallbackContext[ExtBot[None], UserData, ChatData, BotData]):
    """CallbackContext with typed access to the shared services and to the user's and chat's settings."""

    @property
    def live(self) -> LiveKnowledge:
        return live_of(self.bot_data)

    @property
    def kb(self) -> KnowledgeBase:
        """The knowledge base now: read it once per update, a reload may swap it meanwhile."""
        return self.live.kb

    @property
    def settings(self) -> TelegramSettings:
        return settings_of(self.bot_data)

    @property
    def recent(self) -> RecentAnswers:
        """Answers posted to groups moments ago (merged, not repeated)."""
        recent: RecentAnswers = self.bot_data["recent"]
        return recent

    @property
    def language_choice(self) -> str | None:
        """What the user picked with /lang: "en", "zh", "auto", or None if never asked."""
        return self.user_data.get("lang") if self.user_data is not None else None

    def choose_language(self, choice: str) -> bool:
        """Remember the /lang choice; False where there is no user to remember it for."""
        if self.user_data is None:
            return False
        self.user_data["lang"] = choice
        return True

    @property
    def auto_answer(self) -> bool:
        """Whether the group's admins turned /autoanswer on."""
        return bool(self.chat_data.get("autoanswer")) if self.chat_data is not None else False

    @auto_answer.setter
    def auto_answer(self, on: bool) -> None:
        if self.chat_data is not None:
            self.chat_data["autoanswer"] = on


CONTEXT_TYPES = ContextTypes(context=FaqContext)


# --- what an update is about: handlers' filters guarantee it is there ----------------------------


def message_of(update: Update) -> Message:
    """The message of an update a message or command handler was registered for."""
    if update.effective_message is None:
        raise TypeError(f"update {update.update_id} has no message")
    return update.effective_message


def chat_of(update: Update) -> Chat:
    if update.effective_chat is None:
        raise TypeError(f"update {update.update_id} has no chat")
    return update.effective_chat


def user_of(update: Update) -> User:
    if update.effective_user is None:
        raise TypeError(f"update {update.update_id} has no user")
    return update.effective_user


def query_of(update: Update) -> CallbackQuery:
    """The button press of an update a CallbackQueryHandler was registered for."""
    if update.callback_query is None:
        raise TypeError(f"update {update.update_id} is no button press")
    return update.callback_query


# --- the language to answer in ------------------------------------------------------------------


def answer_language(context: FaqContext) -> str | None:
    """The language to answer a question in: the /lang choice, else None, which means the
    language the question is written in. The app language does not count here: people at a
    fair often keep their phone in English and ask in Chinese."""
    choice = context.language_choice
    return choice if choice in ("en", "zh") else None


def user_language(update: Update, context: FaqContext) -> str | None:
    """The language for what has no language of its own (/start, /help, menus, buttons),
    or None when unknown.

    The /lang choice first; then the language of the user's Telegram app (zh-hans, zh-hant,
    en-gb ...). "Auto" in /lang means: the question's language, so here unknown.
    """
    choice = context.language_choice
    if choice in ("en", "zh"):
        return choice
    if choice == "auto":
        return None
    code = ((update.effective_user and update.effective_user.language_code) or "").lower()
    if code.startswith("zh"):
        return "zh"
    if code.startswith("en"):
        return "en"
    return None

