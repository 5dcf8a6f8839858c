"""The core's front door: load a knowledge base, match a question, render the reply.

    kb = load_knowledge("knowledge")
    reply = ask(kb, "How much did Chongqing export to the US?")
    print(reply.text)

Everything here is pure and synchronous: no Telegram, no clocks, no network.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from types import MappingProxyType

from .knowledge import LANGS, KnowledgeBase, KnowledgeError, read_knowledge
from .matcher import Candidate, Index, Ranking
from .render import Answer, facts_used, fill, render_answer
from .scope import entry_scope, out_of_scope
from .text import Synonyms

MAX_QUESTION_CHARS = 1000  # longer messages are matched on their start only
GUARD_FLOOR = 0.5  # share of the threshold from which a scope guard names its reason

ANSWERED, AMBIGUOUS, DECLINED = "answered", "ambiguous", "declined"


@dataclass(frozen=True)
class Match:
    question: str
    normalised: str
    lang: str  # language the question was written in
    status: str  # ANSWERED, AMBIGUOUS or DECLINED
    entry_id: str | None  # the answer, when ANSWERED
    score: float  # best candidate's confidence, 0-100
    candidates: tuple[Candidate, ...]  # best first
    reason: str | None = None  # why DECLINED: empty, greeting, low-confidence, other-year/-place/-detail
    detail: tuple[str, str] | None = None  # what was asked about (English, Chinese), e.g. a year
    options: tuple[str, ...] = ()  # entries offered by a "did you mean" (AMBIGUOUS) reply


@dataclass(frozen=True)
class Reply:
    match: Match
    lang: str  # language of the reply
    text: str  # plain text, as a user reads it
    answer: Answer | None = None
    options: tuple[tuple[str, str], ...] = ()  # (entry id, title) of "did you mean" choices

    @property
    def answered(self) -> bool:
        return self.match.status == ANSWERED

    def to_json(self) -> dict:
        chosen = self.match.entry_id
        return {
            "question": self.match.question,
            "answered": self.answered,
            "id": chosen,
            "score": self.match.score,
            "lang": self.lang,
            "answer": self.text,
            "alternatives": [{"id": c.entry_id, "score": c.score}
                             for c in self.match.candidates if c.entry_id != chosen and c.score > 0],
            "status": self.match.status,
            "reason": self.match.reason,
        }


# --- loading ----------------------------------------------------------------------------


ANSWER_WEIGHT = 0.5  # an answer's words say what it covers, less surely than a question's


def _entry_documents(kb: KnowledgeBase) -> dict[str, list[tuple[str, float]]]:
    """The texts that stand for each entry when matching, with their weights:
    its questions and keywords, and its answers as rendered."""
    return {entry.id: [*((q, 1.0) for lang in LANGS for q in entry.questions[lang]),
                       *((" ".join(entry.keywords[lang]), 1.0) for lang in LANGS if entry.keywords[lang]),
                       *((fill(kb, entry.answer.get(lang), lang), ANSWER_WEIGHT) for lang in LANGS)]
            for entry in kb.entries.values()}


def build(kb: KnowledgeBase) -> KnowledgeBase:
    """Attach the matching index and entry scopes to a checked knowledge base."""
    exact = {entry.id: [*(q for lang in LANGS for q in entry.questions[lang]),
                        *(k for lang in LANGS for k in entry.keywords[lang])] for entry in kb.entries.values()}
    index = Index(_entry_documents(kb), Synonyms(kb.synonyms), exact=exact)
    scopes = {}
    for entry in kb.entries.values():
        texts = index.normalised_documents[entry.id]
        used = facts_used(kb, entry.answer.en)
        # every answer states its source's publication date, so those years are covered too
        years = {f.period.year for f in used if f.period and f.period.year}
        years |= {source.period.year for source in ({f.source for f in used} or kb.sources.values())}
        has_figures = any(f.is_figure for f in used)
        scopes[entry.id] = entry_scope(texts, years, has_figures)
    return replace(kb, index=index, scopes=MappingProxyType(scopes))


def load_knowledge(directory: Path | str) -> KnowledgeBase:
    """Read, check and index a knowledge directory; raise KnowledgeError on any error."""
    kb, problems = read_knowledge(directory)
    if kb is None:
        raise KnowledgeError([p for p in problems if p.severity == "error"])
    return build(kb)


# --- matching ---------------------------------------------------------------------------


def rank(kb: KnowledgeBase, question: str) -> Ranking:
    return kb.index.rank((question or "")[:MAX_QUESTION_CHARS])


def match(kb: KnowledgeBase, question: str) -> Match:
    """Decide how to reply to `question`: answer an entry, offer choices, or decline."""
    return decide(kb, question or "", rank(kb, question))


def decide(kb: KnowledgeBase, question: str, ranking: Ranking,
           threshold: float | None = None, margin: float | None = None) -> Match:
    """Turn a ranking into a reply decision; threshold and margin default to the
    knowledge base's settings (evaluation tries others on the same ranking)."""
    analysis = ranking.analysis
    common = dict(question=question, normalised=analysis.normalised, lang=analysis.lang,
                  candidates=ranking.candidates)
    if analysis.is_greeting:
        return Match(status=DECLINED, entry_id=None, score=0.0, reason="greeting", **common)
    best = ranking.best
    if best is None:
        return Match(status=DECLINED, entry_id=None, score=0.0,
                     reason="empty" if analysis.is_empty else "low-confidence", **common)
    threshold = float(kb.settings["threshold"] if threshold is None else threshold)
    margin = float(kb.settings["margin"] if margin is None else margin)
    # A guard explains a decline better than "low confidence" when the question is
    # plausibly about the best entry, even if not confidently.
    if kb.settings["guards"] and best.score >= threshold * GUARD_FLOOR:
        guard = out_of_scope(kb.scopes[best.entry_id], analysis.normalised, analysis.years,
                             kb.settings["home_places"])
        if guard:
            return Match(status=DECLINED, entry_id=None, score=best.score, reason=guard.reason,
                         detail=guard.asked, **common)
    if best.score < threshold:
        return Match(status=DECLINED, entry_id=None, score=best.score, reason="low-confidence", **common)
    close = tuple(c for c in ranking.candidates
                  if c.score >= threshold and best.posterior - c.posterior < margin)
    if len(close) > 1:
        return Match(status=AMBIGUOUS, entry_id=None, score=best.score,
                     options=tuple(c.entry_id for c in close), **common)
    return Match(status=ANSWERED, entry_id=best.entry_id, score=best.score, **common)


# --- replying ----------------------------------------------------------------------------


def decline_text(kb: KnowledgeBase, found: Match, lang: str) -> str:
    if found.reason == "empty":
        return kb.message("empty", lang)
    topics = ("、" if lang == "zh" else ", ").join(topic.name.get(lang) for topic in kb.topics)
    if found.reason == "greeting":
        return f"{kb.message('greeting', lang)}\n{kb.message('topics', lang, topics=topics)}"
    asked = found.detail[1 if lang == "zh" else 0] if found.detail else ""
    if found.reason == "other-year":
        years = sorted(kb.scopes[found.candidates[0].entry_id].years)
        shown = ", ".join(str(y) for y in years) or "-"
        return kb.message("decline_year", lang, years=shown, asked=asked)
    if found.reason == "other-place":
        return kb.message("decline_place", lang, subject=kb.message("subject", lang), asked=asked)
    if found.reason in ("other-detail", "no-figure"):
        title = kb.entries[found.candidates[0].entry_id].title(lang)
        key = "decline_detail" if found.reason == "other-detail" else "decline_figure"
        return kb.message(key, lang, asked=asked, title=title)
    return f"{kb.message('decline', lang)}\n{kb.message('topics', lang, topics=topics)}"


def ask(kb: KnowledgeBase, question: str, lang: str | None = None) -> Reply:
    """Match `question` and write the reply in `lang` (default: the question's language)."""
    found = match(kb, question)
    lang = lang if lang in LANGS else found.lang
    if found.status == ANSWERED:
        answer = render_answer(kb, found.entry_id, lang)
        return Reply(found, lang, answer.plain, answer=answer)
    if found.status == AMBIGUOUS:
        options = tuple((entry_id, kb.entries[entry_id].title(lang)) for entry_id in found.options)
        lines = [kb.message("did_you_mean", lang), *(f"• {title}" for _, title in options)]
        return Reply(found, lang, "\n".join(lines), options=options)
    return Reply(found, lang, decline_text(kb, found, lang))
