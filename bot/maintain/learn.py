"""Learning from unanswered questions: a group of similar questions becomes a question
variant of an entry, at one tap (Telegram) or one key (`faqbot report --review`).

A wording is added only when, with it, the wording is answered by that entry and every
entry's `examples` still are; the file keeps its comments (ruamel.yaml round trip); the
change is made under the edit lock on freshly read files, so two admins never lose each
other's edit, and it goes into the history (so /undo can take it back). A suggestion that
was dealt with meanwhile, or whose entry is gone, is refused with a message.
"""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from ..core import ANSWERED, DECLINED, KnowledgeBase, KnowledgeError, load_knowledge, match
from ..core.checks import check_examples
from ..core.explain import GUARD_REASONS
from ..core.knowledge import LANGS
from ..services.store import QuestionStore
from . import history, yamledit
from .report import group_questions, normaliser


@dataclass(frozen=True)
class Suggestion:
    texts: tuple[str, ...]  # the distinct wordings, most frequent first
    lang: str  # the language of the first
    closest: str | None  # the entry they came closest to
    count: int  # how often they were asked

    @property
    def example(self) -> str:
        return self.texts[0]


@dataclass(frozen=True)
class Outcome:
    ok: bool
    message: str


def known_questions(kb: KnowledgeBase) -> set[str]:
    return {question.strip() for entry in kb.entries.values() for lang in LANGS for question in entry.questions[lang]}


def suggestions(store: QuestionStore, kb: KnowledgeBase, days: float | None = 30, limit: int = 10) -> list[Suggestion]:
    """The most frequent groups of unanswered questions nobody dealt with yet: wordings a
    maintainer added or ignored, and wordings already in the knowledge, are left out."""
    skip = set(store.reviewed()) | known_questions(kb)
    rows = [row for row in store.unanswered(days) if row.text.strip() not in skip]
    found = []
    for group in group_questions(rows, normaliser(kb))[:limit]:
        langs = Counter(row.lang for row in group.rows if row.text.strip() == group.example)
        closest = group.closest if group.closest in kb.entries else None
        found.append(Suggestion(tuple(group.texts), langs.most_common(1)[0][0], closest, group.count))
    return found


def _entry_in(files: list[yamledit.YamlFile], entry_id: str):
    for file in files:
        if file.relative == "facts.yaml":
            continue
        for item in file.items:
            if str(item.get("id")) == entry_id:
                return file, item
    return None, None


def _already_asked(files: list[yamledit.YamlFile], text: str) -> str | None:
    for file in files:
        for item in file.items if file.relative != "facts.yaml" else ():
            questions = item.get("questions") or {}
            if any(text == str(q).strip() for lang in LANGS for q in questions.get(lang) or ()):
                return str(item.get("id"))
    return None


def add_question(directory: Path, entry_id: str, text: str, lang: str, *, by: str,
                 kb: KnowledgeBase | None = None) -> Outcome:
    """Add `text` as a question of `entry_id`, if it then gets that entry and breaks no example.

    With `kb` (the base being served), a question it declines because it asks beyond the
    source (another year, place, detail) is refused: as a variant it would be answered,
    wrongly, with the source's figure."""
    text = " ".join(text.split())
    directory = Path(directory)
    if kb is not None:
        found = match(kb, text)
        if found.status == DECLINED and found.reason in GUARD_REASONS:
            return Outcome(False, f"Not added: “{text}” asks beyond the source ({found.reason}); declining it is "
                                  "right unless the source covers it.")
    with yamledit.edit_lock(directory):
        files = yamledit.read_files(directory)  # as they are now, after any other admin's edit
        owner = _already_asked(files, text)
        if owner is not None:
            return Outcome(False, f"“{text}” is already a question of {owner}.")
        file, item = _entry_in(files, entry_id)
        if item is None:
            return Outcome(False, f"The entry {entry_id} no longer exists.")
        questions = item.setdefault("questions", {})
        if questions.get(lang) is None:
            yamledit.set_list(questions, lang, [])
        questions[lang].append(text)
        new_text = yamledit.dump(file.document)
        with yamledit.trial_copy(directory, {file.relative: new_text}) as trial:
            refusal = _refusal(trial, entry_id, text)
        if refusal:
            return Outcome(False, f"Not added: {refusal}")
        what = f"added “{text}” ({lang}) to {entry_id}"
        history.commit(directory, {file.relative: new_text}, via="learn", by=by, what=what)
    return Outcome(True, f"Added “{text}” as a question of {entry_id} ({file.relative}).")


def _refusal(trial: Path, entry_id: str, text: str) -> str | None:
    """Why the trial copy with the new question is not acceptable, or None."""
    try:
        kb = load_knowledge(trial)
    except KnowledgeError as error:
        return f"the knowledge would not load: {error.problems[0]}"
    found = match(kb, text)
    if found.status != ANSWERED or found.entry_id != entry_id:
        got = found.entry_id if found.status == ANSWERED else f"{found.status} ({found.reason or 'did you mean'})"
        return (f"even with it, “{text}” gets {got}, not {entry_id}: the entry needs other words "
                "(keywords, or an edit by hand).")
    broken = check_examples(kb)
    if broken:
        return f"it would break {len(broken)} example(s), e.g. {broken[0].message}"
    return None


def undo_last(directory: Path, *, by: str) -> history.Undone:
    with yamledit.edit_lock(Path(directory)):
        return history.undo(Path(directory), by=by)


def ignore(store: QuestionStore, suggestion: Suggestion) -> None:
    store.mark_reviewed(suggestion.texts, "ignored")


def accepted(store: QuestionStore, suggestion: Suggestion, entry_id: str) -> None:
    store.mark_reviewed(suggestion.texts, f"added to {entry_id}")


# --- the same in the terminal: faqbot report --review ------------------------------------------------


def review(store: QuestionStore, directory: Path, kb: KnowledgeBase, *, by: str, days: float | None = 30,
           limit: int = 10, read: TextIO = sys.stdin, write: TextIO = sys.stdout) -> int:
    """Go through the suggestions one by one; returns how many were added."""
    found = suggestions(store, kb, days, limit)
    if not found:
        print("No unanswered questions to review.", file=write)
        return 0
    added = 0
    for number, suggestion in enumerate(found, 1):
        print(f"\n{number}/{len(found)}  {suggestion.count}× “{suggestion.example}” [{suggestion.lang}]", file=write)
        if len(suggestion.texts) > 1:
            print("   also: " + ", ".join(f"“{t}”" for t in suggestion.texts[1:4]), file=write)
        if suggestion.closest:
            print(f"   closest: {suggestion.closest} — {kb.entries[suggestion.closest].title(suggestion.lang)}",
                  file=write)
        keys = (("[a] add to closest  " if suggestion.closest else "")
                + "[o] another entry  [i] ignore  [s] skip  [q] quit")
        choice = _ask(f"   {keys}\n> ", read, write)
        if choice in ("q", ""):
            break
        if choice == "i":
            ignore(store, suggestion)
            print("   Ignored: not suggested again.", file=write)
            continue
        entry_id = suggestion.closest if choice == "a" else _pick_entry(kb, suggestion.lang, read, write) \
            if choice == "o" else None
        if entry_id is None:
            continue
        outcome = add_question(directory, entry_id, suggestion.example, suggestion.lang, by=by, kb=kb)
        print(f"   {outcome.message}", file=write)
        if outcome.ok:
            accepted(store, suggestion, entry_id)
            added += 1
    if added:
        print(f"\nAdded {added}. A running bot reloads the files by itself (or send /reload); "
              "`faqbot undo` takes the last change back.", file=write)
    return added


def _ask(prompt: str, read: TextIO, write: TextIO) -> str:
    print(prompt, end="", file=write, flush=True)
    line = read.readline()
    return line.strip().lower() if line else "q"


def _pick(options: list[str], read: TextIO, write: TextIO) -> int | None:
    for number, option in enumerate(options, 1):
        print(f"     {number}. {option}", file=write)
    choice = _ask("   number (empty: back)> ", read, write)
    return int(choice) - 1 if choice.isdigit() and 0 < int(choice) <= len(options) else None


def _pick_entry(kb: KnowledgeBase, lang: str, read: TextIO, write: TextIO) -> str | None:
    topic = _pick([t.name.get(lang) for t in kb.topics], read, write)
    if topic is None:
        return None
    ids = kb.topics[topic].entry_ids
    entry = _pick([f"{entry_id} — {kb.entries[entry_id].title(lang)}" for entry_id in ids], read, write)
    return ids[entry] if entry is not None else None
