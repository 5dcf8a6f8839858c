"""The figures behind `/stats` and the HTML report, from the question store's records.

A question is answered (counted per entry; a low-confidence answer too), offered "did you
mean" (status ambiguous) or declined. Nothing here knows who asked.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from ..core import KnowledgeBase
from ..services.store import AnswerCount, QuestionStore, Unanswered, utc_now
from .report import QuestionGroup, count_answers, group_questions, normaliser

OUTCOMES = ("answered", "did you mean", "declined")
FILLED_DAYS = 92  # periods up to this long are charted day by day from their first day
STATUS_OUTCOME = {"ambiguous": "did you mean", "declined": "declined"}  # "answered" rows are counted already


def _chat(chat_type: str) -> str:
    return "group" if chat_type in ("group", "supergroup") else chat_type


@dataclass
class Overview:
    days: float | None
    per_day: dict[str, Counter] = field(default_factory=dict)  # "2024-06-01" -> outcome -> questions
    entries: list[tuple[str, int]] = field(default_factory=list)  # answers per entry, most first
    languages: Counter = field(default_factory=Counter)
    chats: Counter = field(default_factory=Counter)
    reasons: Counter = field(default_factory=Counter)  # why questions were declined
    groups: list[QuestionGroup] = field(default_factory=list)  # unanswered, most frequent first

    @property
    def outcomes(self) -> Counter:
        total: Counter[str] = Counter()
        for counts in self.per_day.values():
            total.update(counts)
        return total

    @property
    def questions(self) -> int:
        return sum(self.outcomes.values())

    def share(self, outcome: str) -> float:
        return 100.0 * self.outcomes[outcome] / self.questions if self.questions else 0.0


def overview(unanswered: list[Unanswered], answers: list[AnswerCount], daily: list[tuple[str, int]],
             kb: KnowledgeBase | None, days: float | None, today: date | None = None) -> Overview:
    result = Overview(days)
    for day, count in daily:
        result.per_day.setdefault(day, Counter())["answered"] += count
    for row in unanswered:
        outcome = STATUS_OUTCOME.get(row.status)
        if outcome is None:
            continue
        result.per_day.setdefault(row.asked_at[:10], Counter())[outcome] += 1
        result.languages[row.lang] += 1
        result.chats[_chat(row.chat_type)] += 1
        if outcome == "declined":
            result.reasons[row.reason] += 1
    for answered in answers:
        result.languages[answered.lang] += answered.count
        result.chats[_chat(answered.chat_type)] += answered.count
    if today is not None and days is not None and result.per_day:  # days with no question show as empty
        first = date.fromisoformat(min(result.per_day))
        if days <= FILLED_DAYS:  # the whole period; a longer one from its first day with questions
            first = min(first, today - timedelta(days=int(days) - 1))
        for offset in range((today - first).days + 1):
            result.per_day.setdefault((first + timedelta(days=offset)).isoformat(), Counter())
    result.per_day = dict(sorted(result.per_day.items()))
    result.entries = [(entry.entry_id, entry.count) for entry in count_answers(answers)]
    result.groups = list(group_questions(unanswered, normaliser(kb)))
    return result


def from_store(store: QuestionStore, kb: KnowledgeBase | None, days: float | None,
               now: datetime | None = None) -> Overview:
    """The figures of the `days` days up to `now` (default: now)."""
    now = now or utc_now()
    return overview(store.unanswered(days, now), store.answer_counts(days, now), store.answers_per_day(days, now),
                    kb, days, now.date())


def _top(counter: Counter) -> str:
    return ", ".join(f"{key} {n}" for key, n in counter.most_common()) or "none"


def headline(view: Overview, top: int = 3) -> list[str]:
    """The figures `/stats` sends: a few short lines, no links."""
    period = "all kept days" if view.days is None else f"the last {view.days:g} day" + ("" if view.days == 1 else "s")
    outcomes = view.outcomes
    lines = [f"Questions in {period}: {view.questions}",
             f"answered {outcomes['answered']} ({view.share('answered'):.0f}%) · did you mean "
             f"{outcomes['did you mean']} · declined {outcomes['declined']}",
             f"Languages: {_top(view.languages)} · chats: {_top(view.chats)}"]
    if view.entries:
        lines.append("Most answered: " + ", ".join(f"{entry_id} {n}" for entry_id, n in view.entries[:top]))
    if view.reasons:
        lines.append(f"Declined because: {_top(view.reasons)}")
    if view.groups:
        lines.append("Top unanswered: " + ", ".join(f"“{g.example}” {g.count}×" for g in view.groups[:top]))
    return lines
