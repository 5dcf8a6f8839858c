"""The lexicon: what words mean, as data (lexicon.yaml), compiled for fast look-ups.

The engine's code names no city, fair or company: places, measures, directions, units and
the word lists the matcher uses come from `bot/core/lexicon.yaml`, which a knowledge
directory can extend with a lexicon.yaml of its own (lists are added, named items are added
or replaced). `Phrases` finds any of a list of words in normalised text, with positions.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property, lru_cache
from importlib import resources
from typing import Any

import yaml

HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HAN_ONLY = re.compile(f"[{HAN}]+")


_WORD_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")  # what an English phrase must not touch
# str.find or a regular expression: measured on the places (342 names, 1,805 characters), the
# regex takes 17 µs on 50 characters and 456 µs on 1,600, str.find 25 µs and 154 µs (big
# alternations are slow in Python's re), and compiling it takes 8.6 ms. So longer texts (an
# entry's texts, joined, when an index is built) are always searched with str.find, and a list
# compiles its regex only after about a thousand short texts (questions) have paid for it:
# COMPILE_AFTER str.find calls per character of its phrases. A question reads a few dozen lists.
SHORT_TEXT = 100
COMPILE_AFTER = 200


class Phrases:
    """Finds words and phrases (English or Chinese) in normalised text.

    English phrases match whole words; Chinese ones anywhere (Chinese has no spaces)."""

    def __init__(self, words: Iterable[object]) -> None:
        ordered = sorted({str(w).lower().strip() for w in words if str(w).strip()}, key=len, reverse=True)
        self.words = tuple(ordered)
        # the order the regex tries them in at a position: Chinese ones with English in them ("usa
        # 汽车 company", as synonyms write 美国汽车公司: it wins over "usa"), English ones longest
        # first, then Chinese ones
        self._mixed = tuple(w for w in self.words if _HAN_ONLY.search(w) and not _WORD_CHARS.isdisjoint(w))
        self._latin = tuple(w for w in self.words if not _HAN_ONLY.search(w))
        self._han = tuple(w for w in self.words if _HAN_ONLY.search(w) and w not in self._mixed)
        self._budget = COMPILE_AFTER * sum(map(len, self.words))  # str.find calls left before compiling

    @cached_property
    def pattern(self) -> re.Pattern[str] | None:
        """One regular expression for all the words, compiled once the phrases have been used
        often enough to repay it (see SHORT_TEXT): compiling the lexicon's hundred lists would be
        most of a warm load and of a first question, which uses each list once or twice."""
        parts = [(r"(?<![a-z0-9])" if w[0] in _WORD_CHARS else "") + re.escape(w)
                 + (r"(?![a-z0-9])" if w[-1] in _WORD_CHARS else "") for w in self._mixed]
        latin = [re.escape(w) for w in self._latin]
        if latin:
            parts.append(rf"(?<![a-z0-9])(?:{'|'.join(latin)})(?![a-z0-9])")
        parts += [re.escape(w) for w in self._han]
        return re.compile("|".join(parts)) if parts else None

    def _compiled(self, text: str) -> bool:
        """Whether to search `text` with the regex (compiling it if it is time)."""
        if len(text) > SHORT_TEXT:
            return False
        if "pattern" in self.__dict__:
            return True
        self._budget -= len(self.words)
        return self._budget < 0

    def find(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, phrase) of each match, left to right, not overlapping."""
        if not self.words:
            return []
        if self._compiled(text):
            return [(m.start(), m.end(), m.group()) for m in self.pattern.finditer(text)] if self.pattern else []
        found, end = [], 0
        chosen = self._chosen_at(text)
        for start in sorted(chosen):
            if start >= end:
                end = start + len(chosen[start])
                found.append((start, end, chosen[start]))
        return found

    def search(self, text: str) -> bool:
        if not self.words:
            return False
        if self._compiled(text):
            return self.pattern is not None and self.pattern.search(text) is not None
        return bool(self._chosen_at(text, first=True))

    def _chosen_at(self, text: str, first: bool = False) -> dict[int, str]:
        """What the regex would match at each position where it matches, found with str.find:
        the first phrase in its order of trying (English longest first, then Chinese) that
        occurs there, an English one only where no letter or digit touches it. The same
        matches as the regex, without compiling it. `first`: stop at the first one found."""
        chosen: dict[int, str] = {}
        for word in self._mixed + self._latin:
            start = text.find(word)
            while start >= 0:
                end = start + len(word)
                if start not in chosen and (start == 0 or text[start - 1] not in _WORD_CHARS
                                            or word[0] not in _WORD_CHARS) and (
                        end == len(text) or text[end] not in _WORD_CHARS or word[-1] not in _WORD_CHARS):
                    chosen[start] = word
                    if first:
                        return chosen
                start = text.find(word, start + 1)
        for word in self._han:
            start = text.find(word)
            while start >= 0:
                chosen.setdefault(start, word)
                if first:
                    return chosen
                start = text.find(word, start + 1)
        return chosen


def _words(value: Any) -> list[str]:
    """A word list as YAML gives it: a list, or one string of space-separated words."""
    if value is None:
        return []
    if isinstance(value, str):
        return value.split()
    return [str(v) for v in value]


def _bilingual(spec: Mapping[str, Any] | None) -> list[str]:
    spec = spec or {}
    return _words(spec.get("en")) + _words(spec.get("zh"))


@dataclass(frozen=True)
class Measure:
    id: str
    kind: str  # flow | stock | level
    directed: bool
    reverse: str | None
    broader: str | None
    part_of: str | None
    subject: str  # "origin" or "destination": what the party a question is about is, for directed flows
    average: bool  # the figure is itself an average (income per resident)
    counted: bool  # a common noun ("company"): names the measure only with "how many"
    words: Phrases
    hints: Phrases

    @property
    def family(self) -> str:
        """Exports and imports read the same flow from its two ends: one family."""
        return min(self.id, self.reverse) if self.reverse else self.id


@dataclass(frozen=True)
class Compound:
    id: str
    op: str  # share | per | difference
    measures: tuple[str, ...]
    words: Phrases
    negative: Phrases  # words that claim the figure is below zero ("deficit")


@dataclass(frozen=True)
class Place:
    id: str
    names: dict[str, tuple[str, ...]]  # lang -> tuple of names

    def name(self, lang: str) -> str:
        names = self.names.get(lang) or self.names.get("en") or (self.id,)
        if lang == "zh":
            return names[0]
        return names[0].upper() if len(names[0]) <= 3 else names[0].title()  # "USA", "Los Angeles"


_ASKERS_OWN = re.compile(r"(?:\b(?:my|our)\s+|我的?|我们的?)$")  # "my director wants to know ...": the asker's story


def _latin_words(value: object) -> set[str]:
    """Every Latin-script word written anywhere in a lexicon's data."""
    if isinstance(value, str):
        return set(re.findall(r"[a-z]+", value.lower()))
    if isinstance(value, dict):
        return {w for key, item in value.items() for w in _latin_words(key) | _latin_words(item)}
    if isinstance(value, list):
        return {w for item in value for w in _latin_words(item)}
    return set()


class Lexicon:
    """The compiled lexicon. Built once per knowledge base; immutable afterwards."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        # words the lexicon reads, which spelling correction must leave alone ("leaving" is not "leading")
        self.latin_words = frozenset(_latin_words(data))
        self.stopwords_en = frozenset(_words(data["stopwords"]["en"]))
        self.stopwords_zh = frozenset(_words(data["stopwords"]["zh"]))
        fillers = data.get("question_fillers") or {}
        self.fillers_en = self.stopwords_en | frozenset(_words(fillers.get("en")))
        self.fillers_zh = self.stopwords_zh | frozenset(_words(fillers.get("zh")))
        self.measures = {mid: Measure(mid, spec.get("kind", "level"), bool(spec.get("directed")),
                                      spec.get("reverse"), spec.get("broader"), spec.get("part_of"),
                                      spec.get("subject", "origin"), bool(spec.get("average")),
                                      bool(spec.get("counted")),
                                      Phrases(_bilingual(spec)), Phrases(_bilingual(spec.get("hints"))))
                         for mid, spec in data["measures"].items()}
        # one pass over every measure word, longest first: "进出口" is trade, not exports
        self.measure_of = {w.lower(): mid for mid, spec in data["measures"].items() for w in _bilingual(spec)}
        self.measure_words = Phrases(self.measure_of)
        self.hint_of = {w.lower(): mid for mid, spec in data["measures"].items() for w in _bilingual(spec.get("hints"))}
        self.hint_words = Phrases(self.hint_of)
        self.compounds = {cid: Compound(cid, spec["op"], tuple(spec["measures"]), Phrases(_bilingual(spec)),
                                        Phrases(_bilingual(spec.get("negative"))))
                          for cid, spec in data["compounds"].items()}
        self.negations = Phrases(_bilingual(data.get("negations")))
        self.operations: dict[str, Phrases] = {op: Phrases(_bilingual(spec)) for op, spec in data["operations"].items()}
        flows = data["flows"]
        self.flow_markers = {role: Phrases(_words(flows.get(role)) + _words(flows.get(f"zh_{role}")))
                             for role in ("to", "from", "with", "receive", "by")}
        self.not_markers = frozenset(_words(flows.get("zh_not_markers")))
        self.unit_names = {word.lower(): uid for uid, spec in data["units"].items() for word in _bilingual(spec)}
        self.unit_phrases = Phrases(self.unit_names)  # longest first: 美元 is USD, not 元
        self.scales = {word: int(spec["value"]) for spec in data["scales"].values() for word in _bilingual(spec)}
        self.comparators = {kind: Phrases(_bilingual(spec)) for kind, spec in data["comparators"].items()}
        self.now = Phrases(_bilingual(data["now"]))
        # (phrases, what to call it, whether only figure questions are about that year)
        self.relative_years = [(Phrases(_bilingual(item)), (item["say"]["en"], item["say"]["zh"]),
                                bool(item.get("figures_only")))
                               for item in data["relative_years"]]
        self.flow_period = Phrases(_bilingual(data["flow_period"]))
        self.cumulative = Phrases(_bilingual(data["cumulative"]))
        self.all_partners = Phrases(_bilingual(data["all_partners"]))
        self.beyond = Phrases(_bilingual(data.get("beyond")))
        self.share_of = Phrases(_bilingual(data.get("share_of")))
        self.not_measures = Phrases(_bilingual(data["not_measures"]))
        self.details = {kind: Phrases([w.replace("-", " ") for w in _bilingual(spec)])
                        for kind, spec in data["details"].items()}
        self._detail_said: dict[str, str] = {}  # a detail as synonyms rewrite it -> as the lexicon writes it
        self._asks_for_figure = Phrases(_bilingual(data["asks_for_figure"]))
        self.not_figure = Phrases(_bilingual(data.get("not_figure")))
        self.asks_for_name = Phrases(_bilingual(data.get("asks_for_name")))
        kinds = data.get("asks_for_kind") or {}
        self.asks_for_kind = {kind: Phrases(_bilingual(spec)) for kind, spec in kinds.items()}
        self.count_words = Phrases(_bilingual(data.get("count_words")))
        self._counted = {kind: Phrases(_bilingual(spec.get("counted"))) for kind, spec in kinds.items()}
        self.kind_said = {kind: ((spec.get("say") or {}).get("en", kind), (spec.get("say") or {}).get("zh", kind))
                          for kind, spec in kinds.items()}
        self.asks_for_date = Phrases(_bilingual(data.get("asks_for_date")))
        self.asks_for_day = Phrases(_bilingual(data.get("asks_for_day")))
        self.asks_for_more = Phrases(_bilingual(data.get("asks_for_more")))
        self.as_of = Phrases(_bilingual(data.get("as_of")))
        self.excluding = Phrases(_bilingual(data.get("excluding")))
        self.question_words = Phrases(_bilingual(data.get("question_words")))
        yes_no = data.get("asks_yes_no") or {}
        self.yes_no_start = frozenset(_words(yes_no.get("en_start")))
        self.yes_no = Phrases(_bilingual(yes_no))
        self.places = {pid: Place(pid, {lang: tuple(_words(spec.get(lang))) for lang in ("en", "zh")})
                       for pid, spec in data["places"].items()}
        self.place_of = {name.lower(): pid for pid, spec in data["places"].items() for name in _bilingual(spec)}
        self.place_within = {pid: spec["within"] for pid, spec in data["places"].items() if spec.get("within")}
        self.place_names = Phrases(self.place_of)  # one pass over a text finds every place
        # words that say how a figure is asked for, not which: what _leftover in meaning.py discounts
        self.explained = Phrases([w for key in ("asks_for_figure", "now", "as_of", "all_partners", "cumulative",
                                                "flow_period") for w in _bilingual(data.get(key))]
                                 + [w for section in ("operations", "comparators") for spec in data[section].values()
                                    for w in _bilingual(spec)])
        smalltalk = data.get("smalltalk") or {}
        self.smalltalk = {kind: Phrases(_bilingual(spec)) for kind, spec in smalltalk.items()}
        # follow-up questions (followup.py): what marks one, and what a refer-back asks about
        self.follow_up_markers_en = Phrases(_words((data.get("follow_up_markers") or {}).get("en")))
        self.follow_up_markers_zh = Phrases(_words((data.get("follow_up_markers") or {}).get("zh")))
        self.refer_back = {kind: Phrases(_bilingual(data.get(f"refer_back_{kind}")))
                           for kind in ("date", "source", "why")}
        self.refer_words = Phrases(_bilingual(data.get("refer_words")))
        self.reverse_words = Phrases(_bilingual(data.get("reverse_words")))
        self.sum_words = Phrases(_bilingual(data.get("sum_words")))
        self.pronouns = Phrases(_bilingual(data.get("pronouns")))
        self.year_before = Phrases(_bilingual(data.get("year_before")))
        self.year_after = Phrases(_bilingual(data.get("year_after")))

    def kinds_counted(self, normalised: str) -> set[str]:
        """The kinds of thing a question counts: "how many US cities …", "几家示范性合资企业"
        (a noun of the kind within a few words, or characters, of the count word)."""
        kinds = set()
        for _, end, _ in self.count_words.find(normalised):
            after = normalised[end:]
            window = " ".join(after.split()[:4]) if after[:1] == " " else after[:10]
            kinds |= {kind for kind, nouns in self._counted.items() if nouns.search(window)}
        return kinds

    def asks_for_figure(self, normalised: str) -> bool:
        """"How much", "多少", but not the ordinal "第几"."""
        for start, end, _ in self.not_figure.find(normalised):
            normalised = normalised[:start] + " " * (end - start) + normalised[end:]
        return self._asks_for_figure.search(normalised)

    def says_more_than_fillers(self, text: str, ignoring: Collection[str] = ()) -> bool:
        """Whether `text` has a word a question could be about, beyond fillers (and the words
        in `ignoring`): "could you help me?" has none."""
        words = [w for w in re.findall(r"[a-z]+", text)
                 if w not in self.fillers_en and w not in ignoring and len(w) > 2]
        han = [c for c in re.findall(f"[{HAN}]", text) if c not in self.fillers_zh]
        return bool(words) or len(han) > 1

    def asks_yes_no(self, normalised: str) -> bool:
        words = normalised.split()
        return bool(words and words[0] in self.yes_no_start) or self.yes_no.search(normalised)

    def places_in(self, normalised: str) -> set[str]:
        return {self.place_of[name] for _, _, name in self.place_names.find(normalised)}

    def contains(self, outer: str, inner: str) -> bool:
        """Whether `inner` lies in `outer` (Los Angeles in California in the USA)."""
        seen = set()
        while inner in self.place_within and inner not in seen:
            seen.add(inner)
            inner = self.place_within[inner]
            if inner == outer:
                return True
        return False

    def place_name(self, place_id: str, lang: str) -> str:
        place = self.places.get(place_id)
        return place.name(lang) if place else place_id

    def details_in(self, normalised: str, kinds: tuple[str, ...] = ("topics", "people", "times")) -> set[str]:
        return {self._detail_said.get(phrase, phrase) for kind in kinds if kind in self.details
                for start, _, phrase in self.details[kind].find(normalised)
                if not (kind == "people" and _ASKERS_OWN.search(normalised[:start]))}

    def reading_details_through(self, normalise: Callable[[str], str]) -> Lexicon:
        """This lexicon, also finding each detail as the matcher's synonyms rewrite it: details
        are looked for in normalised text, where "航空公司" reads "航空 company". A detail found
        in a rewritten form is named as the lexicon writes it."""
        read = copy.copy(self)
        read.details, read._detail_said = {}, dict(self._detail_said)
        for kind, phrases in self.details.items():
            forms = {normalise(word): word for word in phrases.words}
            read._detail_said.update({form: word for form, word in forms.items() if form != word})
            read.details[kind] = Phrases([*phrases.words, *forms])
        return read


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """A knowledge directory's lexicon.yaml over the default: mappings merge key by key
    (a named measure or place is added or replaced), lists and word strings are added."""
    merged = dict(base)
    for key, value in (extra or {}).items():
        old = merged.get(key)
        if isinstance(old, dict) and isinstance(value, dict) and key in ("measures", "compounds", "places", "units",
                                                                          "scales", "smalltalk", "chat_words"):
            merged[key] = {**old, **value}
        elif isinstance(old, dict) and isinstance(value, dict):
            merged[key] = {k: _words(old.get(k)) + _words(v) if k in ("en", "zh") or k.startswith("zh_")
                           or isinstance(old.get(k), (list, str)) else v for k, v in {**old, **value}.items()}
        elif isinstance(old, list) and isinstance(value, list):
            merged[key] = old + value
        else:
            merged[key] = value
    return merged


@lru_cache(maxsize=1)
def default_data() -> dict[str, Any]:
    text = resources.files("bot.core").joinpath("lexicon.yaml").read_text(encoding="utf-8")
    data: dict[str, Any] = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return data


def default_sections() -> frozenset[str]:
    """The sections a knowledge directory's lexicon.yaml may extend: those of the packaged one."""
    return frozenset(default_data())


def build_lexicon(extra: dict[str, Any] | None = None) -> Lexicon:
    return Lexicon(_merge(default_data(), extra or {}))


@lru_cache(maxsize=1)
def default_lexicon() -> Lexicon:
    return build_lexicon()
