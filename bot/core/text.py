"""Turning a message into something comparable: normalisation, language, features.

The same analysis runs on the FAQ's question variants and on users' questions,
so any rewrite here (synonyms, spelling, stemming) is symmetric by design.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

import opencc
import snowballstemmer

from .lexicon import _words, default_data

_TRADITIONAL_TO_SIMPLIFIED = opencc.OpenCC("t2s")
_STEMMER = snowballstemmer.stemmer("english")

HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HAN_RUN = re.compile(f"[{HAN}]+")
_LATIN_WORD = re.compile(r"[a-z0-9]+")
_LATIN_RUN = re.compile(r"[A-Za-z]+")
_NORMALISED_PART = re.compile(rf"[a-z0-9]+|[{HAN}]+")
_MENTION_OR_URL = re.compile(r"(?:https?://|www\.)\S+|(?<![\w@])@\w{3,32}", re.IGNORECASE)
_LEADING_COMMAND = re.compile(r"^\s*/[a-z0-9_]+(?:@\w+)?", re.IGNORECASE)
_POSSESSIVE = re.compile(r"(?<=[a-z])'s\b", re.IGNORECASE)
_BRITISH_ISE = re.compile(r"(?<=[a-z]{3})is(e|es|ed|ing|ation|ations)\b")  # utilise -> utilize
# "tell us", "help us": the pronoun, which the synonyms would otherwise read as the US.
_PRONOUN_US = re.compile(r"(?i:\b(tell|give|show|help|let|send|teach|join|contact|email|ask|remind|update)) us\b")
_HTML_TAG = re.compile(r"</?[A-Za-z][^<>]{0,200}>")  # pasted markup: <b>GDP</b>
_CONTROL = re.compile(r"[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]")

# The word lists are data: the package's lexicon.yaml (stopwords, chat_words, greetings).
_WORDS = default_data()
# Words that carry no topic: an unknown one is dropped, not held against a match.
STOPWORDS_EN = frozenset(_words(_WORDS["stopwords"]["en"]))
# Chinese function words and chat fillers (after traditional -> simplified), one character each.
STOPWORDS_ZH = frozenset(_words(_WORDS["stopwords"]["zh"]))
# Chat spellings, rewritten before anything else looks at the words.
CHAT_WORDS = {str(k): str(v) for k, v in _WORDS["chat_words"].items()}
_CHAT_WORD = re.compile(rf"(?<![a-z0-9])(?:{'|'.join(map(re.escape, CHAT_WORDS))})(?![a-z0-9])")
GREETINGS = frozenset(_words(_WORDS["greetings"]["en"]) + _words(_WORDS["greetings"]["zh"])
                      + [w for kind in ("thanks", "goodbye") for lang in ("en", "zh")
                         for w in _words(_WORDS["smalltalk"][kind][lang])])
_HAN_GREETINGS = sorted((g for g in GREETINGS if not g.isascii()), key=len, reverse=True)


@dataclass(frozen=True)
class Analysis:
    """What a message looks like to the matcher."""

    normalised: str  # after NFKC, simplified Chinese, lower case, synonyms
    lang: str  # "en" or "zh": the script most of the message is written in
    words: tuple[str, ...]  # Latin-script words, spelling-corrected, not stemmed
    han_runs: tuple[str, ...]  # runs of Chinese characters
    years: tuple[int, ...]  # four-digit years mentioned

    @property
    def is_empty(self) -> bool:
        return not self.words and not self.han_runs

    @property
    def is_greeting(self) -> bool:
        """Only greetings, thanks and fillers: "hi", "thanks!", "你好呀"."""
        found = False
        for word in self.words:
            if word in GREETINGS:
                found = True
            elif word not in STOPWORDS_EN:
                return False
        for run in self.han_runs:
            for greeting in _HAN_GREETINGS:
                found = found or greeting in run
                run = run.replace(greeting, "")
            if any(char not in STOPWORDS_ZH for char in run):
                return False
        return found


# Each rewrite below runs only on a text that holds what it needs to match (every character of
# _CONTROL is unprintable; a tag needs "<", and so on): the same result, and most texts need few
# of them (a fifth of analysing every text when an index is built).


def clean(text: str) -> str:
    """Unicode and markup clean-up every message gets before anything else."""
    text = unicodedata.normalize("NFKC", text or "")
    if not text.isprintable():
        text = _CONTROL.sub(" ", text)
    if "<" in text:
        text = _HTML_TAG.sub(" ", text)
    if "/" in text:
        text = _LEADING_COMMAND.sub(" ", text)
    if "@" in text or "://" in text or "www." in text.lower():
        text = _MENTION_OR_URL.sub(" ", text)
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    return str(_TRADITIONAL_TO_SIMPLIFIED.convert(text))  # str(): opencc has no type hints


def detect_language(text: str) -> str:
    """'zh' when Chinese characters make up a fair part of the letters, else 'en'."""
    han = sum(len(run) for run in _HAN_RUN.findall(text))
    if not han:
        return "en"
    latin = sum(len(word) for word in _LATIN_RUN.findall(text))
    return "zh" if han * 3 >= latin else "en"


# The characters Python's re.IGNORECASE matches to an ASCII letter other than its own upper and
# lower case (İ and ı to i, ſ to s, the Kelvin sign to k): where none is in a text, an ASCII
# alias matches it case-insensitively only if the text in lower case contains the alias in lower case.
_CASE_ODDITIES = re.compile("[\u0130\u0131\u017f\u212a]")


class Synonyms:
    """Rewrites aliases to one canonical word: 'America', 'the States', '美国' -> 'usa'.

    Aliases of one or two letters ('US', 'CA') match only in the case written,
    so that 'us' the pronoun and 'ca' are left alone unless listed lower-case.
    """

    def __init__(self, groups: Iterable[tuple[str, Iterable[str]]]):
        patterns = []
        for canonical, aliases in groups:
            for alias in sorted(aliases, key=len, reverse=True):
                patterns.append((alias, canonical))
        patterns.sort(key=lambda item: len(item[0]), reverse=True)
        self._rules = [(alias, f" {canonical.lower()} ", self._literal(alias)) for alias, canonical in patterns]
        self.rules = tuple(self._rules)  # equal rules rewrite every text alike (the matcher reuses analyses on it)
        # each alias's regex, compiled when a text first contains it: most never do in a
        # process that answers a few questions, and compiling them all was a fifth of a warm load
        self._patterns: dict[str, re.Pattern[str]] = {}

    def pattern(self, alias: str) -> re.Pattern[str]:
        found = self._patterns.get(alias)
        if found is None:
            found = self._patterns[alias] = self._compile(alias)
        return found

    @staticmethod
    def _compile(alias: str) -> re.Pattern[str]:
        escaped = re.escape(alias)
        if _HAN_RUN.fullmatch(alias):
            return re.compile(escaped)
        flags = 0 if len(re.sub(r"\W", "", alias)) <= 2 else re.IGNORECASE
        return re.compile(rf"(?<![A-Za-z0-9]){escaped}(?![A-Za-z0-9])", flags)

    @staticmethod
    def _literal(alias: str) -> tuple[str, bool] | None:
        """(what the text must contain, whether compared in lower case) for the alias to match,
        where a substring test tells it exactly; None where only the pattern can tell (a
        non-ASCII Latin alias, whose case-insensitive matches Python's re defines its own way)."""
        if _HAN_RUN.fullmatch(alias):
            return alias, False  # compiled without IGNORECASE
        if not alias.isascii():
            return None
        ignore_case = len(re.sub(r"\W", "", alias)) > 2
        return (alias.lower(), True) if ignore_case else (alias, False)

    def apply(self, text: str) -> str:
        # A substring test first: most texts name few of the aliases, and a failed test is
        # much cheaper than a regex substitution (the analysis of every FAQ text on a build
        # was mostly these). Exact: an alias absent from the text cannot match, and the
        # lower-case test is used only on text without the four characters that IGNORECASE
        # matches to an ASCII letter besides its own two cases (İ ı ſ K).
        lowered, plain = text.lower(), not _CASE_ODDITIES.search(text)
        for alias, replacement, literal in self._rules:
            if literal is not None:
                wanted, in_lower_case = literal
                if (plain or not in_lower_case) and wanted not in (lowered if in_lower_case else text):
                    continue
            changed = self.pattern(alias).sub(replacement, text)
            if changed != text:
                text, lowered, plain = changed, changed.lower(), not _CASE_ODDITIES.search(changed)
        return text


# "13年", "到14年底": a year written with two digits, in Chinese (not "连续10年", ten years)
_SHORT_YEAR = re.compile(r"(?<![\d.])(?<!连续)(?<!过去)(?<!最近)(?<!近)(1[0-9])(?=年(?!代|间|来|多|左右))")


def analyse(text: str, synonyms: Synonyms, spelling: Callable[[str], str] | None = None) -> Analysis:
    """Clean, detect the language, apply synonyms and split into words and Chinese runs."""
    cleaned = clean(text)
    lang = detect_language(cleaned)
    rewritten = _SHORT_YEAR.sub(r"20\1", cleaned) if "年" in cleaned else cleaned
    if "'" in rewritten:
        rewritten = _POSSESSIVE.sub("", rewritten)
    rewritten = rewritten.replace("%", " percent ")
    if " us" in rewritten:
        rewritten = _PRONOUN_US.sub(r"\1 we", rewritten)
    rewritten = synonyms.apply(rewritten).lower().replace("'", "")
    rewritten = _CHAT_WORD.sub(lambda m: CHAT_WORDS[m.group()], rewritten)
    if "isa" in rewritten or "ise" in rewritten or "isi" in rewritten:
        rewritten = _BRITISH_ISE.sub(r"iz\1", rewritten)
    words = tuple(_LATIN_WORD.findall(rewritten))
    if spelling is not None:
        words = tuple(spelling(word) for word in words)
    han_runs = tuple(_HAN_RUN.findall(rewritten))
    years = tuple(int(w) for w in words if len(w) == 4 and w.isdigit() and w[:2] in ("19", "20"))
    normalised = " ".join(_NORMALISED_PART.findall(rewritten))
    return Analysis(normalised, lang, words, han_runs, years)


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    return str(_STEMMER.stemWord(word))  # str(): snowballstemmer has no type hints


NGRAM_WEIGHT = 0.3  # a character n-gram counts less than a word


def features(analysis: Analysis) -> dict[str, float]:
    """Weighted features: stemmed words and word pairs, character n-grams of words
    (for typos and word forms), and Chinese character unigrams and bigrams, since
    Chinese is written without spaces."""
    found = word_features(analysis)
    for word in analysis.words:
        for gram in char_ngrams(word):
            found[gram] += NGRAM_WEIGHT
    return found


def word_features(analysis: Analysis) -> defaultdict[str, float]:
    """The features besides the character n-grams (which depend on each word alone, so
    the matcher's index computes them once per distinct word)."""
    found: defaultdict[str, float] = defaultdict(float)
    stems = [stem(word) for word in analysis.words]
    for feature in (*stems, *(f"{a} {b}" for a, b in pairwise(stems))):
        found[feature] += 1
    for run in analysis.han_runs:
        for char in run:
            found[char] += 0.5
        for i in range(len(run) - 1):
            found[run[i:i + 2]] += 1.0
    return found


@lru_cache(maxsize=65536)
def char_ngrams(word: str) -> tuple[str, ...]:
    """The word's character 3-, 4- and 5-grams, marked "#", with its start and end as < and >."""
    padded = f"<{word}>"
    return tuple("#" + padded[i:i + n] for n in (3, 4, 5) for i in range(len(padded) - n + 1))


_STOP_STEMS = frozenset(stem(word) for word in STOPWORDS_EN)
# Numbers in a question ("more than 30 million?", "三千多万") check a figure; they
# are not what the question is about. (Years are read separately, see Analysis.years.)
HAN_NUMERALS = frozenset("零一二三四五六七八九十百千万亿两半")


@lru_cache(maxsize=65536)
def is_filler(feature: str) -> bool:
    """Whether an unknown feature is a function word or chat filler rather than a topic.

    Unknown topic words ("Chengdu", "天气") count against a match; unknown fillers
    ("hey", "quick", "请问") are simply dropped.
    """
    if feature.startswith("#"):
        return False
    if _HAN_RUN.fullmatch(feature):
        return any(char in STOPWORDS_ZH for char in feature) or all(char in HAN_NUMERALS for char in feature)
    return any(part in _STOP_STEMS or part.isdigit() for part in feature.split(" "))
