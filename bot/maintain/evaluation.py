"""Measuring the matcher on labelled questions, and choosing thresholds from them.

A question file is a YAML list of {q: question, expect: entry id or null for
out of scope, also: [other acceptable ids]} (see tests/questions/). The same
code scores the team's question sets in tests and CLINC150 in bench/.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from ..core import ANSWERED, KnowledgeBase
from ..core.engine import decide, rank


@dataclass(frozen=True)
class Labelled:
    question: str
    expect: str | None  # None: out of scope, the bot must decline
    also: tuple[str, ...] = ()

    def accepts(self, entry_id: str | None) -> bool:
        return entry_id == self.expect or entry_id in self.also


@dataclass
class Scores:
    in_scope: int = 0
    in_scope_right: int = 0
    out_of_scope: int = 0
    out_of_scope_declined: int = 0
    misses: list = field(default_factory=list)  # (Labelled, Match) that went wrong

    @property
    def accuracy(self) -> float:
        """In-scope accuracy: answered with the right entry (did-you-mean counts as not answered)."""
        return self.in_scope_right / self.in_scope if self.in_scope else 0.0

    @property
    def oos_recall(self) -> float:
        """Out-of-scope recall: share of out-of-scope questions declined (or asked back)."""
        return self.out_of_scope_declined / self.out_of_scope if self.out_of_scope else 0.0


def load_questions(path: Path | str) -> list[Labelled]:
    items = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or []
    return [Labelled(str(item["q"]), item.get("expect"), tuple(item.get("also") or ())) for item in items]


def score(kb: KnowledgeBase, questions: list[Labelled], rankings=None,
          threshold: float | None = None, margin: float | None = None) -> Scores:
    """Score `questions`; pass precomputed `rankings` to try many thresholds cheaply."""
    rankings = rankings or [rank(kb, item.question) for item in questions]
    result = Scores()
    for item, ranking in zip(questions, rankings, strict=True):
        found = decide(kb, item.question, ranking, threshold, margin)
        answered = found.entry_id if found.status == ANSWERED else None
        if item.expect is None:
            result.out_of_scope += 1
            right = answered is None
            result.out_of_scope_declined += right
        else:
            result.in_scope += 1
            right = item.accepts(answered)
            result.in_scope_right += right
        if not right:
            result.misses.append((item, found))
    return result


MARGIN_TOLERANCE = 0.01  # accuracy + recall we give up to ask "did you mean" rather than guess
ACCURACY_TOLERANCE = 0.01  # in-scope accuracy the "in-scope-first" objective may give up
OBJECTIVES = ("balanced", "in-scope-first")


def _key(scores: Scores, objective: str, accuracy_floor: float):
    """Higher is better. "balanced": accuracy + recall. "in-scope-first": the best
    recall among settings whose accuracy stays within ACCURACY_TOLERANCE of the best
    accuracy any setting reaches (the operating point of an assistant that must
    rarely turn away a real question)."""
    if objective == "balanced":
        return scores.accuracy + scores.oos_recall
    if scores.accuracy < accuracy_floor:
        return -1.0
    return scores.oos_recall + scores.accuracy * 1e-6


def pick(results, objective: str = "balanced"):
    """From [(Scores, threshold, margin)], the chosen (Scores, threshold, margin).

    Ties go to the lower threshold; then, since a wrong answer and a "did you mean"
    count the same in these figures but a user is better served by the question,
    to the largest margin within MARGIN_TOLERANCE of the best."""
    if objective not in OBJECTIVES:
        raise ValueError(f"objective must be one of {OBJECTIVES}")
    floor = max(s.accuracy for s, _, _ in results) - ACCURACY_TOLERANCE
    keys = [(_key(s, objective, floor), s, t, m) for s, t, m in results]
    best_key = max(k for k, *_ in keys)
    best_threshold = min(t for k, s, t, m in keys if k >= best_key - 1e-12)
    near = [(k, s, t, m) for k, s, t, m in keys if t == best_threshold and k >= best_key - MARGIN_TOLERANCE]
    _, scores, threshold, margin = max(near, key=lambda item: item[3])
    return scores, threshold, margin


def tune(kb: KnowledgeBase, questions: list[Labelled], thresholds=None, margins=None, objective="balanced"):
    """Choose (threshold, margin) on labelled `questions` (see `pick`).
    Returns (threshold, margin, Scores)."""
    rankings = [rank(kb, item.question) for item in questions]
    thresholds = thresholds or [t / 2 for t in range(0, 161)]
    margins = sorted(margins or [0.0, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3])
    results = [(score(kb, questions, rankings, t, m), t, m) for t in thresholds for m in margins]
    scores, threshold, margin = pick(results, objective)
    return threshold, margin, scores


# --- meaning: the right figure, or a precise decline ------------------------------------------

RIGHT, WRONG, DECLINED_ANSWERABLE, DECLINED_RIGHTLY = "right", "wrong", "declined", "declined-rightly"
PUBLISHED = "brief_published"  # the label for questions about the brief's publication date


@dataclass(frozen=True)
class MeaningItem:
    question: str
    kind: str
    expect: str | None  # a fact id, a formula over fact ids, "brief_published", or None: decline
    premise: bool | None = None  # for questions stating a number: whether it is right


def load_meaning_questions(path: Path | str) -> list[MeaningItem]:
    items = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or []
    return [MeaningItem(str(i["q"]), str(i.get("kind", "")), i.get("expect"), i.get("premise")) for i in items]


def _stated_values(kb: KnowledgeBase, reply) -> list:
    """The figures an answer states: the fact it was chosen for, or its entry's facts."""
    from ..core.render import facts_used

    found = reply.match
    meaning: Any = kb.meaning  # KnowledgeBase.meaning is `object` until the redesign merge types it
    facts = [meaning.fact(kb, found.fact)] if found.fact else []
    if found.entry_id:
        facts += facts_used(kb, kb.entries[found.entry_id].answer.en)
    return facts


def _expected_value(kb: KnowledgeBase, expect: str):
    from ..core.figures import Formula

    formula = Formula(expect)
    values = {name: kb.facts[name].plain_value for name in formula.names}
    # a fact written as text has no value: evaluate() then names it in a KeyError
    return formula.evaluate({name: value for name, value in values.items() if value is not None})


def judge(kb: KnowledgeBase, item: MeaningItem, reply) -> str:
    """RIGHT, WRONG (a figure that does not answer it), DECLINED (an answerable question
    turned away) or DECLINED_RIGHTLY."""
    answered = reply.match.status == ANSWERED
    if item.expect is None:
        return WRONG if answered else DECLINED_RIGHTLY
    if not answered:
        return DECLINED_ANSWERABLE
    facts = _stated_values(kb, reply)
    if item.expect == PUBLISHED:
        entry = kb.entries.get(reply.match.entry_id or "")
        ok = entry is not None and "{source.published}" in entry.answer.en
    elif item.expect in kb.facts:
        ok = any(f.id == item.expect for f in facts)
    else:
        target = _expected_value(kb, item.expect)
        ok = any(f.value is not None and abs(f.plain_value - target) <= abs(target) * Decimal("0.005")
                 for f in facts)
    if ok and item.premise is not None and reply.match.premise != item.premise:
        # a claim about a figure needs the verdict; a claim about a statement ("the first
        # office", "no direct flights") is answered by stating what the brief says
        ok = reply.match.premise is None and item.expect in kb.facts and kb.facts[item.expect].text is not None
    return RIGHT if ok else WRONG


@dataclass
class MeaningScores:
    answerable: int = 0
    right: int = 0
    wrong: int = 0  # confidently wrong: answered with a figure that does not answer the question
    unanswerable: int = 0
    declined_rightly: int = 0
    by_kind: dict = field(default_factory=dict)  # kind -> [right-or-declined-rightly, total, wrong]
    misses: list = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.right / self.answerable if self.answerable else 0.0

    @property
    def wrong_rate(self) -> float:
        """Confidently wrong: answered with a wrong figure, of all questions answered or not."""
        total = self.answerable + self.unanswerable
        return self.wrong / total if total else 0.0

    @property
    def wrong_rate_answerable(self) -> float:
        wrong = sum(1 for item, verdict, _ in self.misses if verdict == WRONG and item.expect is not None)
        return wrong / self.answerable if self.answerable else 0.0

    @property
    def decline_recall(self) -> float:
        return self.declined_rightly / self.unanswerable if self.unanswerable else 0.0


def _count(result: MeaningScores, item: MeaningItem, verdict: str, reply: Any, missed_as: MeaningItem) -> None:
    """Add one judged reply to `result`; a miss is listed as `missed_as` (a dialogue's turn
    names its dialogue)."""
    if item.expect is None:
        result.unanswerable += 1
    else:
        result.answerable += 1
    result.right += verdict == RIGHT
    result.wrong += verdict == WRONG
    result.declined_rightly += verdict == DECLINED_RIGHTLY
    row = result.by_kind.setdefault(item.kind, [0, 0, 0])
    row[0] += verdict in (RIGHT, DECLINED_RIGHTLY)
    row[1] += 1
    row[2] += verdict == WRONG
    if verdict not in (RIGHT, DECLINED_RIGHTLY):
        result.misses.append((missed_as, verdict, reply))


def score_meaning(kb: KnowledgeBase, items: list[MeaningItem]) -> MeaningScores:
    from ..core.engine import ask

    result = MeaningScores()
    for item in items:
        reply = ask(kb, item.question)
        _count(result, item, judge(kb, item, reply), reply, item)
    return result


def format_meaning(result: MeaningScores) -> str:
    lines = [f"answerable: {result.right}/{result.answerable} right ({result.accuracy:.1%}), "
             f"wrong figure {result.wrong_rate_answerable:.1%}; unanswerable: {result.declined_rightly}/"
             f"{result.unanswerable} declined ({result.decline_recall:.1%}); confidently wrong overall "
             f"{result.wrong}/{result.answerable + result.unanswerable} ({result.wrong_rate:.1%})",
             "| kind | right or rightly declined | wrong figure | questions |", "|---|---:|---:|---:|"]
    for kind, (good, total, wrong) in sorted(result.by_kind.items()):
        lines.append(f"| {kind} | {good / total:.0%} | {wrong} | {total} |")
    return "\n".join(lines)


# --- follow-ups: dialogues of two or three turns -----------------------------------------------


@dataclass(frozen=True)
class Dialogue:
    id: str
    lang: str
    kind: str
    turns: tuple[MeaningItem, ...]  # the first is a full question, the others follow it up
    asks: tuple[str | None, ...]  # per turn: date | source | why for a refer-back, else None


def load_dialogues(path: Path | str) -> list[Dialogue]:
    """A dialogue file (tests/questions/dialogues-*.yaml): see its header for the format."""
    items = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or []
    return [Dialogue(str(d["id"]), str(d.get("lang", "")), str(d.get("kind", "")),
                     tuple(MeaningItem(str(t["q"]), str(d.get("kind", "")), t.get("expect")) for t in d["turns"]),
                     tuple(t.get("asks") for t in d["turns"])) for d in items]


def judge_turn(kb: KnowledgeBase, item: MeaningItem, asks: str | None, reply) -> str:
    """`judge` for one turn. A refer-back asks for the date or the source of a figure: it is
    right when the reply gives that figure's date or source (an undated one's date is the
    brief's), whichever of the answer's figures it names."""
    if asks in ("date", "source") and item.expect is not None and reply.match.status == ANSWERED:
        given = kb.facts.get(reply.match.fact or "")
        if given is None:
            return judge(kb, item, reply)
        if item.expect == PUBLISHED:
            undated = given.period is None or not given.period.year or given.period.kind == "as-published"
            return RIGHT if asks == "date" and undated else WRONG
        expected = kb.facts.get(item.expect)
        if expected is None:
            return judge(kb, item, reply)
        same = given.source == expected.source if asks == "source" else given.period == expected.period
        return RIGHT if same else WRONG
    return judge(kb, item, reply)


@dataclass
class DialogueScores:
    first: MeaningScores = field(default_factory=MeaningScores)  # the opening questions
    follow_ups: MeaningScores = field(default_factory=MeaningScores)  # every later turn


def score_dialogues(kb: KnowledgeBase, dialogues: list[Dialogue]) -> DialogueScores:
    """Each dialogue asked turn by turn in one conversation, each turn judged like a single
    question (`judge`)."""
    from ..core.followup import ask_in_context

    result = DialogueScores()
    for dialogue in dialogues:
        turn = None
        for number, (item, asks) in enumerate(zip(dialogue.turns, dialogue.asks, strict=True)):
            reply, turn = ask_in_context(kb, item.question, turn)
            verdict = judge_turn(kb, item, asks, reply)
            _count(result.follow_ups if number else result.first, item, verdict, reply,
                   replace(item, kind=f"{dialogue.id}:{item.kind}"))
    return result
