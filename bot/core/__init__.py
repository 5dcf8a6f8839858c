"""The pure core: knowledge loading, matching and answer rendering. No Telegram here."""

from .engine import AMBIGUOUS, ANSWERED, DECLINED, Match, Reply, ask, build, load_knowledge, match
from .knowledge import KnowledgeBase, KnowledgeError, Problem, read_knowledge
from .render import Answer, render_answer

__all__ = ["AMBIGUOUS", "ANSWERED", "DECLINED", "Answer", "KnowledgeBase", "KnowledgeError", "Match",
           "Problem", "Reply", "ask", "build", "load_knowledge", "match", "read_knowledge", "render_answer"]
