"""Building the index's arrays from the entries' texts: the documents as one sparse
matrix of feature counts, the tf-idf helpers, and the averaged perceptron trained on
them. matcher.Index combines these into its naive Bayes, centroid and perceptron
evidence and ranks questions with it."""

from __future__ import annotations

from array import array
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from .text import NGRAM_WEIGHT, Analysis, char_ngrams, word_features

PERCEPTRON_EPOCHS = 4
PERCEPTRON_MARGIN = 0.5
# The perceptron scores a 200th of the examples at once, at most 256: a few hundred sparse products
# per epoch at any size. A base of under 400 examples is trained one example at a time (online),
# as before: there a batch would be a large share of the data.
PERCEPTRON_BATCHES, PERCEPTRON_MIN_BATCH, PERCEPTRON_MAX_BATCH = 200, 1, 256


@dataclass(frozen=True)
class Documents:
    """Every entry's texts as the rows of one sparse matrix of feature counts."""

    counts: sparse.csr_matrix  # documents x features
    feature_names: list[str]  # the feature of each column
    weights: np.ndarray  # per document: the weight it carries in its entry's model
    owners: np.ndarray  # per document: the index of its entry
    slots: np.ndarray  # per document: entry * 2 + language (matcher.LANG_SLOTS)

    @classmethod
    def of(cls, per_entry: list[list[tuple[Analysis, float, int]]]) -> Documents:
        """`per_entry`: for each entry, its texts as (Analysis, weight, language slot)."""
        # every document's features and words in one flat list each (references to strings that
        # exist anyway), numbered afterwards: a C-level extend per document rather than a Python
        # step per feature; typed arrays for the numbers, which a list would hold as objects
        features: list[str] = []
        counts, feature_lengths = array("d"), array("q")
        words: list[str] = []
        word_lengths = array("q")
        weights: list[float] = []
        owners: list[int] = []
        slots: list[int] = []
        for owner, variants in enumerate(per_entry):
            for analysis, weight, language in variants:
                found = word_features(analysis)
                features.extend(found)
                counts.extend(found.values())
                feature_lengths.append(len(found))
                words.extend(analysis.words)
                word_lengths.append(len(analysis.words))
                weights.append(weight)
                owners.append(owner)
                slots.append(owner * 2 + language)
        columns, feature_columns = _numbered(features)
        del features
        word_of, word_columns = _numbered(words)
        del words
        documents = len(weights)
        rows = np.repeat(np.arange(documents, dtype=np.int64), np.frombuffer(feature_lengths, dtype=np.int64))
        matrix = sparse.csr_matrix((np.frombuffer(counts), (rows, feature_columns)), shape=(documents, len(columns)))
        word_rows = np.repeat(np.arange(documents, dtype=np.int64), np.frombuffer(word_lengths, dtype=np.int64))
        word_counts = sparse.csr_matrix((np.ones(len(word_rows)), (word_rows, word_columns)),
                                        shape=(documents, len(word_of)))
        grams, gram_names = _ngram_matrix(list(word_of))
        matrix = sparse.hstack([matrix, NGRAM_WEIGHT * (word_counts @ grams)], format="csr")
        return cls(matrix, list(columns) + gram_names, np.array(weights, dtype=np.float64),
                   np.array(owners, dtype=np.int64), np.array(slots, dtype=np.int64))

    @staticmethod
    def grouped(groups: np.ndarray, count: int) -> sparse.csr_matrix:
        """count x documents: 1 where the document belongs to the group."""
        return sparse.csr_matrix((np.ones(len(groups)), (groups, np.arange(len(groups)))), shape=(count, len(groups)))


def _numbered(items: list[str]) -> tuple[dict[str, int], np.ndarray]:
    """A number for each distinct item, in the order first seen, and the number of every item."""
    numbers = {item: number for number, item in enumerate(dict.fromkeys(items))}
    return numbers, np.fromiter(map(numbers.__getitem__, items), dtype=np.int64, count=len(items))


def _ngram_matrix(words: list[str]) -> tuple[sparse.csr_matrix, list[str]]:
    """words x character n-grams (text.char_ngrams), counting repeats, and the n-grams."""
    grams = [char_ngrams(word) for word in words]
    columns, cols = _numbered([gram for found in grams for gram in found])
    rows = np.repeat(np.arange(len(words), dtype=np.int64), np.fromiter(map(len, grams), dtype=np.int64,
                                                                         count=len(grams)))
    return sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(words), len(columns))), list(columns)


def sublinear_matrix(counts: sparse.csr_matrix) -> sparse.csr_matrix:
    out = counts.copy()
    out.data = np.where(out.data <= 1, out.data, 1 + np.log(np.maximum(out.data, 1)))
    return out


def unit_rows(matrix: sparse.spmatrix) -> sparse.csr_matrix:
    matrix = sparse.csr_matrix(matrix)
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sparse.csr_matrix(sparse.diags(1 / norms) @ matrix)


def _perceptron_batch(examples: int) -> int:
    """Examples scored together: few enough to stay close to an online perceptron, enough
    that a large knowledge base takes a few hundred array operations per epoch, not
    one Python loop per example and entry."""
    return int(min(PERCEPTRON_MAX_BATCH, max(PERCEPTRON_MIN_BATCH, examples // PERCEPTRON_BATCHES)))


def train_perceptron(examples: sparse.csr_matrix, truth: np.ndarray, entries: int) -> sparse.csr_matrix:
    """An averaged perceptron, in mini-batches: a batch is scored with the same weights,
    then every example whose entry does not beat its strongest rival by the margin moves
    the weights towards its entry and away from that rival. Returns features x entries."""
    weights = np.zeros((examples.shape[1], entries))
    totals = np.zeros_like(weights)  # for averaging: sum of step * update
    if entries < 2 or not examples.nnz:
        return sparse.csr_matrix(weights)
    order = np.random.default_rng(0)
    batch = _perceptron_batch(examples.shape[0])
    step = 1
    for _ in range(PERCEPTRON_EPOCHS):
        shuffled = order.permutation(examples.shape[0])
        epoch = examples[shuffled]  # one reordering per epoch; the batches are then slices of its arrays
        for start in range(0, len(shuffled), batch):
            end = min(start + batch, len(shuffled))
            _perceptron_step(epoch, start, end, truth[shuffled[start:end]], weights, totals, step)
            step += end - start
    totals /= step  # averaged weights, in place: at 50,000 variants each array is ~100 MB
    weights -= totals
    del totals
    return sparse.csr_matrix(weights)


# Up to this many products (a batch's features x entries) a batch is scored with numpy straight
# from the arrays; above it, by a scipy product, which does not hold every product in memory.
# Measured: the bundled base (2,400 a batch) is faster with numpy, CLINC150 (114,000) with scipy.
NUMPY_SCORING_CELLS = 50_000


def _perceptron_step(examples: sparse.csr_matrix, start: int, end: int, truth: np.ndarray, weights: np.ndarray,
                     totals: np.ndarray, step: int) -> None:
    """One batch: rows start..end of `examples`, read straight from its arrays. An example
    has a dozen features and the weights have thousands, so only those rows of the weights
    are read and written. Every sum is taken in the order scipy's sparse products take it
    (example by example, from zero): either way of scoring gives the same weights to the last
    bit, and so did the scipy products the updates were made with before (issue 12: scipy's
    overhead per product was most of the bundled base's training)."""
    first, last = examples.indptr[start], examples.indptr[end]
    row_starts = examples.indptr[start:end + 1] - first
    features, values = examples.indices[first:last], examples.data[first:last]
    lengths = np.diff(row_starts)
    scores = _scores(features, values, row_starts, weights)
    at = np.arange(len(truth))
    own = scores[at, truth].copy()
    scores[at, truth] = -np.inf
    rival = scores.argmax(axis=1)
    wrong = np.flatnonzero(own - scores[at, rival] < PERCEPTRON_MARGIN)
    if not len(wrong):
        return
    # the wrong examples' features, example by example: each moves its entry's weight up and
    # its rival's down, by the feature's value (and, for the average, by value x step)
    counts = lengths[wrong]
    positions = np.repeat(row_starts[wrong] - np.cumsum(counts) + counts, counts) + np.arange(counts.sum())
    owner = np.repeat(np.arange(len(wrong)), counts)
    moved, cell = values[positions], features[positions].astype(np.int64) * weights.shape[1]
    cells = np.column_stack([cell + truth[wrong][owner], cell + rival[wrong][owner]]).ravel()
    by_step = (step + wrong).astype(np.float64)[owner] * moved
    changed, each = np.unique(cells, return_inverse=True)
    weights.reshape(-1)[changed] += np.bincount(each.ravel(), np.column_stack([moved, -moved]).ravel(), len(changed))
    totals.reshape(-1)[changed] += np.bincount(each.ravel(), np.column_stack([by_step, -by_step]).ravel(),
                                               len(changed))


def _scores(features: np.ndarray, values: np.ndarray, row_starts: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """examples x entries: each example's features' values times their weights, summed."""
    examples = len(row_starts) - 1
    if len(features) * weights.shape[1] > NUMPY_SCORING_CELLS:
        batch = sparse.csr_matrix((values, features, row_starts), shape=(examples, weights.shape[0]))
        return np.asarray(batch @ weights)
    scores = np.zeros((examples, weights.shape[1]))
    filled = np.diff(row_starts) > 0  # an example without features scores 0 (reduceat would give it its neighbour's)
    if filled.any():
        scores[filled] = np.add.reduceat(values[:, None] * weights[features], row_starts[:-1][filled], axis=0)
    return scores
