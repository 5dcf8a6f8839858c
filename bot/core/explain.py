"""`faqbot explain "question"`: why the bot replies to a question the way it does.

The same steps as `ask` (rank, decide, render), with everything in between shown: the
normalised text, the candidates with their scores, the threshold and margin in force, the
scope guard, the decision and why, and the reply. Pure: a question in, a dict out.
"""

from __future__ import annotations

from .engine import AMBIGUOUS, ANSWERED, DECLINED, GUARD_FLOOR, Reply, ask, rank
from .knowledge import KnowledgeBase
from .scope import out_of_scope

TOP = 5
GUARD_REASONS = ("other-year", "other-place", "other-detail", "no-figure")


def _why(kb: KnowledgeBase, reply: Reply, threshold: float, margin: float) -> str:
    found = reply.match
    best = found.candidates[0] if found.candidates else None
    if found.status == ANSWERED:
        runner = next((c for c in found.candidates[1:] if c.score >= threshold), None)
        contest = (f"the runner-up above the threshold, {runner.entry_id}, is {best.posterior - runner.posterior:.3f} "
                   f"behind in posterior (margin {margin:g})" if runner else "no other candidate reaches the threshold")
        return f"{found.entry_id} scores {found.score:g} ≥ threshold {threshold:g}, and {contest}"
    if found.status == AMBIGUOUS:
        best = found.candidates[0]  # the ranking's best; the close ones keep their order
        close = [c.entry_id for c in found.candidates
                 if c.score >= threshold and best.posterior - c.posterior < margin]
        return (f"{len(close)} entries score ≥ threshold {threshold:g} with posteriors within margin "
                f"{margin:g} of the best ({', '.join(close)}); the bot asks “did you mean …?” offering "
                f"{', '.join(found.options)}")
    if found.reason == "greeting":
        return "the message is only a greeting or thanks; the bot greets back and lists its topics"
    if found.reason == "empty":
        return "nothing left to match after normalisation"
    if found.reason in GUARD_REASONS:
        asked = f" ({found.detail[0]})" if found.detail and found.detail[0] else ""
        return (f"scope guard {found.reason}{asked}: the best candidate, {best.entry_id}, does not cover what "
                f"was asked")
    if best is None:
        return "no word of the question is known to the knowledge base"
    return f"best score {best.score:g} < threshold {threshold:g}"


def _guard(kb: KnowledgeBase, reply: Reply, threshold: float) -> dict:
    found = reply.match
    best = found.candidates[0] if found.candidates else None
    if not kb.settings["guards"]:
        return {"checked": False, "reason": None, "note": "guards are off (settings.yaml)"}
    if best is None or found.reason in ("greeting", "empty"):
        return {"checked": False, "reason": None, "note": "no candidate to check"}
    floor = threshold * GUARD_FLOOR
    if best.score < floor:
        return {"checked": False, "reason": None,
                "note": f"not checked: best score below {floor:g} (threshold × {GUARD_FLOOR:g})"}
    years = rank(kb, found.question).analysis.years
    guard = out_of_scope(kb.scopes[best.entry_id], found.normalised, years, kb.settings["home_places"])
    if guard is None:
        return {"checked": True, "reason": None, "note": f"passed: {best.entry_id} covers the question"}
    return {"checked": True, "reason": guard.reason, "asked": list(guard.asked),
            "note": f"{guard.reason}: asked about {guard.asked[0] or 'a figure'}, which {best.entry_id} does not cover"}


def explain(kb: KnowledgeBase, question: str, lang: str | None = None, top: int = TOP) -> dict:
    """Everything `ask` decided about `question`, as plain data (JSON-ready)."""
    reply = ask(kb, question, lang=lang)
    found = reply.match
    ranking = rank(kb, question)
    threshold, margin = float(kb.settings["threshold"]), float(kb.settings["margin"])
    return {
        "question": question,
        "normalised": found.normalised,
        "words": list(ranking.analysis.words),  # as matched: spelling corrected, synonyms applied
        "lang": found.lang,
        "settings": {"threshold": threshold, "margin": margin, "guards": bool(kb.settings["guards"]),
                     "guard_floor": round(threshold * GUARD_FLOOR, 2)},
        "candidates": [{"id": c.entry_id, "title": kb.entries[c.entry_id].title(reply.lang),
                        "score": c.score, "posterior": round(c.posterior, 4),
                        "similarity": round(c.similarity, 4), "coverage": round(c.coverage, 4)}
                       for c in found.candidates[:top]],
        "more_candidates": max(len(found.candidates) - top, 0),
        "guard": _guard(kb, reply, threshold),
        "decision": {"status": found.status, "id": found.entry_id, "score": found.score,
                     "reason": found.reason if found.status == DECLINED else None,
                     "options": list(found.options), "why": _why(kb, reply, threshold, margin)},
        "reply_lang": reply.lang,
        "answer": reply.text,
    }


def format_explanation(data: dict) -> str:
    """The explanation as a maintainer reads it in a terminal."""
    settings = data["settings"]
    lines = [
        f"Question:    {data['question']}",
        f"Normalised:  {data['normalised']}",
        f"Words:       {' '.join(data['words']) or '-'}",
        f"Language:    {data['lang']}",
        f"Settings:    threshold {settings['threshold']:g} (score, 0-100) · margin {settings['margin']:g} "
        f"(posterior) · scope guards {'on' if settings['guards'] else 'off'}",
        "",
        "Candidates, best first:",
    ]
    if data["candidates"]:
        width = max(len(c["id"]) for c in data["candidates"])
        lines.append(f"      {'entry':<{width}}  {'score':>6}  {'posterior':>9}  {'similarity':>10}  {'coverage':>8}")
        for number, c in enumerate(data["candidates"], 1):
            mark = "≥" if c["score"] >= settings["threshold"] else " "
            lines.append(f"  {number:>2}. {c['id']:<{width}}  {c['score']:>6g}{mark} {c['posterior']:>9.3f}  "
                         f"{c['similarity']:>10.3f}  {c['coverage']:>8.3f}   {c['title']}")
        if data["more_candidates"]:
            lines.append(f"      … {data['more_candidates']} more")
        lines.append("      (≥: at or above the threshold)")
    else:
        lines.append("  none: no word of the question is known")
    decision = data["decision"]
    status = decision["status"] + (f": {decision['id']}" if decision["id"] else "")
    status += f" ({decision['reason']})" if decision["reason"] else ""
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
