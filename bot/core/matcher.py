"""Which FAQ entry answers a question, and how sure we are.

The model, chosen on CLINC150's and the team's validation questions (see bench/):

* every entry is a bag of weighted features of its question variants, keywords
  and answers (text.features: stemmed words, word pairs, character n-grams,
  Chinese character unigrams and bigrams), weighted by how rare they are across
  entries (idf);
* entries are ranked by a multinomial naive Bayes score, plus an averaged
  perceptron trained on the entries' own wording (it learns the words that
  tell close entries apart), plus the cosine similarity with the entry's
  centroid in the question's language, plus a bonus when the question is one of
  the entry's questions or keywords word for word;
* confidence (0-100) = sqrt(posterior x similarity) x sqrt(coverage), where
  coverage is the share of the question's topic words the entry knows: unknown
  topic words ("Chengdu", "weather") pull it down, chat fillers do not.

What to do with a ranking (answer, "did you mean", decline) is engine.decide's.
rapidfuzz corrects misspelt words against the knowledge base's own vocabulary
before any of this ("chongqnig" -> "chongqing").
"""

from __future__ import annotations

import math
import random
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, process

from .text import STOPWORDS_EN, STOPWORDS_ZH, Analysis, Synonyms, analyse, features, is_filler, stem

SMOOTHING = 0.01  # naive Bayes additive smoothing (alpha)
SIMILARITY_WEIGHT = 2.0  # how much the centroid similarity adds to the ranking
DISCRIMINATIVE_WEIGHT = 5.0  # how much the perceptron's scores add to the ranking
PERCEPTRON_EPOCHS = 4
EXACT_BONUS = 8.0  # log-odds added to an entry whose question or keyword was asked word for word
PERCEPTRON_MARGIN = 0.5
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
    exact: frozenset[str] = frozenset()  # entries one of whose questions or keywords is the question, verbatim

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None


COVERAGE_POWER = 0.5


def confidence(posterior: float, similarity: float, coverage: float) -> float:
    """0-100: how sure we are that this entry answers the question."""
    value = math.sqrt(posterior * max(similarity, 0.0)) * coverage ** COVERAGE_POWER
    return round(100 * value, 1)


LANG_SLOTS = {"en": 0, "zh": 1}


def _exact_key(analysis: Analysis) -> tuple:
    """A question's content words in order: fillers and function words dropped,
    words stemmed, so "the exports?" and "exports" are the same phrase."""
    words = tuple(stem(w) for w in analysis.words if w not in STOPWORDS_EN)
    runs = tuple("".join(c for c in run if c not in STOPWORDS_ZH) for run in analysis.han_runs)
    return words, tuple(run for run in runs if run)


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

    def __init__(self, documents: dict[str, list[tuple[str, float]]], synonyms: Synonyms, alternatives: int = 3,
                 exact: dict[str, list[str]] | None = None):
        """`documents`: for each entry id, its texts (question variants, keywords,
        answers) each with the weight it carries in the entry's model.
        `exact`: for each entry id, phrases (its questions, its keywords) that,
        asked as they are, point to it ("exports" -> the exports entry, even if
        another entry says "exports" more often)."""
        self.synonyms = synonyms
        self.alternatives = alternatives
        self.entry_ids = list(documents)
        memo: dict[str, Analysis] = {}  # a question is often also a keyword or an exact phrase

        def analysed_once(text: str) -> Analysis:
            if text not in memo:
                memo[text] = analyse(text, synonyms)
            return memo[text]

        analysed = {entry_id: [(analysed_once(text), weight) for text, weight in texts]
                    for entry_id, texts in documents.items()}
        # the documents as normalised text, for the engine's scope guards
        self.normalised_documents = {entry_id: [a.normalised for a, _ in items] for entry_id, items in analysed.items()}
        self.vocabulary = sorted({word for items in analysed.values() for a, _ in items for word in a.words})
        self._known_words = frozenset(self.vocabulary)
        self._correct = lru_cache(maxsize=16384)(self._correct_uncached)
        per_entry = [[(features(a), weight, LANG_SLOTS[a.lang]) for a, weight in analysed[entry_id]]
                     for entry_id in self.entry_ids]
        self._build_weights(per_entry)
        self._build_models(per_entry)
        self._train_perceptron(per_entry)
        self._merge_evidence(per_entry)
        self.exact: dict[tuple, set[int]] = defaultdict(set)
        self.verbatim: dict[str, set[str]] = defaultdict(set)  # a phrase as normalised -> its entries
        for index, entry_id in enumerate(self.entry_ids):
            for phrase in (exact or {}).get(entry_id, ()):
                self.exact[_exact_key(analysed_once(phrase))].add(index)
                self.verbatim[analysed_once(phrase).normalised].add(entry_id)

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
        self.entry_features: list[frozenset[str]] = []  # to measure coverage of the best candidates
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
            self.entry_features.append(frozenset(mass))
            for language, centroid in enumerate(by_language):
                norm = math.sqrt(sum(w * w for w in centroid.values())) or 1.0
                for feature, weight in centroid.items():
                    self.centroid[feature].append((index * 2 + language, weight / norm))

    def _train_perceptron(self, per_entry) -> None:
        """An averaged perceptron over the documents' word features.

        Naive Bayes scores each entry on its own; the perceptron learns which
        words tell close entries apart ("exports" vs "imports", investment into
        vs out of Chongqing), which is where naive Bayes errs most. Character
        n-grams are left out: they add little here and would slow training.
        """
        examples = [({f: w for f, w in self._vector(found).items() if not f.startswith("#")}, index)
                    for index, variants in enumerate(per_entry) for found, _, _ in variants]
        weights: dict[str, dict[int, float]] = defaultdict(dict)
        totals: dict[str, dict[int, float]] = defaultdict(dict)  # for averaging: sum of step * update
        order = random.Random(0)
        step = 1
        for _ in range(PERCEPTRON_EPOCHS):
            order.shuffle(examples)
            for vector, truth in examples:
                scores: dict[int, float] = defaultdict(float)
                for feature, weight in vector.items():
                    for index, value in weights.get(feature, {}).items():
                        scores[index] += weight * value
                rival = max((index for index in scores if index != truth), key=scores.__getitem__,
                            default=(truth + 1) % len(per_entry))
                if scores.get(truth, 0.0) - scores.get(rival, 0.0) < PERCEPTRON_MARGIN and rival != truth:
                    for feature, weight in vector.items():
                        for index, sign in ((truth, 1.0), (rival, -1.0)):
                            weights[feature][index] = weights[feature].get(index, 0.0) + sign * weight
                            totals[feature][index] = totals[feature].get(index, 0.0) + sign * step * weight
                step += 1
        self.discriminative: dict[str, list[tuple[int, float]]] = {
            feature: [(index, value - totals[feature][index] / step) for index, value in row.items()]
            for feature, row in weights.items()
        }

    def _merge_evidence(self, per_entry) -> None:
        """One posting list per feature with naive Bayes and perceptron weights
        added up, so ranking walks it once."""
        evidence: dict[str, dict[int, float]] = defaultdict(dict)
        for feature, postings in self.log_likelihood.items():
            for index, value in postings:
                evidence[feature][index] = value
        for feature, postings in self.discriminative.items():
            row = evidence[feature]
            for index, value in postings:
                row[index] = row.get(index, 0.0) + DISCRIMINATIVE_WEIGHT * value
        self.evidence = {feature: tuple(row.items()) for feature, row in evidence.items()}
        del self.log_likelihood, self.discriminative

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
        evidence, centroid = self.evidence, self.centroid
        for feature, weight in known.items():
            for index, value in evidence[feature]:
                bayes[index] += weight * value
            for slot, centroid_weight in centroid[feature]:
                by_slot[slot] += weight * centroid_weight
        similarity = [max(by_slot[2 * i], by_slot[2 * i + 1]) for i in range(len(self.entry_ids))]
        exact = self.exact.get(_exact_key(analysis), ())
        for index in exact:
            bayes[index] += EXACT_BONUS
        return Ranking(analysis, self._candidates(bayes, similarity, vector),
                       frozenset(self.verbatim.get(analysis.normalised, ())))

    def _coverage(self, index: int, counted: dict[str, float]) -> float:
        """Share of the `counted` words' weight that entry `index` knows."""
        total = sum(w * w for w in counted.values()) or 1.0
        known = self.entry_features[index]
        return sum(w * w for f, w in counted.items() if f in known) / total

    def _candidates(self, bayes, similarity, vector) -> tuple[Candidate, ...]:
        top = max(bayes)
        ranking = [b - top + SIMILARITY_WEIGHT * s for b, s in zip(bayes, similarity)]
        best = max(ranking)
        exps = [math.exp(r - best) for r in ranking]
        total = sum(exps)
        order = sorted(range(len(ranking)), key=ranking.__getitem__, reverse=True)[: self.alternatives + 1]
        # Coverage counts the question's topic words, or all its words if it has only
        # function words ("what can I ask you").
        counted = {f: w for f, w in vector.items() if _is_topic_word(f)} or {
            f: w for f, w in vector.items() if not f.startswith("#")}
        candidates = []
        for i in order:
            posterior, coverage = exps[i] / total, self._coverage(i, counted)
            candidates.append(Candidate(self.entry_ids[i], confidence(posterior, similarity[i], coverage),
                                        posterior, similarity[i], coverage))
        return tuple(candidates)
