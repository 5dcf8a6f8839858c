"""Moved to bot/services/knowledge.py and bot/services/recording.py; this name stays only
until the Telegram-layer split (issue 11) has merged, then goes."""

from .services.knowledge import LiveKnowledge
from .services.recording import unanswered_reason

__all__ = ["LiveKnowledge", "unanswered_reason"]
