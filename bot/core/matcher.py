"""Which FAQ entry answers a question, how sure we are, and when to decline.

The model, chosen on CLINC150's validation split (see bench/):

* every entry is a bag of weighted features of its question variants and
  keywords (text.features: stemmed words, word pairs, character n-grams, Chinese
  character bigrams), weighted by how rare they are across entries (idf);
* a multinomial naive Bayes score says which entry's wording the question is
  most like; a cosine similarity with the entry's centroid says how much of the
  question that entry actually covers, so unknown topic words ("Chengdu",
  "weather") pull the similarity down while chat fillers are ignored;
* confidence = sqrt(posterior x similarity), 0-100.  Below the knowledge
  base's threshold the bot declines; when the runner-up's posterior is within
  the margin it asks "did you mean ...?" instead of guessing.

rapidfuzz corrects misspelt words against the knowledge base's own vocabulary
before any of this ("chongqnig" -> "chongqing").
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, process

from .text import Analysis, Synonyms, analyse, features, is_filler

SMOOTHING = 0.01  # naive Bayes additive smoothing (alpha)
SIMILARITY_WEIGHT = 2.0  # how much the centroid similarity adds to the ranking
SPELLING_CUTOFF = 84  # fuzz.ratio a misspelt word needs to be read as a known word
MIN_SPELLING_LENGTH = 6  # shorter words are too often other real words ("plant", "plan")


@dataclass(frozen=True)
class Candidate:
    entry_id: str
    score: float  # 0-100 confidence
    posterior: float  # share of the ranking probability, 0-1
    similarity: float = 0.0  # cosine with the entry's centroid, 0-1
    coverage: float = 0.0  # share of the question's topic words the entry knows, 0-1


@dataclass(frozen=True)
class Ranking:
    analysis: Analysis
    candidates: tuple[Candidate, ...]  # best first; empty when nothing is known

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None


COVERAGE_POWER = 0.5


def confidence(posterior: float, similarity: float, coverage: float) -> float:
    """0-100: how sure we are that this entry answers the question."""
    value = math.sqrt(posterior * max(similarity, 0.0)) * coverage ** COVERAGE_POWER
    return round(100 * value, 1)


LANG_SLOTS = {"en": 0, "zh": 1}


def _is_topic_word(feature: str) -> bool:
    """Words and Chinese character pairs that say what a question is about: not
    word pairs, character n-grams or single Chinese characters, which blur words
    together, and not fillers."""
    return (not feature.startswith("#") and " " not in feature and not _is_han_char(feature)
            and not is_filler(feature))


def _is_han_char(feature: str) -> bool:
    return len(feature) == 1 and not feature.isascii()


def _sublinear(count: float) -> float:
    return count if count <= 1 else 1 + math.log(count)


class Index:
    """Feature statistics of a set of entries, built once per knowledge base."""

    def __init__(self, documents: dict[str, list[tuple[str, float]]], synonyms: Synonyms, alternatives: int = 3):
        """`documents`: for each entry id, its texts (question variants, keywords,
        answers) each with the weight it carries in the entry's model."""
        self.synonyms = synonyms
        self.alternatives = alternatives
        self.entry_ids = list(documents)
        analysed = {entry_id: [(analyse(text, synonyms), weight) for text, weight in texts]
                    for entry_id, texts in documents.items()}
        self.vocabulary = sorted({word for items in analysed.values() for a, _ in items for word in a.words})
        self._known_words = frozenset(self.vocabulary)
        self._correct = lru_cache(maxsize=16384)(self._correct_uncached)
        per_entry = [[(features(a), weight, LANG_SLOTS[a.lang]) for a, weight in analysed[entry_id]]
                     for entry_id in self.entry_ids]
        self._build_weights(per_entry)
        self._build_models(per_entry)

    # --- building ------------------------------------------------------------------

    def _build_weights(self, per_entry) -> None:
        entry_frequency: Counter = Counter()
        for variants in per_entry:
            entry_frequency.update({feature for found, _, _ in variants for feature in found})
        count = len(per_entry)
        self.idf = {f: math.log((count + 1) / (df + 1)) + 1 for f, df in entry_frequency.items()}
        self.unknown_idf = math.log(count + 1) + 1

    def _vector(self, found: Counter) -> dict[str, float]:
        """Unit-length tf-idf vector. An unknown word gets the highest idf, so a
        question about something else scores low; unknown fillers and unknown
        word pairs (whose words already count on their own) are left out."""
        vector = {}
        for feature, count in found.items():
            idf = self.idf.get(feature)
            if idf is None:
                if is_filler(feature) or " " in feature:
                    continue
                idf = self.unknown_idf
            vector[feature] = _sublinear(count) * idf
        norm = math.sqrt(sum(w * w for w in vector.values())) or 1.0
        return {feature: w / norm for feature, w in vector.items()}

    def _build_models(self, per_entry) -> None:
        """Naive Bayes statistics per entry, and one centroid per entry and
        language: a Chinese question is compared with the Chinese wording only,
        so the English half of an entry does not dilute its similarity."""
        self.log_likelihood: dict[str, list[tuple[int, float]]] = defaultdict(list)
        self.centroid: dict[str, list[tuple[int, float]]] = defaultdict(list)  # slot = entry * 2 + language
        self.log_prior_unit = []
        for index, variants in enumerate(per_entry):
            mass: dict[str, float] = defaultdict(float)
            by_language: list[dict[str, float]] = [defaultdict(float), defaultdict(float)]
            for found, document_weight, language in variants:
                for feature, weight in self._vector(found).items():
                    mass[feature] += weight * document_weight
                    by_language[language][feature] += weight * document_weight
            total = sum(mass.values()) + SMOOTHING * len(self.idf)
            self.log_prior_unit.append(math.log(SMOOTHING / total))
            for feature, weight in mass.items():
                self.log_likelihood[feature].append((index, math.log(1 + weight / SMOOTHING)))
            for language, centroid in enumerate(by_language):
                norm = math.sqrt(sum(w * w for w in centroid.values())) or 1.0
                for feature, weight in centroid.items():
                    self.centroid[feature].append((index * 2 + language, weight / norm))

    # --- querying --------------------------------------------------------------------

    def _correct_uncached(self, word: str) -> str:
        if word in self._known_words or len(word) < MIN_SPELLING_LENGTH or not word.isalpha():
            return word
        found = process.extractOne(word, self.vocabulary, scorer=fuzz.ratio, score_cutoff=SPELLING_CUTOFF)
        return found[0] if found else word

    def analyse(self, question: str) -> Analysis:
        return analyse(question, self.synonyms, spelling=self._correct)

    def rank(self, question: str) -> Ranking:
        analysis = self.analyse(question)
        vector = self._vector(features(analysis))
        known = {f: w for f, w in vector.items() if f in self.idf}
        if not known:
            return Ranking(analysis, ())
        known_mass = sum(known.values())
        bayes = [prior * known_mass for prior in self.log_prior_unit]
        by_slot = [0.0] * (2 * len(self.entry_ids))
        # Coverage is judged on topic words; a question of function words only
        # ("what can I ask you", "你好") is judged on all of its words.
        topic_mass = sum(w * w for f, w in vector.items() if _is_topic_word(f))
        counts = _is_topic_word if topic_mass else (lambda feature: not feature.startswith("#"))
        counted_mass = topic_mass or sum(w * w for f, w in vector.items() if counts(f)) or 1.0
        covered = [0.0] * len(self.entry_ids)
        for feature, weight in known.items():
            counted = counts(feature)
            for index, log_likelihood in self.log_likelihood[feature]:
                bayes[index] += weight * log_likelihood
                if counted:
                    covered[index] += weight * weight
            for slot, centroid_weight in self.centroid[feature]:
                by_slot[slot] += weight * centroid_weight
        similarity = [max(by_slot[2 * i], by_slot[2 * i + 1]) for i in range(len(self.entry_ids))]
        coverage = [c / counted_mass for c in covered]
        return Ranking(analysis, self._candidates(bayes, similarity, coverage))

    def _candidates(self, bayes, similarity, coverage) -> tuple[Candidate, ...]:
        top = max(bayes)
        ranking = [b - top + SIMILARITY_WEIGHT * s for b, s in zip(bayes, similarity)]
        best = max(ranking)
        exps = [math.exp(r - best) for r in ranking]
        total = sum(exps)
        order = sorted(range(len(ranking)), key=ranking.__getitem__, reverse=True)[: self.alternatives + 1]
        return tuple(
            Candidate(self.entry_ids[i], confidence(exps[i] / total, similarity[i], coverage[i]),
                      exps[i] / total, similarity[i], coverage[i])
            for i in order
        )
