"""Writing the reply to a decision: the answer, the "did you mean" choices, or the decline
that says why."""

from __future__ import annotations

from dataclasses import replace

from .decision import AMBIGUOUS, ANSWERED, SMALL_TALK, Match, Reply
from .knowledge import LANGS, Fact, KnowledgeBase
from .render import figure_sentence, render_answer, render_fact_answer


def decline_text(kb: KnowledgeBase, found: Match, lang: str) -> str:
    if found.reason == "empty":
        return kb.message("empty", lang)
    if found.reason == "no-date":
        return kb.message("decline_date", lang, title=kb.entries[found.options[0]].title(lang))
    if found.reason == "no-more":
        return kb.message("decline_more", lang, title=kb.entries[found.options[0]].title(lang))
    topics = ("、" if lang == "zh" else ", ").join(topic.name.get(lang) for topic in kb.topics)
    if found.reason == "greeting":
        return f"{kb.message('greeting', lang)}\n{kb.message('topics', lang, topics=topics)}"
    if found.reason in SMALL_TALK[1:]:  # thanks, goodbye, who are you
        return kb.message(f"smalltalk_{found.reason.replace('-', '_')}", lang)
    if found.reason == "no-reason" and found.fact is not None:  # "why is the surplus so big?"
        return kb.message("follow_up_why", lang, figure=figure_sentence(kb, _fact_of(kb, found), lang))
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


def _meaning_decline(kb: KnowledgeBase, found: Match, lang: str) -> str:
    """"The brief gives X, not what you asked": the reason, and the closest figure it has."""
    closest = figure_sentence(kb, _fact_of(kb, found), lang)
    kind = found.disagreement.kind if found.disagreement else ""
    asked = found.disagreement.asked if found.disagreement else ""
    if kind == "party":
        asked = _party_name(kb, asked, lang)
    elif kind == "year":
        asked = f"{asked}年" if lang == "zh" else asked
    key = f"decline_meaning_{kind}" if f"decline_meaning_{kind}" in kb.messages else "decline_meaning"
    return kb.message(key, lang, closest=closest, asked=asked)


def _fact_of(kb: KnowledgeBase, found: Match) -> Fact:
    """The figure a decision is about (an answer written from a fact, or a decline by meaning)."""
    if found.fact is None:
        raise ValueError(f"the decision on {found.question!r} names no figure")
    return kb.built_meaning().fact(kb, found.fact)


def _party_name(kb: KnowledgeBase, party: str, lang: str) -> str:
    if party in kb.entities:
        return kb.entities[party].name(lang)
    return kb.lexicon.place_name(party, lang)


def reply_to(kb: KnowledgeBase, found: Match, lang: str | None = None) -> Reply:
    """Write the reply to a decision (also one a follow-up's completed meaning led to)."""
    lang = lang if lang in LANGS else found.lang
    if found.status == ANSWERED:
        if found.entry_id is None:
            related = found.candidates[0].entry_id if found.candidates else None
            answer = render_fact_answer(kb, _fact_of(kb, found), lang, related)
        else:
            answer = render_answer(kb, found.entry_id, lang)
        if found.premise is not None:
            verdict = kb.message("premise_right" if found.premise else "premise_wrong", lang)
            answer = replace(answer, body=f"{verdict} {answer.body}")
        return Reply(found, lang, answer.plain, answer=answer)
    options = tuple((entry_id, kb.entries[entry_id].title(lang)) for entry_id in found.options)
    if found.disagreement is not None:
        return Reply(found, lang, _meaning_decline(kb, found, lang), options=options)
    if found.status == AMBIGUOUS:
        lines = [kb.message("did_you_mean", lang), *(f"• {title}" for _, title in options)]
        return Reply(found, lang, "\n".join(lines), options=options)
    return Reply(found, lang, decline_text(kb, found, lang), options=options)
