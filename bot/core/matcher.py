"""Which FAQ entry answers a question, and how sure we are.

The model, chosen on CLINC150's and the team's validation questions (see bench/):

* every entry is a bag of weighted features of its question variants, keywords
  and answers (text.features: stemmed words, word pairs, character n-grams,
  Chinese character unigrams and bigrams), weighted by how rare they are across
  entries (idf);
* entries are ranked by a multinomial naive Bayes score, plus an averaged
  perceptron trained on the entries' own wording (it learns the words that
  tell close entries apart), plus the cosine similarity with the entry's
  centroids (one per language; the better of the two counts, so a question that
  mixes languages is not penalised), plus a bonus when the question is one of
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
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from .text import STOPWORDS_EN, STOPWORDS_ZH, Analysis, Synonyms, analyse, features, is_filler, stem

# scipy (and training.py, which uses it) is imported only where an index is built: an index read
# from the cache ranks with numpy alone, so `faqbot ask` with a warm cache never loads scipy
# (a fifth of a second, more than the rest of the load).
if TYPE_CHECKING:
    from scipy import sparse

    from .training import Documents

SMOOTHING = 0.01  # naive Bayes additive smoothing (alpha)
SIMILARITY_WEIGHT = 2.0  # how much the centroid similarity adds to the ranking
DISCRIMINATIVE_WEIGHT = 5.0  # how much the perceptron's scores add to the ranking
EXACT_BONUS = 8.0  # log-odds added to an entry whose question or keyword was asked word for word
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

    def top(self) -> Candidate:
        """The best candidate, where the caller has made sure there is one."""
        if not self.candidates:
            raise ValueError("an empty ranking has no best candidate")
        return self.candidates[0]


COVERAGE_POWER = 0.5


def confidence(posterior: float, similarity: float, coverage: float) -> float:
    """0-100: how sure we are that this entry answers the question."""
    value = math.sqrt(posterior * max(similarity, 0.0)) * coverage ** COVERAGE_POWER
    return float(round(100 * value, 1))


LANG_SLOTS = {"en": 0, "zh": 1}


def _exact_key(analysis: Analysis) -> tuple[tuple[str, ...], tuple[str, ...]]:
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


@dataclass(frozen=True)
class Rows:
    """A matrix in compressed sparse row form, as ranking reads it (scipy's csr_matrix layout,
    without scipy): the values of row r are data[indptr[r]:indptr[r + 1]], in the columns
    indices[indptr[r]:indptr[r + 1]]."""

    data: np.ndarray
    indices: np.ndarray
    indptr: np.ndarray
    shape: tuple[int, int]

    @classmethod
    def of(cls, matrix: sparse.spmatrix) -> Rows:
        matrix = matrix.tocsr()
        return cls(matrix.data, matrix.indices, matrix.indptr, (int(matrix.shape[0]), int(matrix.shape[1])))

    @classmethod
    def checked(cls, data: np.ndarray, indices: np.ndarray, indptr: np.ndarray, shape: np.ndarray) -> Rows:
        """Rows of stored arrays, every bound checked (as scipy's check_format(full_check=True),
        and finite values): ValueError if they do not make a matrix of that shape."""
        rows, columns = (int(n) for n in np.asarray(shape).tolist())
        data, indices, indptr = np.asarray(data), np.asarray(indices), np.asarray(indptr)
        if data.dtype.kind != "f" or indices.dtype.kind not in "iu" or indptr.dtype.kind not in "iu":
            raise ValueError("stored index: a matrix of the wrong kind of numbers")
        if data.ndim != 1 or indices.shape != data.shape or indptr.shape != (rows + 1,) or rows < 0 or columns < 0:
            raise ValueError("stored index: a matrix's arrays do not fit its shape")
        if indptr[0] != 0 or indptr[-1] != len(data) or (np.diff(indptr) < 0).any():
            raise ValueError("stored index: a matrix's row pointers are out of order")
        if len(indices) and (indices.min() < 0 or indices.max() >= columns) or not np.isfinite(data).all():
            raise ValueError("stored index: a matrix's columns or values are out of bounds")
        return cls(data, indices, indptr, (rows, columns))


def _gather(matrix: Rows, rows: np.ndarray, values: np.ndarray) -> np.ndarray:
    """values @ matrix[rows]: a question has few features, so its rows are summed
    directly rather than through a sparse product."""
    starts = matrix.indptr[rows]
    lengths = matrix.indptr[rows + 1] - starts
    positions = np.repeat(starts - np.cumsum(lengths) + lengths, lengths) + np.arange(lengths.sum())
    return np.bincount(matrix.indices[positions], weights=matrix.data[positions] * np.repeat(values, lengths),
                       minlength=matrix.shape[1])


class Index:
    """Feature statistics of a set of entries, built once per knowledge base.

    Features are the rows of sparse matrices over the entries: `evidence` holds each
    feature's naive Bayes log-likelihood plus its perceptron weight, `centroid` its
    weight in each entry's centroid per language; ranking sums the question's rows."""

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
        self._build(self._analysed(documents, exact or {}))
        self._ready()

    def _analysed(self, documents: dict[str, list[tuple[str, float]]], exact: dict[str, list[str]]) -> Documents:
        """Analyse every text: what the index keeps of them (normalised, their words, the exact
        phrases), and the documents to build its arrays from. A method of its own so that the
        analyses are freed before the arrays are built (issue 12: the memory peak)."""
        memo: dict[str, Analysis] = {}  # a question is often also a keyword or an exact phrase
        earlier = _earlier_analyses(self.synonyms)

        def analysed_once(text: str) -> Analysis:
            found = memo.get(text)
            if found is None:
                found = memo[text] = earlier.get(text) or analyse(text, self.synonyms)
            return found

        analysed = {entry_id: [(analysed_once(text), weight) for text, weight in texts]
                    for entry_id, texts in documents.items()}
        # the documents as normalised text, for the engine's scope guards
        self.normalised_documents = {entry_id: [a.normalised for a, _ in items] for entry_id, items in analysed.items()}
        self.vocabulary = sorted({word for items in analysed.values() for a, _ in items for word in a.words})
        keys: dict[str, set[int]] = defaultdict(set)  # a phrase's content words (_exact_line) -> its entries
        verbatim: dict[str, set[int]] = defaultdict(set)  # a phrase as normalised -> its entries
        for index, entry_id in enumerate(self.entry_ids):
            for phrase in exact.get(entry_id, ()):
                keys[_exact_line(_exact_key(analysed_once(phrase)))].add(index)
                verbatim[analysed_once(phrase).normalised].add(index)
        self.exact, self.verbatim = Phrasebook.of(keys), Phrasebook.of(verbatim)
        _keep_analyses(self.synonyms, memo)
        from .training import Documents

        return Documents.of([[(a, weight, LANG_SLOTS[a.lang]) for a, weight in analysed[entry_id]]
                             for entry_id in self.entry_ids])

    def _ready(self) -> None:
        """What querying needs besides the arrays (also after they are read from a cache)."""
        self._known_words = frozenset(self.vocabulary)
        self._correct = lru_cache(maxsize=16384)(self._correct_uncached)
        self.column = {feature: column for column, feature in enumerate(self.feature_names)}
        self.idf_of = self.idf.tolist()  # plain floats: a question looks up a few dozen one at a time

    # --- building ------------------------------------------------------------------

    def _build(self, docs: Documents) -> None:
        from scipy import sparse

        from .training import sublinear_matrix, unit_rows

        entries = len(self.entry_ids)
        self.feature_names = docs.feature_names
        by_entry = docs.grouped(docs.owners, entries)
        entry_frequency = np.diff((by_entry @ (docs.counts > 0).astype(np.float64)).tocsc().indptr)
        self.idf = np.log((entries + 1) / (entry_frequency + 1)) + 1
        self.unknown_idf = math.log(entries + 1) + 1
        vectors = unit_rows(sublinear_matrix(docs.counts) @ sparse.diags(self.idf))  # unit tf-idf per document
        # trained first, while fewer of the other matrices are held: its dense weights are the peak of a build
        learned = self._perceptron(vectors, docs.owners)
        weighted = sparse.diags(docs.weights) @ vectors
        del vectors
        log_likelihood = self._bayes(by_entry @ weighted)
        # one centroid per entry and language (slot = entry * 2 + language), so the English half
        # of an entry does not dilute the Chinese half's similarity; rank takes the better of the two
        self.centroid = Rows.of(unit_rows(docs.grouped(docs.slots, 2 * entries) @ weighted).T)
        self.evidence = Rows.of(log_likelihood + DISCRIMINATIVE_WEIGHT * learned)

    def _bayes(self, mass: sparse.spmatrix) -> sparse.csr_matrix:
        """Naive Bayes log-likelihoods, features x entries, and each entry's prior unit;
        also which features each entry knows, to measure the best candidates' coverage."""
        from scipy import sparse

        mass = sparse.csr_matrix(mass)  # entries x features
        total = np.asarray(mass.sum(axis=1)).ravel() + SMOOTHING * len(self.feature_names)
        self.log_prior_unit = np.log(SMOOTHING / total)
        log_likelihood = mass.T.tocsr()
        log_likelihood.data = np.log1p(log_likelihood.data / SMOOTHING)
        self.entry_features = Rows(np.ones(log_likelihood.nnz), log_likelihood.indices, log_likelihood.indptr,
                                   log_likelihood.shape)
        return log_likelihood

    def _perceptron(self, vectors: sparse.csr_matrix, owners: np.ndarray) -> sparse.csr_matrix:
        """The perceptron's weights, features x entries.

        Naive Bayes scores each entry on its own; the perceptron learns which
        words tell close entries apart ("exports" vs "imports", investment into
        vs out of Chongqing), which is where naive Bayes errs most. Character
        n-grams are left out: they add little here and would slow training.
        """
        from scipy import sparse

        from .training import train_perceptron

        words = np.flatnonzero([not name.startswith("#") for name in self.feature_names])
        learned = train_perceptron(vectors[:, words].tocsr(), owners, len(self.entry_ids)).tocoo()
        return sparse.csr_matrix((learned.data, (words[learned.row], learned.col)),
                                 shape=(len(self.feature_names), len(self.entry_ids)))

    # --- querying --------------------------------------------------------------------

    def _vector(self, found: Mapping[str, float]) -> dict[str, float]:
        """Unit-length tf-idf vector. An unknown word gets the highest idf, so a
        question about something else scores low; unknown fillers and unknown
        word pairs (whose words already count on their own) are left out."""
        vector = {}
        for feature, count in found.items():
            column = self.column.get(feature)
            if column is None:
                if is_filler(feature) or " " in feature:
                    continue
                idf = self.unknown_idf
            else:
                idf = self.idf_of[column]
            vector[feature] = _sublinear(count) * idf
        norm = math.sqrt(sum(w * w for w in vector.values())) or 1.0
        return {feature: w / norm for feature, w in vector.items()}

    def keep_words(self, words: frozenset[str]) -> None:
        """Words spelling correction leaves as written (the lexicon's): known, though no entry uses them."""
        self._known_words = self._known_words | words
        self._correct.cache_clear()

    def _correct_uncached(self, word: str) -> str:
        if word in self._known_words or len(word) < MIN_SPELLING_LENGTH or not word.isalpha():
            return word
        from rapidfuzz import fuzz, process  # here: most questions have no unknown long word to correct

        found = process.extractOne(word, self.vocabulary, scorer=fuzz.ratio, score_cutoff=SPELLING_CUTOFF)
        return found[0] if found else word

    def analyse(self, question: str) -> Analysis:
        return analyse(question, self.synonyms, spelling=self._correct)

    def rank(self, question: str) -> Ranking:
        analysis = self.analyse(question)
        vector = self._vector(features(analysis))
        known = {self.column[f]: w for f, w in vector.items() if f in self.column}
        if not known:
            return Ranking(analysis, ())
        columns = np.fromiter(known, dtype=np.int64, count=len(known))
        weights = np.fromiter(known.values(), dtype=np.float64, count=len(known))
        bayes = self.log_prior_unit * weights.sum() + _gather(self.evidence, columns, weights)
        by_slot = _gather(self.centroid, columns, weights)
        similarity = np.maximum(by_slot[0::2], by_slot[1::2])
        for index in self.exact.get(_exact_line(_exact_key(analysis))):
            bayes[index] += EXACT_BONUS
        return Ranking(analysis, self._candidates(bayes, similarity, vector),
                       frozenset(self.entry_ids[i] for i in self.verbatim.get(analysis.normalised)))

    def _coverage(self, counted: dict[str, float]) -> np.ndarray:
        """Per entry: the share of the `counted` words' weight that the entry knows."""
        known = {self.column[f]: w * w for f, w in counted.items() if f in self.column}
        total = sum(w * w for w in counted.values()) or 1.0
        if not known:
            return np.zeros(len(self.entry_ids))
        columns = np.fromiter(known, dtype=np.int64, count=len(known))
        return _gather(self.entry_features, columns, np.fromiter(known.values(), dtype=np.float64)) / total

    def _candidates(self, bayes: np.ndarray, similarity: np.ndarray, vector: dict[str, float]) -> tuple[Candidate, ...]:
        ranking = bayes - bayes.max() + SIMILARITY_WEIGHT * similarity
        exps = np.exp(ranking - ranking.max())
        posteriors = exps / exps.sum()
        order = np.argsort(-ranking, kind="stable")[: self.alternatives + 1]  # ties: the earlier entry first
        # Coverage counts the question's topic words, or all its words if it has only
        # function words ("what can I ask you").
        counted = {f: w for f, w in vector.items() if _is_topic_word(f)} or {
            f: w for f, w in vector.items() if not f.startswith("#")}
        coverage = self._coverage(counted)
        candidates = []
        for i in order.tolist():
            posterior, similar, covered = float(posteriors[i]), float(similarity[i]), float(coverage[i])
            candidates.append(Candidate(self.entry_ids[i], confidence(posterior, similar, covered),
                                        posterior, similar, covered))
        return tuple(candidates)

    # --- storing ---------------------------------------------------------------------

    MATRICES = ("evidence", "centroid", "entry_features")

    def to_arrays(self) -> dict[str, np.ndarray]:
        """Everything the index holds, as plain arrays (numbers, and UTF-8 text): what
        bot.indexcache writes with np.savez, no pickle. Lists of texts are stored as one text of
        lines (none of them holds a line break: ids, words and normalised texts), so that reading
        them back is one split rather than a JSON parse of every string."""
        arrays = {"idf": self.idf, "log_prior_unit": self.log_prior_unit,
                  "feature_names": _lines(self.feature_names), "entry_ids": _lines(self.entry_ids),
                  "vocabulary": _lines(self.vocabulary), "unknown_idf": np.array([self.unknown_idf]),
                  "documents": _lines([text for entry_id in self.entry_ids
                                       for text in self.normalised_documents[entry_id]]),
                  "documents.counts": np.array([len(self.normalised_documents[e]) for e in self.entry_ids]),
                  **self.exact.to_arrays("exact"), **self.verbatim.to_arrays("verbatim")}
        for name in self.MATRICES:
            matrix = getattr(self, name)
            arrays.update({f"{name}.data": matrix.data, f"{name}.indices": matrix.indices,
                           f"{name}.indptr": matrix.indptr, f"{name}.shape": np.array(matrix.shape)})
        return arrays

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray], synonyms: Synonyms, alternatives: int = 3) -> Index:
        """The index `to_arrays` stored. Checks every shape and bound, since the arrays come
        from a file: raises ValueError (or KeyError) rather than serve an inconsistent index."""
        index = cls.__new__(cls)
        index.synonyms, index.alternatives = synonyms, alternatives
        index.entry_ids, index.vocabulary = _read_lines(arrays["entry_ids"]), _read_lines(arrays["vocabulary"])
        index.unknown_idf = float(np.asarray(arrays["unknown_idf"], dtype=np.float64)[0])
        index.feature_names = _read_lines(arrays["feature_names"])
        features, entries = len(index.feature_names), len(index.entry_ids)
        counts = _bounded(arrays["documents.counts"], None)
        documents = _read_lines(arrays["documents"], int(counts.sum()))
        if counts.shape != (entries,) or int(counts.sum()) != len(documents):
            raise ValueError("stored index: documents do not fit its entries")
        ends = np.cumsum(counts).tolist()
        index.normalised_documents = {entry_id: documents[end - count:end] for entry_id, count, end
                                      in zip(index.entry_ids, counts.tolist(), ends, strict=True)}
        index.exact = Phrasebook.from_arrays(arrays, "exact", entries)
        index.verbatim = Phrasebook.from_arrays(arrays, "verbatim", entries)
        index.idf = np.asarray(arrays["idf"], dtype=np.float64)
        index.log_prior_unit = np.asarray(arrays["log_prior_unit"], dtype=np.float64)
        for name, width in zip(cls.MATRICES, (entries, 2 * entries, entries), strict=True):
            matrix = Rows.checked(arrays[f"{name}.data"], arrays[f"{name}.indices"], arrays[f"{name}.indptr"],
                                  arrays[f"{name}.shape"])
            if matrix.shape != (features, width):
                raise ValueError(f"stored index: {name} does not fit its {features} features and {entries} entries")
            setattr(index, name, matrix)
        if index.idf.shape != (features,) or index.log_prior_unit.shape != (entries,) or not (
                np.isfinite(index.idf).all() and np.isfinite(index.log_prior_unit).all()):
            raise ValueError("stored index: weights do not fit its features and entries")
        if len(set(index.entry_ids)) != entries:
            raise ValueError("stored index: an entry id is there twice")
        index._ready()
        return index


# The analyses of the last index built in this process, for the next one: a reload after an edit
# analyses only the texts that changed (the analysis was half of rebuilding the bundled base).
# Kept only for a base of up to KEPT_ANALYSES texts, whose reload runs in the bot's own process; a
# larger one is rebuilt in a child process (indexcache.prebuild), where the memory would be wasted.
KEPT_ANALYSES = 10_000
_kept: tuple[tuple[object, ...], dict[str, Analysis]] = ((), {})


def _earlier_analyses(synonyms: Synonyms) -> dict[str, Analysis]:
    """The kept analyses, if they were made with the same synonyms (the rest of the analysis is code)."""
    rules, analyses = _kept
    return analyses if rules == synonyms.rules else {}


def _keep_analyses(synonyms: Synonyms, analyses: dict[str, Analysis]) -> None:
    global _kept
    _kept = (synonyms.rules, analyses) if len(analyses) <= KEPT_ANALYSES else ((), {})


def _lines(texts: Iterable[str]) -> np.ndarray:
    return _utf8("\n".join(texts))


def _read_lines(array: np.ndarray, count: int | None = None) -> list[str]:
    """The texts _lines stored; `count` tells none from one empty text, where that can be."""
    text = bytes(np.asarray(array, dtype=np.uint8)).decode("utf-8")
    return text.split("\n") if text or count else []


def _exact_line(key: tuple[tuple[str, ...], tuple[str, ...]]) -> str:
    """An exact phrase's key as one line: its words, a tab, its Chinese runs (neither holds a
    space, a tab or a line break)."""
    words, runs = key
    return f"{' '.join(words)}\t{' '.join(runs)}"


class Phrasebook:
    """Phrases, one line of text each, and the entries (by number) each points to: a dict from
    phrase to row, and the entries as the flat arrays they are stored as (so that reading them
    from the cache is a split and a zip, not a set per phrase)."""

    def __init__(self, phrases: list[str], entries: np.ndarray, ends: np.ndarray):
        self.phrases, self.entries, self.ends = phrases, entries, ends
        self.row = dict(zip(phrases, range(len(phrases)), strict=True))

    @classmethod
    def of(cls, found: Mapping[str, set[int]]) -> Phrasebook:
        groups = [sorted(entries) for entries in found.values()]
        return cls(list(found), np.array([n for group in groups for n in group], dtype=np.int64),
                   np.cumsum([len(group) for group in groups], dtype=np.int64))

    def get(self, phrase: str) -> list[int]:
        """The entries `phrase` points to (none if it is not one of the phrases)."""
        row = self.row.get(phrase)
        if row is None:
            return []
        found: list[int] = self.entries[int(self.ends[row - 1]) if row else 0:int(self.ends[row])].tolist()
        return found

    def to_arrays(self, name: str) -> dict[str, np.ndarray]:
        return {name: _lines(self.phrases), f"{name}.entries": self.entries, f"{name}.ends": self.ends}

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray], name: str, entries: int) -> Phrasebook:
        """The phrasebook to_arrays stored, its numbers checked: ValueError if they do not fit."""
        flat, ends = _bounded(arrays[f"{name}.entries"], entries), _bounded(arrays[f"{name}.ends"], None)
        phrases = _read_lines(arrays[name], len(ends))
        if ends.shape != (len(phrases),) or int(ends[-1] if len(ends) else 0) != len(flat) or (
                np.diff(ends) < 0).any():
            raise ValueError(f"stored index: {name} does not fit its phrases")
        if len(set(phrases)) != len(phrases):
            raise ValueError(f"stored index: {name} holds a phrase twice")
        return cls(phrases, flat, ends)


def _bounded(array: np.ndarray, limit: int | None) -> np.ndarray:
    """A stored array of whole numbers, each at least 0 (and below `limit` when given)."""
    array = np.asarray(array)
    if array.ndim != 1 or (array.size and array.dtype.kind not in "iu"):
        raise ValueError("stored index: a list of numbers is not one")
    array = array.astype(np.int64)
    if array.size and (array.min() < 0 or (limit is not None and array.max() >= limit)):
        raise ValueError("stored index: a number is out of bounds")
    return array


def _utf8(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
