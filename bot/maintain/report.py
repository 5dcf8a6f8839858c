"""What users asked that the bot could not answer well, grouped, and how often each entry answered.

`faqbot report` prints it; `/unanswered` sends the same to admins in Telegram. Each group of
similar unanswered questions is a candidate for a new question variant of the entry it came
closest to, or for a new entry (what FAQ services call active learning).

Questions are compared after the core's normalisation (Unicode, case, traditional to
simplified Chinese, synonyms) with filler words left out, by rapidfuzz: the mean of
token_set_ratio (word order and extra words don't matter) and token_sort_ratio (but a
question that merely contains a short one is not the same question).
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from ..core import DEFAULT_THRESHOLD, KnowledgeBase
from ..core.explain import GUARD_REASONS
from ..core.text import STOPWORDS_EN, STOPWORDS_ZH, Synonyms, analyse, clean
from ..services.store import AnswerCount, Unanswered

SIMILAR = 80.0  # 0-100: questions at least this similar are one group
LIMIT = 20

Line = tuple[str, str]  # (text, style): style "" plain, "b" bold, "i" italic


# --- grouping ----------------------------------------------------------------------------


def normaliser(kb: KnowledgeBase | None) -> Callable[[str], str]:
    """Text -> what is compared: the core's normalised words minus fillers."""
    synonyms = Synonyms(kb.synonyms if kb is not None else ())

    def normalise(text: str) -> str:
        analysis = analyse(text, synonyms)
        words = [w for w in analysis.words if w not in STOPWORDS_EN]
        han = ["".join(c for c in run if c not in STOPWORDS_ZH) for run in analysis.han_runs]
        content = " ".join(part for part in (*words, *han) if part)
        return content or analysis.normalised or clean(text).strip().lower()

    return normalise


def similarity(a: str, b: str, **_) -> float:
    return (fuzz.token_set_ratio(a, b) + fuzz.token_sort_ratio(a, b)) / 2


@dataclass
class QuestionGroup:
    rows: list[Unanswered] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.rows)

    @property
    def texts(self) -> list[str]:
        """The distinct wordings, most frequent first."""
        return [text for text, _ in Counter(row.text.strip() for row in self.rows).most_common()]

    @property
    def example(self) -> str:
        return self.texts[0]

    @property
    def languages(self) -> Counter:
        return Counter(row.lang for row in self.rows)

    @property
    def reasons(self) -> Counter:
        return Counter(row.reason for row in self.rows)

    @property
    def closest(self) -> str | None:
        """The entry the questions came closest to most often."""
        guesses = Counter(row.best_id for row in self.rows if row.best_id)
        return guesses.most_common(1)[0][0] if guesses else None

    @property
    def typical_score(self) -> float:
        scores = [row.best_score for row in self.rows if row.best_id == self.closest]
        return round(statistics.median(scores), 1) if scores else 0.0

    @property
    def last_asked(self) -> str:
        return max(row.asked_at for row in self.rows)


MAX_WORDINGS = 1000  # distinct wordings grouped; the rarer rest is counted, not grouped


class Grouped(list[QuestionGroup]):
    """The groups, most frequent first, and what was left out of the grouping."""

    ungrouped_rows = 0
    ungrouped_wordings = 0


def group_questions(rows: Iterable[Unanswered], normalise: Callable[[str], str],
                    similar: float = SIMILAR, max_wordings: int = MAX_WORDINGS) -> Grouped:
    """Similar questions together, the most frequent groups first.

    Only the `max_wordings` most frequent distinct wordings (the most recent first among
    equals) are grouped: comparing every pair of a flood of distinct nonsense would take
    minutes, and such one-offs are not what the report is for. The rest is counted."""
    by_text: dict[str, list[Unanswered]] = {}
    for row in rows:
        by_text.setdefault(row.text, []).append(row)
    texts = sorted(by_text, key=lambda t: (len(by_text[t]), max(r.asked_at for r in by_text[t])), reverse=True)
    kept, left = texts[:max_wordings], texts[max_wordings:]
    by_key: dict[str, list[Unanswered]] = {}
    for text in kept:
        by_key.setdefault(normalise(text), []).extend(by_text[text])
    keys = sorted(by_key, key=lambda key: -len(by_key[key]))  # a group is named by its most frequent wording
    representatives: list[str] = []
    groups: list[QuestionGroup] = []
    for key in keys:
        found = None
        if representatives and key:
            # token_set_ratio bounds the mean from above: only its hits need the full score
            for _, _, index in process.extract(key, representatives, scorer=fuzz.token_set_ratio,
                                               score_cutoff=similar, limit=None):
                score = similarity(key, representatives[index])
                if score >= similar and (found is None or score > found[0]):
                    found = (score, index)
        if found is None:
            representatives.append(key)
            groups.append(QuestionGroup(list(by_key[key])))
        else:
            groups[found[1]].rows.extend(by_key[key])
    result = Grouped(sorted(groups, key=lambda g: (g.count, g.last_asked), reverse=True))  # ties: most recent first
    result.ungrouped_rows = sum(len(by_text[text]) for text in left)
    result.ungrouped_wordings = len(left)
    return result


# --- answer counts -----------------------------------------------------------------------


@dataclass
class EntryCount:
    entry_id: str
    count: int = 0
    languages: Counter = field(default_factory=Counter)
    chats: Counter = field(default_factory=Counter)


def count_answers(rows: Iterable[AnswerCount]) -> list[EntryCount]:
    totals: dict[str, EntryCount] = {}
    for row in rows:
        entry = totals.setdefault(row.entry_id, EntryCount(row.entry_id))
        entry.count += row.count
        entry.languages[row.lang] += row.count
        entry.chats["group" if row.chat_type in ("group", "supergroup") else row.chat_type] += row.count
    return sorted(totals.values(), key=lambda e: (-e.count, e.entry_id))


# --- the report ----------------------------------------------------------------------------


def _counts(counter: Counter) -> str:
    return ", ".join(f"{key} {n}" for key, n in counter.most_common())


def _period(days: float | None) -> str:
    if days is None:
        return "all kept"
    return f"last {days:g} day" + ("" if days == 1 else "s")


def candidate(kb: KnowledgeBase | None, group: QuestionGroup) -> str:
    """What a maintainer might do about a group."""
    closest = group.closest
    reason = group.reasons.most_common(1)[0][0]
    if reason in GUARD_REASONS:
        return f"beyond the source ({reason}): declined as it should be, unless the source covers it"
    if closest is None or (kb is not None and closest not in kb.entries):
        return "new entry, or out of scope"
    if reason in ("did-you-mean", "low-score"):
        return f"question variant of {closest}? (the bot was unsure)"
    threshold = float(kb.settings["threshold"]) if kb is not None else DEFAULT_THRESHOLD
    if group.typical_score >= threshold / 2:
        return f"question variant of {closest}?"
    return f"new entry, or out of scope (closest {closest} is far)"


def unanswered_lines(groups: Grouped, kb: KnowledgeBase | None, days: float | None,
                     limit: int = LIMIT, texts_shown: int = 3, dropped: int = 0, cap: int = 0) -> list[Line]:
    ungrouped = groups.ungrouped_rows
    total = sum(group.count for group in groups) + ungrouped
    shown = groups[:limit]
    lines: list[Line] = [(f"Unanswered questions ({_period(days)}): {total} in {len(groups)} group"
                          + ("" if len(groups) == 1 else "s")
                          + (f", top {len(shown)} shown" if len(shown) < len(groups) else ""), "b")]
    if ungrouped:
        lines.append((f"({ungrouped} more, in {groups.ungrouped_wordings} rarer wordings, are counted but not "
                      f"grouped)", "i"))
    if dropped:
        lines.append((f"({dropped} more were not recorded: over the cap of {cap} a day)", "i"))
    if not groups:
        lines.append(("None recorded.", ""))
    for number, group in enumerate(shown, 1):
        lines.append((f"{number}. {group.count}× “{group.example}”", ""))
        others = group.texts[1:texts_shown]
        if others:
            more = len(group.texts) - texts_shown
            lines.append(("   also: " + ", ".join(f"“{t}”" for t in others)
                          + (f" and {more} more" if more > 0 else ""), ""))
        closest = group.closest
        where = (f"closest: {closest} (typical score {group.typical_score:g})" if closest else "closest: none")
        lines.append((f"   {where} · {_counts(group.reasons)} · languages: {_counts(group.languages)}", ""))
        lines.append((f"   → {candidate(kb, group)}", "i"))
    return lines


def answer_lines(counts: list[EntryCount], kb: KnowledgeBase | None, days: float | None,
                 limit: int | None = None) -> list[Line]:
    total = sum(entry.count for entry in counts)
    lines: list[Line] = [(f"Answers per entry ({_period(days)}): {total}", "b")]
    width = max((len(entry.entry_id) for entry in counts), default=0)
    for entry in counts[:limit]:
        lines.append((f"{entry.count:6d}  {entry.entry_id:<{width}}  {_counts(entry.languages)} · "
                      f"{_counts(entry.chats)}", ""))
    if limit is not None and len(counts) > limit:
        lines.append((f"… and {len(counts) - limit} more entries", ""))
    if kb is not None:
        never = [entry_id for entry_id in kb.entries if entry_id not in {e.entry_id for e in counts}]
        if never:
            lines.append((f"Never answered: {', '.join(never)}", "i"))
    return lines


def report_lines(unanswered: list[Unanswered], answers: list[AnswerCount], kb: KnowledgeBase | None,
                 days: float | None, limit: int = LIMIT, answers_limit: int | None = None,
                 dropped: int = 0, cap: int = 0) -> list[Line]:
    """`dropped`: questions not recorded in the period because of the daily cap `cap`."""
    groups = group_questions(unanswered, normaliser(kb))
    return [*unanswered_lines(groups, kb, days, limit, dropped=dropped, cap=cap), ("", ""),
            *answer_lines(count_answers(answers), kb, days, answers_limit)]


def plain(lines: list[Line]) -> str:
    return "\n".join(text for text, _ in lines)
