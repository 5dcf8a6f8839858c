"""The core's front door: load a knowledge base, match a question, render the reply.

    kb = load_knowledge("knowledge")
    reply = ask(kb, "How much did Chongqing export to the US?")
    print(reply.text)

Everything here is pure and synchronous: no Telegram, no clocks, no network.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType

from .bymeaning import _by_claim, _described_facts, _premise, resolve_meaning
from .decision import AMBIGUOUS, ANSWERED, DECLINED, GUARD_FLOOR, SMALL_TALK, Match, MatchBasis, Reply
from .describe import build_meaning
from .figures import Period
from .knowledge import LANGS, KnowledgeBase, KnowledgeError, read_knowledge
from .lexicon import Lexicon
from .matcher import Candidate, Index, Ranking
from .meaning import Asked, mask, read_question
from .render import facts_used, fill
from .replying import reply_to
from .scope import DETAIL_KINDS, YEAR, Scope, entry_scope, out_of_scope
from .text import Analysis, Synonyms, clean

MAX_QUESTION_CHARS = 1000  # longer messages are matched on their start only


# --- loading ----------------------------------------------------------------------------


ANSWER_WEIGHT = 0.5  # an answer's words say what it covers, less surely than a question's


def _entity_documents(kb: KnowledgeBase, answers: list[str]) -> list[tuple[str, float]]:
    """The descriptions of the entities an answer names, so that "a US computer maker" finds
    the answer that names Hewlett-Packard."""
    text = "\n".join(answers).lower()
    named = [e for e in kb.entities.values() if e.is_named_in(text)]
    return [(f"{' '.join(e.names.get(lang, ()))} {e.about.get(lang)}", ANSWER_WEIGHT) for e in named for lang in LANGS]


def _entry_documents(kb: KnowledgeBase) -> dict[str, list[tuple[str, float]]]:
    """The texts that stand for each entry when matching, with their weights:
    its questions and keywords, its answers as rendered, and the entities they name."""
    documents = {}
    for entry in kb.entries.values():
        answers = [fill(kb, entry.answer.get(lang), lang) for lang in LANGS]
        documents[entry.id] = [*((q, 1.0) for lang in LANGS for q in entry.questions[lang]),
                               *((" ".join(entry.keywords[lang]), 1.0) for lang in LANGS if entry.keywords[lang]),
                               *((answer, ANSWER_WEIGHT) for answer in answers),
                               *_entity_documents(kb, answers)]
    return documents


def index_inputs(kb: KnowledgeBase) -> tuple[dict[str, list[tuple[str, float]]], dict[str, list[str]]]:
    """What the matching index is built from: each entry's weighted texts, and the phrases
    that point to it when asked word for word (its questions and keywords)."""
    exact = {entry.id: [*(q for lang in LANGS for q in entry.questions[lang]),
                        *(k for lang in LANGS for k in entry.keywords[lang])] for entry in kb.entries.values()}
    return _entry_documents(kb), exact


def build(kb: KnowledgeBase, index: Index | None = None, scopes: Mapping[str, Scope] | None = None
          ) -> KnowledgeBase:
    """Attach the matching index and the entries' scopes (built here unless given, e.g. read
    from a cache) and the meaning index to a checked knowledge base."""
    if index is None:
        documents, exact = index_inputs(kb)
        index = Index(documents, Synonyms(kb.synonyms), exact=exact)
    index.keep_words(kb.lexicon.latin_words)
    kb = replace(kb, lexicon=kb.lexicon.reading_details_through(lambda word: index.analyse(word).normalised))
    answers = {entry.id: [fill(kb, entry.answer.get(lang), lang) for lang in LANGS] for entry in kb.entries.values()}
    if scopes is None:
        scopes = entry_scopes(kb, index)
    kb = replace(kb, index=index, scopes=MappingProxyType(dict(scopes)))
    return replace(kb, meaning=build_meaning(kb, index.synonyms, answers))


def scope_inputs(kb: KnowledgeBase) -> dict[str, tuple[list[int], bool, list[str]]]:
    """Per entry, what its scope takes from the facts besides its texts: the years its answer's
    facts describe (an undated figure stands for the years around its source's publication,
    never the publication year for dated ones), whether it states any figure, and the labels
    of its figures (what they measure: "sales" is a quantity it gives or not)."""
    found = {}
    for entry in kb.entries.values():
        used = facts_used(kb, entry.answer.en)
        years = {f.period.year for f in used if f.period and f.period.year}
        if any(f.period is None or not f.period.year for f in used):
            published = next(iter(kb.sources.values())).period.year
            years |= {published - 1, published}
        labels = [label for f in used if f.is_figure
                  for label in ((f.label.en, f.label.zh) if f.label else ()) + (f.about.get("measure", ""),)]
        found[entry.id] = (sorted(years), any(f.is_figure for f in used), labels)
    return found


def entry_scopes(kb: KnowledgeBase, index: Index) -> dict[str, Scope]:
    """What each entry speaks of: years, places and details (see scope.py)."""
    scopes = {}
    for entry_id, (years, has_figures, labels) in scope_inputs(kb).items():
        entry = kb.entries[entry_id]
        texts = index.normalised_documents[entry_id]
        # details ("airline", "fees") are what the entry's questions and answers speak of,
        # not what its keywords let people find it by: the documents as index_inputs lists
        # them are its questions, then its keywords (one text per language that has any),
        # then its answers, one per language
        questions = sum(len(entry.questions[lang]) for lang in LANGS)
        keywords = sum(1 for lang in LANGS if entry.keywords[lang])
        said = texts[:questions] + texts[questions + keywords:questions + keywords + len(LANGS)]
        scopes[entry_id] = entry_scope(texts, set(years), has_figures, kb.lexicon, said,
                                       [index.analyse(label).normalised for label in labels])
    return scopes


def load_knowledge(directory: Path | str) -> KnowledgeBase:
    """Read, check and index a knowledge directory; raise KnowledgeError on any error."""
    kb, problems = read_knowledge(directory)
    if kb is None:
        raise KnowledgeError([p for p in problems if p.severity == "error"])
    return build(kb)


# --- matching ---------------------------------------------------------------------------


def rank(kb: KnowledgeBase, question: str) -> Ranking:
    """The entries that may answer `question`, best first. A question of several clauses is
    also ranked by each clause, so that a preamble ("I'm at the fair and my boss asks ...")
    does not sink the score of the clause that asks; what it names (years, places) still counts."""
    question = (question or "")[:MAX_QUESTION_CHARS]
    whole = kb.built_index().rank(question)
    clauses = [c for c in _CLAUSE_BREAK.split(question) if c.strip()]
    if len(clauses) < 2:
        return whole
    asking = _asking_clause(kb, clean(question).lower())  # usually the last, after its preamble
    last = kb.built_index().rank(asking[1] if asking is not None else clauses[-1])
    if last.best is None or (whole.best is not None and whole.best.score >= last.best.score):
        return whole
    return Ranking(whole.analysis, last.candidates, whole.exact)


def match(kb: KnowledgeBase, question: str) -> Match:
    """Decide how to reply to `question`: answer an entry, offer choices, or decline."""
    return decide(kb, question or "", rank(kb, question))


NEGATION_LEAD = 6  # characters before a clause's "not" ("我问的不是 ...", "but not ...")
_ASIDE = re.compile(r"\([^()]*\)|（[^（）]*）")  # "(if you also have the number, great)"
# " - " as a dash; " and my boss asks ..." starts a clause of its own
_CLAUSE_BREAK = re.compile(r"[—–;:?!()（）。；：？！，]|\.(?=\s|$)|(?<!\d),|,(?!\d)|\s-+\s"
                           r"|\s(?:and|but|so)\s(?=(?:i|i'm|we|my|our|he|she|they|his|her|their)\s)", re.IGNORECASE)


def _corrected(analysis: Analysis) -> str:
    """The normalised text with the spelling-corrected words ("surplas" -> "surplus")."""
    corrected = iter(analysis.words)
    return " ".join(next(corrected, token) if token.isascii() else token for token in analysis.normalised.split())


def _asking_clause(kb: KnowledgeBase, cleaned: str) -> tuple[str, str] | None:
    """(normalised, cleaned) of the clause that asks, when the question has several. A
    preamble ("I run an import business in Oakland …") or an aside ("the amount would help
    too") must not decide what is asked: each clause scores for asking (a question word
    more than a yes/no form: "is that figure right?" refers back), for naming a measure and
    for naming a party; the best scoring one wins, the later on a tie."""
    without_asides = _ASIDE.sub(" ", cleaned)
    clauses = [c for c in _CLAUSE_BREAK.split(without_asides) if c.strip()]
    if len(clauses) < 2:  # "重庆进出口总额（不光是对美国的）2013年多少": the question without its aside
        return None if without_asides == cleaned or not clauses else (
            _corrected(kb.built_index().analyse(clauses[0])), clauses[0])
    lexicon = kb.lexicon
    read = [(_corrected(kb.built_index().analyse(clause)), clause) for clause in clauses]
    if _is_tag(lexicon, read[-1][0]) and any(ch.isdigit() for _, clause in read[:-1] for ch in YEAR.sub("", clause)):
        return None  # "Of the contracted investment, USD 318 million was used - correct?": the whole is asked
    read = [(n, c) for n, c in read if not any(start <= NEGATION_LEAD for start, _, _ in lexicon.negations.find(n))]

    def asking(normalised: str) -> int:
        if (lexicon.asks_for_figure(normalised) or lexicon.asks_for_date.search(normalised)
                or lexicon.asks_for_name.search(normalised) or lexicon.question_words.search(normalised)):
            return 2 if lexicon.says_more_than_fillers(normalised) else 1
        return 1 if lexicon.asks_yes_no(normalised) else 0

    def weight(normalised: str) -> int:
        return (asking(normalised) + bool(lexicon.measure_words.search(normalised))
                + bool(kb.built_meaning().party_phrases.search(normalised)))

    if not any(asking(n) for n, _ in read):
        return None  # "and the money actually used, per enterprise?": no clause asks, so the whole does
    scored = [(weight(n), position) for position, (n, _) in enumerate(read)]
    best = max(scored, default=None)
    if best is None or best[0] <= 0:
        return None
    start = best[1]
    if (start > 0 and lexicon.pronouns.search(read[start][0]) and not lexicon.measure_words.search(read[start][0])
            and not kb.built_meaning().party_phrases.search(read[start][0]) and not asking(read[start - 1][0])
            and lexicon.measure_words.search(read[start - 1][0])):
        start -= 1  # "CQ's investment in the US — how much is that in euros?": the clause before says what
    # the clauses after it that ask nothing qualify it: "how much of that was with the US, as a %?"
    end = best[1] + 1
    while end < len(read) and not (lexicon.question_words.search(read[end][0]) or lexicon.asks_yes_no(read[end][0])
                                   or YEAR.search(read[end][0])):  # "CQ GDP 2014? the 2013 one I have"
        end += 1
    return " ".join(n for n, _ in read[start:end]), " ".join(c for _, c in read[start:end])


def _is_tag(lexicon: Lexicon, normalised: str) -> bool:
    """"correct?", "right?", "对吗？": a clause that only asks whether what came before is true."""
    tag = mask(normalised, lexicon.yes_no.find(normalised))
    return tag != normalised and not lexicon.says_more_than_fillers(tag)


def read_asked(kb: KnowledgeBase, question: str, ranking: Ranking, figure_asked: bool = False) -> Asked:
    """What the question asks, read with the knowledge base's lexicon and parties: the
    whole question, with the parties and direction of its asking clause. `figure_asked`:
    a follow-up in a conversation that asks for a figure."""
    meaning = kb.built_meaning()
    cleaned = clean(question[:MAX_QUESTION_CHARS]).lower()

    def read(normalised: str, cleaned: str) -> Asked:
        return read_question(normalised, cleaned, ranking.analysis.years, kb.lexicon, meaning.party_names,
                             meaning.party_phrases, meaning.home, figure_asked)

    asked = read(_corrected(ranking.analysis), cleaned)
    clause = _asking_clause(kb, cleaned)
    if clause is None:
        return asked
    part = read(*clause)
    # What is asked comes from the asking clause; when, from the whole question ("In 2014,
    # how much ..."). Parties named only elsewhere count if the facts know them ("the US"),
    # not when they are the asker's own story ("I'm a teacher in Ohio").
    parties = part.parties or (frozenset() if part.all_partners else asked.parties & meaning.known_parties)
    if asked.excluding and not part.excluding:  # "Leaving the US out, how much foreign trade ...?"
        part = replace(part, excluding=True, op=part.op or asked.op)
        parties = parties | (asked.parties & meaning.known_parties)
    clause_years = tuple(int(y) for y in YEAR.findall(clause[0]))
    return replace(part, years=clause_years or asked.years, now=asked.now, as_of=asked.as_of,
                   yes_no=asked.yes_no or part.yes_no, claims=part.claims or asked.claims,
                   unit=part.unit or asked.unit, parties=parties, clause=clause[0], named=asked.named,
                   origin=part.origin if part.parties else None,
                   destination=part.destination if part.parties else None)


def decide(kb: KnowledgeBase, question: str, ranking: Ranking,
           threshold: float | None = None, margin: float | None = None) -> Match:
    """Turn a ranking into a reply decision; threshold and margin default to the
    knowledge base's settings (evaluation tries others on the same ranking)."""
    analysis = ranking.analysis
    common = MatchBasis(question=question, normalised=analysis.normalised, lang=analysis.lang,
                        candidates=ranking.candidates)
    small_talk = None if ranking.exact else _small_talk(kb, analysis)  # an FAQ question verbatim wins
    if small_talk is not None:
        return Match(status=DECLINED, entry_id=None, score=0.0, reason=small_talk, **common)
    best = ranking.best
    if best is None:
        return Match(status=DECLINED, entry_id=None, score=0.0,
                     reason="empty" if analysis.is_empty else "low-confidence", **common)
    threshold = float(kb.settings["threshold"] if threshold is None else threshold)
    margin = float(kb.settings["margin"] if margin is None else margin)
    asked = read_asked(kb, question, ranking)
    common["asked"] = asked
    if asked.specific and not asked.relative_year and best.score >= float(kb.settings["meaning_threshold"]):
        resolved = resolve_meaning(kb, asked, ranking, common, threshold, margin)
        if resolved is not None:
            return _without_reason(kb, resolved, asked)
    return _without_reason(kb, _decide_by_topic(kb, ranking, best, threshold, margin, common), asked)


def _without_reason(kb: KnowledgeBase, found: Match, asked: Asked) -> Match:
    """"Why does Chongqing run such a big surplus with the US?": the brief gives figures, not
    their reasons; the figure is named, the question declined (a wrong figure it states is
    still corrected)."""
    if found.status != ANSWERED or asked.claims or kb.meaning is None:
        return found
    if not kb.lexicon.refer_back["why"].search(asked.clause or found.normalised):
        return found
    fact = found.fact or next(iter(kb.meaning.entry_facts.get(found.entry_id or "", ())), None)
    if fact is None:
        return found  # an answer in words may give the reason ("to strengthen cooperation")
    return replace(found, status=DECLINED, entry_id=None, fact=fact, reason="no-reason", premise=None)


def _dated_events(kb: KnowledgeBase, entry_id: str) -> list[tuple[Period, frozenset[str]]]:
    """(period, parties) of the events an entry's answer dates (an office opened in May 2013;
    the brief itself, published in October 2014)."""
    answer = kb.entries[entry_id].answer.en
    events = [(f.period, frozenset(v for k, v in f.about.items() if k != "measure"))
              for f in facts_used(kb, answer) if f.text is not None and f.period is not None and f.period.year]
    if "{source.published}" in answer:
        events += [(source.period, frozenset[str]()) for source in kb.sources.values()][:1]
    return events


def _date_holds(period: Period, years: Collection[int], months: Collection[int]) -> bool:
    return period.year in years and (not months or period.kind != "month" or period.month in months)


def _decide_by_dates(kb: KnowledgeBase, ranking: Ranking, best: Candidate, threshold: float,
                     common: MatchBasis) -> Match | None:
    """"When was the Liangjiang New Area established?": the brief gives no date, so decline
    rather than answer with an undated statement. "Did the flights start in 2012?": answer,
    saying no, rather than decline the year."""
    asked = common["asked"]
    if best.score < threshold * GUARD_FLOOR:
        return None
    events = _dated_events(kb, best.entry_id)
    if asked.asks_more and not asked.specific:  # "which other offices does California have?"
        return Match(status=DECLINED, entry_id=None, score=best.score, reason="no-more",
                     options=(best.entry_id,), **common)
    others = asked.named - set(kb.settings["home_places"])
    if events and any(parties for _, parties in events) and others - {p for _, parties in events for p in parties}:
        events = []  # "when did California open its Shanghai office?": not the event the brief dates
    if asked.asks_day and all(period.kind in ("year", "month", "year-end") for period, _ in events):
        events = []  # "on what exact day?": the brief gives the month at most
    dated_figures = [f for f in facts_used(kb, kb.entries[best.entry_id].answer.en)
                     if f.is_figure and f.period is not None and f.period.year]  # "in 2013" answers "when"
    if asked.asks_date and not events and not dated_figures:
        return Match(status=DECLINED, entry_id=None, score=best.score, reason="no-date",
                     options=(best.entry_id,), **common)
    if (asked.yes_no and asked.years and events and not asked.specific
            and not others - kb.scopes[best.entry_id].places - _entities_named(kb, best.entry_id)):
        right = any(_date_holds(period, asked.years, asked.months) for period, _ in events)
        return Match(status=ANSWERED, entry_id=best.entry_id, score=best.score, premise=right, **common)
    return None


def _small_talk(kb: KnowledgeBase, analysis: Analysis) -> str | None:
    """"hi", "thanks!", "再见", "who are you?": which kind of small talk, if the message is only that."""
    lexicon = kb.lexicon
    text = analysis.normalised
    who = lexicon.smalltalk.get("who_are_you")
    for start, end, _ in (who.find(text)[:1] if who is not None else ()):
        rest = re.findall(r"[a-z]+|[^\x00-\x7f]", text[:start] + " " + text[end:])
        if all(w in lexicon.stopwords_en or w in lexicon.stopwords_zh for w in rest):
            return "who-are-you"
    if not analysis.is_greeting:
        return None
    for kind in ("goodbye", "thanks"):
        if kind in lexicon.smalltalk and lexicon.smalltalk[kind].search(text):
            return kind
    return "greeting"


def _decide_by_topic(kb: KnowledgeBase, ranking: Ranking, best: Candidate, threshold: float, margin: float,
                     common: MatchBasis) -> Match:
    """The decision when the question names no figure the facts describe: the best topic,
    guarded against other years, places and details."""
    analysis = ranking.analysis
    best = _naming_entry(kb, ranking, best, common["asked"])
    by_dates = _decide_by_dates(kb, ranking, best, threshold, common)
    if by_dates is not None:
        return by_dates
    # A guard explains a decline better than "low confidence" when the question is
    # plausibly about the best entry, even if not confidently.
    if kb.settings["guards"] and best.score >= threshold * GUARD_FLOOR:
        guard = out_of_scope(kb.scopes[best.entry_id], common["asked"].clause or analysis.normalised,
                             analysis.years, kb.settings["home_places"], kb.lexicon, _detail_kinds(kb, best.entry_id))
        if guard and guard.reason == "no-figure" and _counts_what_it_lists(kb, analysis.normalised, best):
            guard = None  # "how many cities have direct flights?": the list it gives counts them
        if guard:  # offered as a button: the closest question it can answer
            return Match(status=DECLINED, entry_id=None, score=best.score, reason=guard.reason,
                         detail=guard.asked, options=(best.entry_id,), **common)
    unnamed = _kind_unnamed(kb, common["asked"].clause or analysis.normalised, best)
    if unnamed is not None and best.score >= threshold * GUARD_FLOOR:
        return Match(status=DECLINED, entry_id=None, score=best.score, reason="other-detail",
                     detail=unnamed, options=(best.entry_id,), **common)
    if best.score < threshold * (GUARD_FLOOR if _names_entity_of(kb, common["asked"], best) else 1):
        return Match(status=DECLINED, entry_id=None, score=best.score, reason="low-confidence", **common)
    close = tuple(c for c in ranking.candidates
                  if c.score >= threshold and best.posterior - c.posterior < margin)
    if len(close) > 1:
        return Match(status=AMBIGUOUS, entry_id=None, score=best.score,
                     options=tuple(c.entry_id for c in close), **common)
    return Match(status=ANSWERED, entry_id=best.entry_id, score=best.score,
                 premise=_entry_premise(kb, common["asked"], best.entry_id), **common)


ENTITY_SIMILARITY = 0.5  # share of the best candidate's similarity an entry naming the entity needs


def _naming_entry(kb: KnowledgeBase, ranking: Ranking, best: Candidate, asked: Asked) -> Candidate:
    """"Does the US computer maker have a subsidiary there?": the question points at an
    entity, so an entry whose answer names it answers better than a closer topic that does
    not (US investment in general). Keeps the best candidate's score: the topic's confidence."""
    entries = kb.meaning.entity_entries if kb.meaning is not None else {}
    named = [entity for entity in asked.named if entity in entries]
    if not named or any(best.entry_id in entries[entity] for entity in named):
        return best
    naming = next((c for c in ranking.candidates[1:]
                   if all(c.entry_id in entries[entity] for entity in named)
                   and c.similarity >= best.similarity * ENTITY_SIMILARITY), None)
    return best if naming is None else replace(naming, score=best.score, posterior=best.posterior)


def _detail_kinds(kb: KnowledgeBase, entry_id: str) -> tuple[str, ...]:
    """The kinds of detail the guard checks: an answer that names a person answers "which
    leader …" ("people" is then not a detail it lacks)."""
    names_person = kb.meaning is not None and "person" in kb.meaning.kinds_named.get(entry_id, frozenset())
    return tuple(kind for kind in DETAIL_KINDS if not (names_person and kind == "people"))


def _kind_unnamed(kb: KnowledgeBase, normalised: str, candidate: Candidate) -> tuple[str, str] | None:
    """"Which companies provide the clean-energy technology?": what was asked for (en, zh),
    when it is a name of a kind the candidate's answer names nothing of (no company)."""
    if kb.meaning is None or not kb.entities:
        return None
    named = kb.meaning.kinds_named.get(candidate.entry_id, frozenset())
    for kind, phrases in kb.meaning.asks_for_kind.items():
        found = phrases.find(normalised)
        if found and kind not in named:
            return kb.lexicon.kind_said[kind]
    return None


def _counts_what_it_lists(kb: KnowledgeBase, normalised: str, candidate: Candidate) -> bool:
    """"How many US cities have direct flights?": a count of things of a kind the candidate's
    answer names (cities), which its list answers."""
    if kb.meaning is None:
        return False
    named = kb.meaning.kinds_named.get(candidate.entry_id, frozenset())
    return bool(kb.lexicon.kinds_counted(normalised) & named)


def _entities_named(kb: KnowledgeBase, entry_id: str) -> set[str]:
    entries = kb.meaning.entity_entries if kb.meaning is not None else {}
    return {entity for entity, named_by in entries.items() if entry_id in named_by}


def _names_entity_of(kb: KnowledgeBase, asked: Asked, candidate: Candidate) -> bool:
    """"Which Detroit automaker builds cars there?": the question points at an entity the
    entry's answer names, which says more than its words' overlap with the entry (unless it
    asks for a figure: "Ford's investment" is no statement about Ford)."""
    entries = kb.meaning.entity_entries if kb.meaning is not None else {}
    return not asked.measures and any(candidate.entry_id in entries.get(entity, ()) for entity in asked.named)


def _entry_premise(kb: KnowledgeBase, asked: Asked, entry_id: str) -> bool | None:
    """"Chongqing covers 824,000 km², right?": the number checked against the entry's figure."""
    if not asked.claims or kb.meaning is None:
        return None
    about = kb.meaning.entry_facts.get(entry_id) or _described_facts(kb, entry_id)
    chosen = _by_claim(kb, asked, about)
    return _premise(kb, asked, chosen) if chosen is not None else None


def ask(kb: KnowledgeBase, question: str, lang: str | None = None) -> Reply:
    """Match `question` and write the reply in `lang` (default: the question's language)."""
    return reply_to(kb, match(kb, question), lang)


# The engine's names, wherever they are defined (decision.py, bymeaning.py, replying.py): import them from here.
__all__ = ["AMBIGUOUS", "ANSWERED", "DECLINED", "GUARD_FLOOR", "MAX_QUESTION_CHARS", "SMALL_TALK", "Match",
           "MatchBasis", "Reply", "ask", "build", "decide", "entry_scopes", "index_inputs", "load_knowledge", "match",
           "rank", "read_asked", "reply_to", "resolve_meaning", "scope_inputs"]
