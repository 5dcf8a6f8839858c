"""`faqbot check`: everything that can be wrong with a knowledge directory.

Schema and reference errors come from loading (knowledge.read_knowledge); on top
of that every entry's `examples` must be answered by that entry.

Warnings (`--strict` makes them failures) point at what is legal but likely wrong:
a question variant the engine does not answer with its own entry, near-duplicate
variants, facts no answer uses, and figures without a date.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from rapidfuzz import fuzz, process

from .engine import ANSWERED, DECLINED, build, match
from .knowledge import LANGS, PLACEHOLDER, KnowledgeBase, Problem, read_knowledge
from .loss import check_against_manifest
from .text import Synonyms, analyse
from .yamlfile import YamlFileError, YamlList, YamlMap, load_yaml

NEAR_DUPLICATE = 95  # fuzz.ratio of two normalised question variants that say the same
QuestionLines = Mapping[tuple[str, str, str], int]  # (entry id, language, question) -> line


def check_examples(kb: KnowledgeBase) -> list[Problem]:
    """Each entry's example questions must be answered by that entry."""
    problems = []
    for entry in kb.entries.values():
        for index, example in enumerate(entry.examples):
            found = match(kb, example)
            if found.status != "answered" or found.entry_id != entry.id:
                got = found.entry_id or f"{found.status} ({found.reason or 'did you mean'})"
                problems.append(Problem(entry.file, entry.line_of(f"examples.{index}"),
                                        f"entry '{entry.id}': example {example!r} gets {got}, score {found.score}"))
    return problems


def question_lines(kb: KnowledgeBase) -> dict[tuple[str, str, str], int]:
    """(entry id, language, question) -> the line the question is written on."""
    lines: dict[tuple[str, str, str], int] = {}
    for file in sorted({entry.file for entry in kb.entries.values()}):
        try:
            document = load_yaml(kb.directory.parent / file, file)
        except YamlFileError:
            continue
        items = document.get("entries") if isinstance(document, YamlMap) else None
        for spec in items if isinstance(items, YamlList) else ():
            questions = spec.get("questions") if isinstance(spec, YamlMap) else None
            if not isinstance(questions, YamlMap):
                continue
            for lang in LANGS:
                variants = questions.get(lang)
                if not isinstance(variants, YamlList):
                    continue
                for index, item in enumerate(variants):
                    lines.setdefault((str(spec.get("id")), lang, str(item).strip()), variants.line_of(index))
    return lines


def _variants(kb: KnowledgeBase, lines: QuestionLines) -> list[tuple[str, str, str, str, int]]:
    """(entry id, language, question, file, line) of every question variant."""
    return [(entry.id, lang, question, entry.file, lines.get((entry.id, lang, question), entry.line))
            for entry in kb.entries.values() for lang in LANGS for question in entry.questions[lang]]


def check_variants(kb: KnowledgeBase, lines: QuestionLines | None = None) -> list[Problem]:
    """Warn about question variants the engine does not answer with their own entry."""
    problems = []
    for entry_id, _, question, file, line in _variants(kb, question_lines(kb) if lines is None else lines):
        found = match(kb, question)
        if found.status == ANSWERED and found.entry_id == entry_id:
            continue
        if found.status == ANSWERED:
            what = f"is answered by entry '{found.entry_id}' (score {found.score:g})"
        elif found.status == DECLINED:
            what = f"is declined ({found.reason}, score {found.score:g})"
        else:
            what = f"gets \"did you mean\" between {', '.join(found.options)}"
        problems.append(Problem(file, line, f"entry '{entry_id}': question {question!r} {what}", "warning"))
    return problems


def check_near_duplicates(kb: KnowledgeBase, lines: QuestionLines | None = None,
                          cutoff: float = NEAR_DUPLICATE) -> list[Problem]:
    """Warn about question variants that say the same after normalisation, in one entry or two.

    Letters may differ by a typo's worth (fuzz.ratio ≥ cutoff); Chinese characters must be
    the same, since there one character is a word ("贸易额" trade, "贸易差额" trade balance)."""
    synonyms = Synonyms(kb.synonyms)
    variants = _variants(kb, question_lines(kb) if lines is None else lines)
    analyses = [analyse(question, synonyms) for _, _, question, _, _ in variants]
    normalised = [analysis.normalised for analysis in analyses]
    problems = []
    for later, (entry_id, _, question, file, line) in enumerate(variants):
        earlier = process.extract(normalised[later], normalised[:later], scorer=fuzz.ratio, score_cutoff=cutoff,
                                  limit=None) if later else []
        earlier = [hit for hit in earlier if analyses[hit[2]].han_runs == analyses[later].han_runs]
        for _, score, index in sorted(earlier, key=lambda hit: hit[2])[:1]:
            first_id, _, first, first_file, first_line = variants[index]
            where = "of the same entry" if first_id == entry_id else f"of entry '{first_id}'"
            how = "the same as" if score == 100 else "nearly the same as"
            problems.append(Problem(file, line, f"entry '{entry_id}': question {question!r} is {how} {first!r} "
                                    f"({where}, {first_file}:{first_line})", "warning"))
    return problems


def check_facts(kb: KnowledgeBase) -> list[Problem]:
    """Warn about facts no answer uses (directly, through a derived fact, or on the facts
    card) and about figures that don't say what time they describe."""
    card = kb.settings.get("facts_card", ())  # a list of fact ids (settings.yaml is checked on loading)
    used = {str(fact_id) for fact_id in card} if isinstance(card, Iterable) else set()
    for entry in kb.entries.values():
        for lang in LANGS:
            used |= {found["fact"] for found in PLACEHOLDER.finditer(entry.answer.get(lang))}
    pending = list(used)
    while pending:  # a derived fact uses its inputs
        fact = kb.facts.get(pending.pop())
        for name in fact.formula.names if fact is not None and fact.formula is not None else ():
            if name not in used:
                used.add(name)
                pending.append(name)
    problems = []
    for fact in kb.facts.values():
        if fact.id not in used:
            problems.append(Problem(fact.file, fact.line, f"fact '{fact.id}' is not used by any answer, derived "
                                    "fact or the facts card", "warning"))
        if fact.value is not None and fact.formula is None and fact.period is None:
            problems.append(Problem(fact.file, fact.line, f"fact '{fact.id}' is a figure without a date; add "
                                    "'date:' (e.g. 2013, end-2013, or as-published)", "warning"))
    return problems


def check_knowledge(directory: Path | str) -> list[Problem]:
    """All problems, errors first in file order; an empty list means sound."""
    kb, problems = read_knowledge(directory)
    if kb is not None:
        kb = build(kb)
        lines = question_lines(kb)
        problems = (problems + check_examples(kb) + check_variants(kb, lines) + check_near_duplicates(kb, lines)
                    + check_facts(kb) + check_against_manifest(kb))
    return sorted(problems, key=lambda p: (p.severity != "error", p.file, p.line))
