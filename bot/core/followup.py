"""Follow-up questions: "and imports?", "what about California?", "那2013年呢？" read in context.

People in a chat do not repeat themselves. A message that reads as incomplete on its own is
completed from the meaning of the previous question of the same conversation (a `Turn`):

- it changes part of that meaning (the measure, a place, the year, per-unit or share, the
  currency): the parts it names replace the previous ones, the rest carry over, and the
  completed meaning is answered as a full question would be (`resolve_meaning`);
- it refers back to the last answer ("when was that?", "source?", "why?", "这个数据是哪年的？"):
  the reply is about that answer's figure.

A full question that names its own figure and parties starts a new conversation. The words
that mark a follow-up are data (lexicon.yaml: follow_up_markers, refer_back_*, refer_words,
reverse_words). Pure and synchronous like the rest of the core: where turns are kept, and
for how long, is the caller's business (the Telegram layer, `faqbot chat`, the playground).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

from .agreement import FLOW, STOCK, disagreements
from .engine import ANSWERED, DECLINED, Match, MatchBasis, Reply, decide, rank, read_asked, reply_to, resolve_meaning
from .knowledge import Fact, KnowledgeBase
from .lexicon import HAN, Phrases
from .matcher import Ranking
from .meaning import Asked, mask
from .render import Answer, fact_when, facts_used, figure_sentence, render_fact_answer, source_line
from .text import Analysis, clean

RANKING_CHARS = 400  # the words a completed meaning is ranked by: the last turns' text, this long at most
SMALL_TALK = ("greeting", "thanks", "goodbye", "who-are-you", "empty")


@dataclass(frozen=True)
class Turn:
    """What a conversation keeps of its last question: the meaning it was read (or completed)
    to, the figure or entry its reply gave, its words (to rank a completed meaning by) and
    its language. Plain data, so that it can be pickled into the state file."""

    asked: Asked | None
    text: str
    lang: str
    fact: str | None = None
    entry_id: str | None = None


# --- reading a message ---------------------------------------------------------------------


def _says_nothing_else(kb: KnowledgeBase, text: str) -> bool:
    """Whether only filler is left: no word a question would be about."""
    lexicon = kb.lexicon
    words = [w for w in re.findall(r"[a-z0-9]+", text) if w not in lexicon.fillers_en]
    han = [c for c in "".join(re.findall(f"[{HAN}]+", text)) if c not in lexicon.fillers_zh]
    return not words and not han


def refers_back(kb: KnowledgeBase, cleaned: str) -> str | None:
    """"date", "source" or "why" when the message only asks that about the last answer
    ("when was that?", "source?", "这个数据是哪年的？"); None for a question of its own
    ("when was the brief published?")."""
    lexicon = kb.lexicon
    for kind in ("source", "why", "date"):
        spans = lexicon.refer_back[kind].find(cleaned)
        if not spans:
            continue
        rest = mask(cleaned, spans)
        rest = mask(rest, lexicon.refer_words.find(rest))
        rest = mask(rest, lexicon.follow_up_markers_en.find(rest) + lexicon.follow_up_markers_zh.find(rest))
        if _says_nothing_else(kb, rest):
            return kind
    return None


def _asks_why_of_figure(kb: KnowledgeBase, previous: Turn, new: Asked, cleaned: str) -> bool:
    """"why so little vs the contracts?", "为什么跟合同额差这么多": a reason for the last
    figure, with more words than "why?"; the brief states figures, not their reasons."""
    named_else = _others(kb, new.parties) - _others(kb, previous.asked.parties if previous.asked else ())
    return previous.fact is not None and not named_else and bool(kb.lexicon.refer_back["why"].search(cleaned))


def is_marked(kb: KnowledgeBase, cleaned: str) -> bool:
    """"and imports?", "what about California?", "那进口呢？": words that continue the last question."""
    lexicon = kb.lexicon
    starts = [start for start, _, _ in lexicon.follow_up_markers_en.find(cleaned)]
    return bool(starts and starts[0] == 0) or lexicon.follow_up_markers_zh.search(cleaned)


def _others(kb: KnowledgeBase, parties: Iterable[str]) -> frozenset[str]:
    """The parties that are not the home place ("the US", "California", a company)."""
    return frozenset(parties) - set(kb.settings["home_places"])


def is_full_question(kb: KnowledgeBase, asked: Asked | None, fragment: bool = False) -> bool:
    """A question that stands alone and starts a new conversation: one that names its figure
    and what it is about ("How many US-funded firms are in Chongqing?"), or one about more
    than a figure ("When did California open its trade office?", "which industries ...?")."""
    if asked is None:
        return False
    if asked.leftover or asked.asks_date or asked.asks_name or asked.asks_more:
        return True
    whole = asked.all_partners and asked.op != "share"  # "share of total trade" asks for a part of it
    return asked.specific and not fragment and bool(_others(kb, asked.parties) or asked.years or whole)


def _fragment(kb: KnowledgeBase, normalised: str, asked: Asked) -> bool:
    """"as a share of trade with the US?", "US companies in CQ?": no question words, only the
    parts that change."""
    lexicon = kb.lexicon
    return not (lexicon.asks_for_figure(normalised) or asked.asks_date or asked.asks_name or asked.yes_no)


_END = "?？!！。.，, "


def _asks_as_written(kb: KnowledgeBase, entry_id: str | None, cleaned: str) -> bool:
    """Whether the message is one of the entry's questions word for word: a full question,
    even when short. Its keywords do not count: "per company?" is a keyword of an entry, and
    a follow-up after "How many US-funded firms?"."""
    entry = kb.entries.get(entry_id) if entry_id is not None else None
    if entry is None:
        return False
    asked = cleaned.strip(_END)
    return any(clean(q).lower().strip(_END) == asked for questions in entry.questions.values() for q in questions)


def _unmarked(kb: KnowledgeBase, cleaned: str) -> str:
    """The message without the follow-up words at its start ("and", "what about", "那", "换成")
    or its end ("呢")."""
    lexicon, text = kb.lexicon, cleaned.strip()
    for phrases in (lexicon.follow_up_markers_en, lexicon.follow_up_markers_zh):
        found = phrases.find(text)
        if found and found[0][0] == 0:
            text = text[found[0][1]:].strip()
    found = lexicon.follow_up_markers_zh.find(text.rstrip(_END))
    if found and found[-1][1] == len(text.rstrip(_END)):
        text = text[:found[-1][0]].strip()
    return text


# --- completing a meaning ------------------------------------------------------------------


def _measured_with(kb: KnowledgeBase, measures: frozenset[str], parties: frozenset[str]) -> bool:
    """Whether some fact of these measures involves these parties: "the US" carries over
    from exports to imports, not to GDP."""
    return any(d.measures & measures and parties <= d.parties for d in kb.built_meaning().described.values())


def _named_the_other_way(kb: KnowledgeBase, previous: Asked, new: Asked, said: str) -> bool:
    """"那重庆对美国呢" after "美国对重庆的出口", "美国在重庆呢？": both ends of the last flow
    named, with no measure, in the other order (the first named is where the flow starts)."""
    if new.measures or new.origin or new.destination or not (previous.origin and previous.destination):
        return False
    meaning = kb.built_meaning()
    order = list(dict.fromkeys(meaning.party_names[phrase] for _, _, phrase in meaning.party_phrases.find(said)))
    return order == [previous.destination, previous.origin]


def _ends(kb: KnowledgeBase, previous: Asked, new: Asked, reverse: bool,
          others: frozenset[str], said: str = "") -> tuple[str | None, str | None]:
    """(origin, destination) of the completed meaning."""
    if reverse or _named_the_other_way(kb, previous, new, said):
        return previous.destination, previous.origin
    old_other = next(iter(_others(kb, previous.parties)), None)
    if new.origin or new.destination:  # "and imports?": its own direction, the other end carried
        origin, destination = new.origin, new.destination
        carried = next(iter(others), None) if others else old_other
        if origin is None and destination != carried:
            origin = carried
        elif destination is None and origin != carried:
            destination = carried
        return origin, destination
    if others:  # "what about California?": the new place takes the old one's end
        swap: dict[str | None, str] = {old_other: next(iter(others))} if old_other else {}
        return swap.get(previous.origin, previous.origin), swap.get(previous.destination, previous.destination)
    return previous.origin, previous.destination


def _whole_flows(kb: KnowledgeBase, previous: Asked) -> set[str]:
    """The flows the last question's directed measures are one direction of (exports: trade)."""
    specs = kb.lexicon.measures
    return {specs[m].part_of for m in previous.named_measures  # type: ignore[misc]
            if m in specs and specs[m].reverse and specs[m].part_of in specs}


def _sums(kb: KnowledgeBase, previous: Asked, text: str) -> bool:
    """"both ways together?", "加起来呢": the sum of the last flow's two directions."""
    return previous.op is None and bool(_whole_flows(kb, previous)) and bool(kb.lexicon.sum_words.search(text))


def _without_directions(kb: KnowledgeBase, named: frozenset[str], families: frozenset[str]) -> frozenset[str]:
    """The measures named, less the directed ones of these families (the follow-up names the
    other direction: "imports" replaces "exports")."""
    specs = kb.lexicon.measures
    return frozenset(m for m in named if m not in specs or not specs[m].directed or specs[m].family not in families)


def _names_own_figure(kb: KnowledgeBase, new: Asked) -> bool:
    """An operation with a measure of its own, not only a divisor: "人均GDP呢" (GDP per
    person), "and the money actually used, per enterprise?", "and the surplus?"; unlike
    "per company?", which divides the last figure."""
    specs = kb.lexicon.measures
    if new.op == "difference":
        return len(new.named_measures) > 1
    return new.op == "per" and any(m in specs and not specs[m].counted for m in new.named_measures)


def _measures(kb: KnowledgeBase, previous: Asked, new: Asked,
              new_text: str = "") -> tuple[frozenset[str], frozenset[str], str | None]:
    """(measure families, measures as named, operation) of the completed meaning."""
    if new.op and _names_own_figure(kb, new):  # "人均GDP呢", "and the surplus?": a figure of its own
        return new.measures, new.named_measures, new.op
    if new.op:  # "per company?", "as a share of total trade?": an operation on the same figure
        # "and imports that year as a share of …" after exports: imports replace exports
        specs = kb.lexicon.measures
        families = frozenset(specs[m].family for m in new.named_measures if m in specs and specs[m].directed)
        return (previous.measures | new.measures, _without_directions(kb, previous.named_measures, families)
                | new.named_measures, new.op)
    if _sums(kb, previous, new_text):  # "both ways together?": the whole flow
        whole = frozenset(_whole_flows(kb, previous))
        return frozenset(kb.lexicon.measures[w].family for w in whole), whole, None
    if not new.measures or new.weak:  # "in 2012?", "what about California?": the same figure
        return previous.measures, previous.named_measures, previous.op
    if previous.op in ("share", "difference") and new.measures <= previous.measures:
        # "and imports?" after the exports' share of US trade: the imports' share
        kept = _without_directions(kb, previous.named_measures, new.measures)
        return previous.measures, kept | new.named_measures, previous.op
    return new.measures, new.named_measures, None  # "and population?" after GDP per person: not "per"


def _year_shift(kb: KnowledgeBase, text: str) -> int:
    """-1 for "the year before", "前一年"; +1 for "the year after"; else 0."""
    lexicon = kb.lexicon
    longer = [(start, end) for phrases, _, _ in lexicon.relative_years for start, end, _ in phrases.find(text)]

    def said(phrases: Phrases) -> bool:  # not as part of "the year before last" (relative to today)
        return any(not any(a <= start and end <= b and b - a > end - start for a, b in longer)
                   for start, end, _ in phrases.find(text))

    return -1 if said(lexicon.year_before) else 1 if said(lexicon.year_after) else 0


def complete(kb: KnowledgeBase, previous: Asked, new: Asked, *, reverse: bool = False,
             carry_years: bool = True, text: str = "", normalised: str | None = None,
             answered_years: tuple[int, ...] = ()) -> Asked:
    """The previous meaning with the parts the follow-up names replaced; `text`: the
    follow-up's words, cleaned ("both ways together?", "the year before?"); `normalised`: the
    same as the matcher normalises them, when the caller has it already; `answered_years`: the
    year of the figure the last answer gave, which "the year before" counts from when the last
    question named none."""
    measures, named, op = _measures(kb, previous, new, text)
    others = _others(kb, new.parties)
    if others:
        parties = (previous.parties - _others(kb, previous.parties)) | new.parties
    else:
        carried = _others(kb, previous.parties)
        # "how big is it?" after "What is the Liangjiang New Area?": the pronoun keeps the subject
        pointed = bool(not previous.measures and not new.parties and kb.lexicon.pronouns.search(text))
        keep = carried if carried and (pointed or _measured_with(kb, measures, carried)) else frozenset()
        parties = (previous.parties - carried) | keep | new.parties
    all_partners = new.all_partners or (previous.all_partners and not others)
    if _sums(kb, previous, text):  # "加起来一共多少": both directions of the flow, not all partners
        all_partners, new = False, replace(new, total_words=False, origin=None, destination=None)
    elif kb.lexicon.sum_words.search(text) and _others(kb, previous.parties) and not others:
        all_partners, new = False, replace(new, total_words=False)  # "他们一共投了多少钱": in all, same partner
    if new.op == "share" and new.all_partners and _others(kb, parties):
        all_partners = False  # "what share of total trade is that?": the whole is all trade, the part the US's
    if normalised is None:
        normalised = kb.built_index().analyse(text).normalised if text else ""
    origin, destination = _ends(kb, previous, new, reverse, others, normalised)
    if not others and not (_others(kb, previous.parties) & parties):
        origin = destination = None  # "GDP?" after US exports: the flow's ends do not carry to it
    last_years = previous.years or answered_years
    shift = _year_shift(kb, text) if last_years else 0
    if shift:  # "what about the year before?": relative to the last question's year, not to today
        new = replace(new, years=tuple(year + shift for year in last_years), relative_year=None)
    years = new.years or (previous.years if carry_years else ())
    keep_period = not new.years and carry_years
    return replace(
        previous, measures=measures, named_measures=named, op=op,
        origin=origin, destination=destination, parties=parties, named=parties,
        all_partners=all_partners,
        total_words=new.total_words or (previous.total_words and not others),
        years=years, relative_year=new.relative_year, now=new.now or (previous.now and keep_period),
        flow_period=new.flow_period or (previous.flow_period and keep_period),
        cumulative=new.cumulative or (previous.cumulative and keep_period),
        as_of=new.as_of or (previous.as_of and keep_period), unit=new.unit or previous.unit,
        claims=new.claims, yes_no=new.yes_no, excluding=new.excluding,
        asks_figure=previous.asks_figure or new.asks_figure, explicit=previous.explicit or new.explicit,
        weak=previous.weak if not (new.measures and not new.weak) else False,
        details=previous.details | new.details, months=new.months, asks_date=False, asks_day=new.asks_day,
        asks_more=new.asks_more, clause="", first_measure=new.first_measure or previous.first_measure)


def _resolve(kb: KnowledgeBase, asked: Asked, question: str, ranking_text: str,
             said: Analysis | None = None) -> Match | None:
    """The decision on a completed meaning; `said`: the follow-up's own words, analysed."""
    ranking = rank(kb, ranking_text)
    if ranking.best is None:
        return None
    common = MatchBasis(question=question, normalised=ranking.analysis.normalised, lang=ranking.analysis.lang,
                        candidates=ranking.candidates, asked=asked)
    if asked.relative_year:  # "去年呢？": a year relative to today, which the brief cannot place
        return Match(status=DECLINED, entry_id=None, score=ranking.best.score, reason="other-year",
                     detail=asked.relative_year, **common)
    # the meaning is complete, and the ranking is of several messages' words: no "did you mean"
    found = resolve_meaning(kb, asked, ranking, common, float(kb.settings["threshold"]), margin=0.0)
    if found is None and asked.asks_name and said is not None:
        # "and LA's government?" after "Which fair did Sacramento's government attend?": no
        # figure to check, so the topic of both messages decides, as for a subjectless question
        found = _on_topic(kb, question, said, ranking)
    return found


def _subjectless(new: Asked) -> bool:
    """"when did it open?", "啥时候成立的", "那是个什么会": a question that names nothing it is about."""
    return bool(new.asks_date or new.asks_name or new.asks_more) and not new.parties and (
        not new.measures or new.weak)


def _about_last_topic(kb: KnowledgeBase, question: str, reading: Ranking, previous: Turn) -> Match:
    """A subjectless question is about the last one's topic."""
    return _on_topic(kb, question, reading.analysis, rank(kb, f"{previous.text} {question}"[-RANKING_CHARS:]))


def _on_topic(kb: KnowledgeBase, question: str, said: Analysis, combined: Ranking) -> Match:
    """The decision by topic on a message read in context: the entries as both messages'
    words rank them (`combined`); what is asked, and the scope guards, are the message's own
    (`said`: its words, analysed)."""
    return replace(decide(kb, question, Ranking(said, combined.candidates, frozenset())), question=question)


def _completed_match(kb: KnowledgeBase, previous: Turn, new: Asked, question: str, reverse: bool,
                     said: Analysis | None = None) -> tuple[Match, Asked] | None:
    """The decision on the completed meaning; a year carried over that the new measure has
    no figure for is dropped ("how many US firms?" after "exports in 2013?": the running total)."""
    if previous.asked is None:  # a first question: nothing to complete
        return None
    text = f"{previous.text} {question}"[-RANKING_CHARS:]
    words, normalised = clean(question).lower(), said.normalised if said is not None else ""
    answered = _referred_fact(kb, previous) if previous.fact or previous.entry_id else None
    years = (answered.period.year,) if answered and answered.period and answered.period.year else ()
    asked = complete(kb, previous.asked, new, reverse=reverse, text=words, normalised=normalised,
                     answered_years=years)
    found = _resolve(kb, asked, question, text, said)
    if (found is not None and found.status == DECLINED and not new.years and previous.asked.years
            and found.disagreement is not None and found.disagreement.kind in (STOCK, FLOW)):
        asked = complete(kb, previous.asked, new, reverse=reverse, carry_years=False, text=words,
                         normalised=normalised, answered_years=years)
        found = _resolve(kb, asked, question, text, said)
    return (found, asked) if found is not None else None


# --- replying ----------------------------------------------------------------------------


def _language(question: str, found: Match, previous: Turn) -> str:
    """The message's language; "2012?" has none, so the conversation's."""
    return found.lang if re.search(f"[a-zA-Z{HAN}]", question) else previous.lang


def _understood_reply(kb: KnowledgeBase, found: Match, lang: str) -> Reply:
    """A completed meaning's answer, written from its figure: "Imports from the US in 2013:
    USD 1.58 billion." says what the follow-up was taken to mean."""
    if found.status != ANSWERED or found.fact is None:
        return reply_to(kb, found, lang)
    meaning = kb.built_meaning()
    related = meaning.home_entry.get(found.fact) or (found.candidates[0].entry_id if found.candidates else None)
    answer = render_fact_answer(kb, meaning.fact(kb, found.fact), lang, related)
    found = replace(found, entry_id=None)  # written from the figure, not the entry's answer (not merged with it)
    if found.premise is not None:
        verdict = kb.message("premise_right" if found.premise else "premise_wrong", lang)
        answer = replace(answer, body=f"{verdict} {answer.body}")
    return Reply(found, lang, answer.plain, answer=answer)


def _referred_fact(kb: KnowledgeBase, previous: Turn) -> Fact | None:
    """The figure (or dated statement) the last answer gave."""
    if previous.fact is not None:
        return kb.meaning.fact(kb, previous.fact) if kb.meaning else kb.facts.get(previous.fact)
    entry = kb.entries.get(previous.entry_id) if previous.entry_id is not None else None
    if entry is not None:
        used = facts_used(kb, entry.answer.en)
        return next((f for f in used if _agrees(kb, previous.asked, f.id)), None) or next(
            (f for f in used if f.is_figure), None) or next((f for f in used if f.period), None)
    return None


def _agrees(kb: KnowledgeBase, asked: Asked | None, fact_id: str) -> bool:
    """Whether a figure of the last answer is the one its question asked for (an answer may
    state several: "535 enterprises, USD 1,753 million contracted, of which ...")."""
    if asked is None or not asked.measures or kb.meaning is None or fact_id not in kb.meaning.described:
        return False
    return not disagreements(asked, kb.meaning.described[fact_id], kb.lexicon, kb.settings["home_places"],
                             kb.meaning.published)


def _refer_back_reply(kb: KnowledgeBase, previous: Turn, kind: str, question: str, found: Match,
                      lang: str) -> Reply:
    """"When was that?", "source?", "why?": about the last answer's figure."""
    fact = _referred_fact(kb, previous) if (previous.fact or previous.entry_id) else None
    common = MatchBasis(question=question, normalised=found.normalised, lang=lang, candidates=found.candidates)
    if previous.asked is not None:
        common["asked"] = previous.asked
    if fact is None:
        declined = Match(status=DECLINED, entry_id=None, score=0.0, reason=f"refer-back-{kind}", **common)
        return Reply(declined, lang, kb.message("follow_up_nothing", lang))
    entry = kb.entries.get(previous.entry_id) if previous.entry_id is not None else None
    title = entry.title(lang) if entry is not None else fact.id
    figure = figure_sentence(kb, fact, lang) if fact.is_figure else f"“{title}”"
    if kind == "why":  # the brief states figures, not their reasons
        declined = Match(status=DECLINED, entry_id=None, score=0.0, reason="refer-back-why", **common)
        return Reply(declined, lang, kb.message("follow_up_why", lang, figure=figure))
    if kind == "date":
        when = fact_when(fact, lang) or kb.message("follow_up_undated", lang)
        body = kb.message("follow_up_date", lang, figure=figure, when=when)
    else:
        body = kb.message("follow_up_source", lang, figure=figure)
    answered = Match(status=ANSWERED, entry_id=None, score=100.0, fact=fact.id, **common)  # about the answer
    answer = Answer(entry_id=previous.entry_id or "", lang=lang, title=body, body=body, derived=(),
                    source=source_line(kb, [fact.source], lang), related=())
    return Reply(answered, lang, answer.plain, answer=answer)


def turn_after(reply: Reply, text: str, asked: Asked | None = None) -> Turn:
    """What the conversation keeps after `reply`."""
    found = reply.match
    answered = found.status == ANSWERED  # a decline's figure is only the closest: not one to refer back to
    return Turn(asked=asked or found.asked, text=text[-RANKING_CHARS:], lang=reply.lang,
                fact=found.fact if answered else None, entry_id=found.entry_id if answered else None)


def ask_in_context(kb: KnowledgeBase, question: str, previous: Turn | None,
                   lang: str | None = None) -> tuple[Reply, Turn | None]:
    """Answer `question` as the next message after `previous` (None: a conversation's first),
    and return what the conversation keeps next."""
    ranking = rank(kb, question)
    found = decide(kb, question or "", ranking)
    if found.reason in SMALL_TALK:  # "thanks!": answered as such; the conversation goes on
        return reply_to(kb, found, lang), previous
    if previous is None or previous.asked is None:
        reply = reply_to(kb, found, lang)
        return reply, turn_after(reply, question)
    cleaned = clean(question or "").lower()
    lang = lang or _language(question, found, previous)
    verbatim = found.status == ANSWERED and _asks_as_written(kb, found.entry_id, cleaned)
    kind = None if verbatim else refers_back(kb, cleaned)  # "what is your source": an FAQ question as written
    if kind is not None:
        return _refer_back_reply(kb, previous, kind, question, found, lang), previous
    new = found.asked or read_asked(kb, question, ranking)  # "contracted?" alone finds no entry, yet names a measure
    if _asks_why_of_figure(kb, previous, new, cleaned):
        return _refer_back_reply(kb, previous, "why", question, found, lang), previous
    reading = ranking
    marked = is_marked(kb, cleaned)
    unmarked = _unmarked(kb, cleaned) if marked else cleaned
    if unmarked and unmarked != cleaned:  # "换成2014年呢": what it says, without the words that make it a follow-up
        reading = rank(kb, unmarked)
        new = read_asked(kb, unmarked, reading)
    if previous.asked.asks_figure and not new.asks_figure and _fragment(kb, reading.analysis.normalised, new):
        new = read_asked(kb, unmarked or cleaned, reading, figure_asked=True)  # "and US companies in CQ?": a count
    reverse = kb.lexicon.reverse_words.search(cleaned)
    full = is_full_question(kb, new, _fragment(kb, reading.analysis.normalised, new)) or verbatim
    # "and LA's government?": a marked message with words the reading leaves over still
    # continues, unless it asks a question of its own ("and when was the brief published?")
    asks_other = bool(new.asks_name or new.asks_date or new.asks_more)
    own_question = asks_other or (new.leftover and bool(new.measures) and not new.weak)
    # "how big is it?", "他们一共投了多少钱": a pronoun points at the last question's subject
    pointed = bool(not new.parties and previous.asked.parties and kb.lexicon.pronouns.search(cleaned))
    summing = _sums(kb, previous.asked, cleaned)  # "加起来一共多少"
    continues = not verbatim and (reverse or summing or not full or marked and not own_question
                                  or pointed and not asks_other)
    # a marked message the bot cannot answer alone may still be answered in context
    rescue = marked and found.status != ANSWERED and not verbatim
    if (continues or rescue) and (previous.asked.measures or pointed and new.measures) and kb.meaning:
        completed = _completed_match(kb, previous, new, question, reverse, reading.analysis)
        if completed is not None and (completed[0].status == ANSWERED if not continues else (
                marked or reverse or pointed or not new.specific
                or completed[0].status == ANSWERED or found.status != ANSWERED)):
            completed_match, asked = completed
            reply = _understood_reply(kb, completed_match, lang)
            return reply, turn_after(reply, f"{previous.text} {question}", asked)
    if _subjectless(new) and not verbatim and (found.status != ANSWERED or kb.lexicon.pronouns.search(cleaned)):
        topical = _about_last_topic(kb, question, reading, previous)
        if topical.status == ANSWERED:
            reply = reply_to(kb, topical, lang)
            return reply, turn_after(reply, f"{previous.text} {question}")
    reply = reply_to(kb, found, lang)
    if found.status == DECLINED and not new.measures and not new.parties:
        return reply, previous  # not understood at all: the conversation is still about the last question
    return reply, turn_after(reply, question)


def ask_after(kb: KnowledgeBase, question: str, context: list[str] | tuple[str, ...] = (),
              lang: str | None = None) -> Reply:
    """`faqbot ask --context Q1 --context Q2 "FOLLOW-UP"`: the previous questions, oldest
    first, asked in turn, then the follow-up."""
    turn = None
    for earlier in context:
        _, turn = ask_in_context(kb, earlier, turn)
    reply, _ = ask_in_context(kb, question, turn, lang)
    return reply
