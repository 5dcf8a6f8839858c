"""`faqbot explain "question"`: why the bot replies to a question the way it does.

The same steps as `ask` (rank once, read the meaning, decide, render), with everything in
between shown: the normalised text, what the question was read to ask (measure, direction,
parties, period, operation, unit, numbers), the candidates with their scores and whether their
figures agree with the question (and if not, why), the threshold and margin in force, the scope
guard, the decision and why, and the reply. It formats the engine's own decision (the Match):
nothing here decides again. Pure: a question in, a dict out.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .agreement import disagreements
from .engine import AMBIGUOUS, ANSWERED, DECLINED, GUARD_FLOOR, Reply, decide, rank, read_asked, reply_to
from .followup import ask_after
from .knowledge import KnowledgeBase
from .matcher import Ranking
from .meaning import Asked
from .render import facts_used

Explanation = dict[str, Any]  # JSON-ready: `faqbot explain --json` prints it as it is

TOP = 5
GUARD_REASONS = ("other-year", "other-place", "other-detail", "no-figure")


def _why(kb: KnowledgeBase, reply: Reply, threshold: float, margin: float) -> str:
    found = reply.match
    best = found.candidates[0] if found.candidates else None
    if found.status == ANSWERED and found.fact and found.entry_id is None:
        return f"the question asks for {found.fact}, which no entry states: derived on demand from its inputs"
    if found.status == ANSWERED and found.fact:
        return (f"{found.entry_id} states {found.fact}, which agrees with what the question asks "
                f"(score {found.score:g})")
    if found.status == ANSWERED and best is not None:
        runner = next((c for c in found.candidates[1:] if c.score >= threshold), None)
        contest = (f"the runner-up above the threshold, {runner.entry_id}, is {best.posterior - runner.posterior:.3f} "
                   f"behind in posterior (margin {margin:g})" if runner else "no other candidate reaches the threshold")
        return f"{found.entry_id} scores {found.score:g} ≥ threshold {threshold:g}, and {contest}"
    if found.status == AMBIGUOUS:
        return (f"{len(found.options)} entries score ≥ threshold {threshold:g} with posteriors within margin "
                f"{margin:g} of the best ({', '.join(found.options)}); the bot asks “did you mean …?”")
    if found.disagreement is not None:
        return (f"no figure of the brief agrees with the question; the closest, {found.fact}, differs in "
                f"{found.disagreement.kind}{' (' + found.disagreement.asked + ')' if found.disagreement.asked else ''}")
    if found.reason == "greeting":
        return "the message is only a greeting or thanks; the bot greets back and lists its topics"
    if found.reason == "empty":
        return "nothing left to match after normalisation"
    if found.reason == "no-date":
        return f"the question asks when, and {found.options[0]} states nothing the brief dates"
    if found.reason in GUARD_REASONS and best is not None:
        asked = f" ({found.detail[0]})" if found.detail and found.detail[0] else ""
        return (f"scope guard {found.reason}{asked}: the best candidate, {best.entry_id}, does not cover what "
                f"was asked")
    if best is None:
        return "no word of the question is known to the knowledge base"
    return f"best score {best.score:g} < threshold {threshold:g}"


def _guard(kb: KnowledgeBase, reply: Reply, threshold: float) -> Explanation:
    """The scope guard's part in the decision, as the decision records it (a guard's decline
    carries its reason and what was asked about)."""
    found = reply.match
    best = found.candidates[0] if found.candidates else None
    if not kb.settings["guards"]:
        return {"checked": False, "reason": None, "note": "guards are off (settings.yaml)"}
    if best is None or found.reason in ("greeting", "empty"):
        return {"checked": False, "reason": None, "note": "no candidate to check"}
    # declined for another year, place or detail: by the topic's guard (`detail`) or by the
    # figures (`disagreement`: the closest figure is of another year, place, ...)
    asked = found.detail or ((found.disagreement.asked,) * 2 if found.disagreement is not None else None)
    if found.reason in GUARD_REASONS and asked is not None:
        entry_id = found.options[0] if found.options else best.entry_id  # the entry it was checked against
        return {"checked": True, "reason": found.reason, "asked": list(asked),
                "note": f"{found.reason}: asked about {asked[0] or 'a figure'}, which {entry_id} does not cover"}
    floor = threshold * GUARD_FLOOR
    if best.score < floor:
        return {"checked": False, "reason": None,
                "note": f"not checked: best score below {floor:g} (threshold × {GUARD_FLOOR:g})"}
    if found.disagreement is not None:
        return {"checked": False, "reason": None, "note": "not needed: the figures decided (see Why)"}
    return {"checked": True, "reason": None, "note": f"passed: {found.entry_id or best.entry_id} covers the question"}


def _asked(asked: Asked) -> Explanation:
    """What the question was read to ask, with the empty parts left out."""
    fields = {"measures": sorted(asked.named_measures), "operation": asked.op, "from": asked.origin,
              "to": asked.destination, "parties": sorted(asked.parties), "years": list(asked.years),
              "relative_year": asked.relative_year[0] if asked.relative_year else None,
              "unit": asked.unit, "numbers": [c.text + ("" if c.comparator == "equal" else f" ({c.comparator})")
                                              for c in asked.claims],
              "latest": asked.now, "one_period": asked.flow_period, "running_total": asked.cumulative,
              "all_partners": asked.all_partners, "asks_for_a_figure": asked.asks_figure,
              "asks_for_a_name": asked.asks_name, "asks_when": asked.asks_date}
    return {key: value for key, value in fields.items() if value not in (None, False, [], "")}


def _agreement(kb: KnowledgeBase, asked: Asked, entry_id: str) -> list[Explanation]:
    """For each figure the entry states: whether it agrees with the question, and if not why."""
    meaning = kb.built_meaning()
    rows = []
    for fact in facts_used(kb, kb.entries[entry_id].answer.en):
        described = meaning.described.get(fact.id)
        if described is None:
            continue
        found = disagreements(asked, described, kb.lexicon, kb.settings["home_places"], meaning.published)
        rows.append({"fact": fact.id, "agrees": not found,
                     "differs_in": [d.kind + (f" ({d.asked})" if d.asked else "") for d in found]})
    return rows


def _reply(kb: KnowledgeBase, question: str, lang: str | None,
           context: Sequence[str]) -> tuple[Reply, Ranking]:
    """The reply `ask` gives, and the ranking it was decided on: ranked once. A follow-up
    ranks its completed meaning inside the conversation; its own words are ranked here."""
    if context:
        return ask_after(kb, question, tuple(context), lang=lang), rank(kb, question)
    ranking = rank(kb, question)
    return reply_to(kb, decide(kb, question or "", ranking), lang), ranking


def explain(kb: KnowledgeBase, question: str, lang: str | None = None, top: int = TOP,
            context: Sequence[str] = ()) -> Explanation:
    """Everything `ask` decided about `question`, as plain data (JSON-ready). With `context`
    (earlier questions, oldest first) it is read as a follow-up; "asked" is then the meaning
    completed from them."""
    reply, ranking = _reply(kb, question, lang, context)
    found = reply.match
    asked = found.asked or read_asked(kb, question, ranking)  # small talk is answered before it is read
    threshold, margin = float(kb.settings["threshold"]), float(kb.settings["margin"])
    return {
        "question": question,
        "context": list(context),
        "normalised": found.normalised,
        "words": list(ranking.analysis.words),  # as matched: spelling corrected, synonyms applied
        "lang": found.lang,
        "asked": _asked(asked),
        "settings": {"threshold": threshold, "margin": margin, "guards": bool(kb.settings["guards"]),
                     "guard_floor": round(threshold * GUARD_FLOOR, 2),
                     "meaning_threshold": float(kb.settings["meaning_threshold"])},
        "candidates": [{"id": c.entry_id, "title": kb.entries[c.entry_id].title(reply.lang),
                        "score": c.score, "posterior": round(c.posterior, 4),
                        "similarity": round(c.similarity, 4), "coverage": round(c.coverage, 4),
                        "figures": _agreement(kb, asked, c.entry_id)}
                       for c in found.candidates[:top]],
        "more_candidates": max(len(found.candidates) - top, 0),
        "guard": _guard(kb, reply, threshold),
        "decision": {"status": found.status, "id": found.entry_id, "score": found.score, "fact": found.fact,
                     "premise": found.premise,
                     "reason": found.reason if found.status == DECLINED else None,
                     "options": list(found.options), "why": _why(kb, reply, threshold, margin)},
        "reply_lang": reply.lang,
        "answer": reply.text,
    }


def _format_candidates(data: Explanation) -> list[str]:
    settings = data["settings"]
    if not data["candidates"]:
        return ["  none: no word of the question is known"]
    width = max(len(c["id"]) for c in data["candidates"])
    lines = [f"      {'entry':<{width}}  {'score':>6}  {'posterior':>9}  {'similarity':>10}  {'coverage':>8}"]
    for number, c in enumerate(data["candidates"], 1):
        mark = "≥" if c["score"] >= settings["threshold"] else " "
        lines.append(f"  {number:>2}. {c['id']:<{width}}  {c['score']:>6g}{mark} {c['posterior']:>9.3f}  "
                     f"{c['similarity']:>10.3f}  {c['coverage']:>8.3f}   {c['title']}")
        for row in c["figures"]:
            verdict = "agrees" if row["agrees"] else "differs in " + ", ".join(row["differs_in"])
            lines.append(f"      {'':<{width}}  figure {row['fact']}: {verdict}")
    if data["more_candidates"]:
        lines.append(f"      … {data['more_candidates']} more")
    lines.append("      (≥: at or above the threshold)")
    return lines


def format_explanation(data: Explanation) -> str:
    """The explanation as a maintainer reads it in a terminal."""
    settings = data["settings"]
    asked = ", ".join(f"{key}: {value}" for key, value in data["asked"].items()) or "-"
    lines = [
        f"Question:    {data['question']}",
        *(f"After:       {earlier}" for earlier in data.get("context", ())),
        f"Normalised:  {data['normalised']}",
        f"Words:       {' '.join(data['words']) or '-'}",
        f"Language:    {data['lang']}",
        f"Asks for:    {asked}",
        f"Settings:    threshold {settings['threshold']:g} (score, 0-100) · margin {settings['margin']:g} "
        f"(posterior) · meaning threshold {settings['meaning_threshold']:g} · "
        f"scope guards {'on' if settings['guards'] else 'off'}",
        "",
        "Candidates, best first:",
        *_format_candidates(data),
    ]
    decision = data["decision"]
    status = decision["status"] + (f": {decision['id']}" if decision["id"] else "")
    status += f" ({decision['reason']})" if decision["reason"] else ""
    status += f" · figure {decision['fact']}" if decision["fact"] else ""
    lines += [
        "",
        f"Scope guard: {data['guard']['note']}",
        f"Decision:    {status}",
        f"Why:         {decision['why']}",
        "",
        f"Reply ({data['reply_lang']}):",
        *(f"  {line}" for line in data["answer"].splitlines()),
    ]
    return "\n".join(lines)
