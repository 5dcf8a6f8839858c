"""Moved to bot/services/store.py (and its environment settings to bot/services/config.py);
this name stays only until the Telegram-layer split (issue 11) has merged, then goes."""

from .services.config import daily_cap, database_settings
from .services.store import QuestionStore, utc_now

__all__ = ["QuestionStore", "daily_cap", "database_settings", "utc_now"]
