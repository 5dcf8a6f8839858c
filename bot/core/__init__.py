"""The pure core: knowledge loading, matching and answer rendering. No Telegram here."""

from .engine import AMBIGUOUS, ANSWERED, DECLINED, Match, Reply, ask, build, load_knowledge, match
from .knowledge import DEFAULT_THRESHOLD, KnowledgeBase, KnowledgeError, Problem, Settings, read_knowledge
from .render import Answer, render_answer

__all__ = ["AMBIGUOUS", "ANSWERED", "DECLINED", "DEFAULT_THRESHOLD", "Answer", "KnowledgeBase", "KnowledgeError",
           "Match", "Problem", "Reply", "Settings", "ask", "build", "load_knowledge", "match", "read_knowledge",
           "render_answer"]
