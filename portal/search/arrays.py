"""Matching and ranking over Whoosh's postings held as numpy arrays: Whoosh's own BM25F scores, computed in bulk.

Whoosh scores a query one matching page at a time in pure Python (about 7 µs per page and term),
which is what made multi-word questions slow when every word is on thousands of pages. Here the
postings of a term (page numbers and weights) are read once into arrays, and a query tree is
evaluated over whole arrays: a term is one vectorised BM25F formula, AND and OR are element-wise
sums and masks over all pages, the top N is a partial sort. The scores are the ones Whoosh's
BM25F would give (same formula, weights, quantised field lengths and collection statistics).

What is cached, and how it stays correct:
- Postings and field lengths per *segment*. A Whoosh segment is never rewritten once committed;
  a publish adds a new small segment and marks deletions in older ones. So a segment's arrays stay
  valid across commits and only the new segment is read after a publish.
- Everything that depends on the whole index state (which pages are deleted, the facet masks,
  phrase matches) per *generation*, under the same key that binds the result cache
  (SearchIndex.generation_key); a commit makes a new generation and the old one is dropped.
- BM25F's collection statistics (idf, average field length) change with every commit, so
  scores are computed from the cached weights and lengths on each query: that is a few
  vectorised operations per term, not a loop over pages.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Callable

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield
from whoosh.matching.wrappers import FilterMatcher
from whoosh.query import And, AndNot, Or, Phrase, Query, Term
from whoosh.scoring import BM25F
from whoosh.searching import Searcher
from whoosh.util.numeric import byte_to_length

SEGMENT_CACHE_MB = 64  # postings and lengths of segments, shared by all generations of an index
GENERATION_CACHE_ENTRIES = 512  # phrase matches per generation (titles only: small)

# Whoosh stores a page's field length in one byte; this turns the bytes into the lengths it uses.
_LENGTHS = np.array([byte_to_length(b) for b in range(256)], dtype=np.float64)
_EMPTY_IDS = np.zeros(0, dtype=np.int64)
_EMPTY_WEIGHTS = np.zeros(0, dtype=np.float64)


class _SizedLru:
    """An LRU mapping bounded by the bytes of its numpy values; safe to share between threads."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self._items: OrderedDict = OrderedDict()  # key -> (value, bytes)
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            self._items.move_to_end(key)
            return item[0]

    def put(self, key, value, size: int) -> None:
        with self._lock:
            if key in self._items:
                return  # another thread read the same thing meanwhile
            self._items[key] = (value, size)
            self._bytes += size
            while self._bytes > self.max_bytes and len(self._items) > 1:
                _, (_, old_size) = self._items.popitem(last=False)
                self._bytes -= old_size

    def __len__(self) -> int:
        return len(self._items)


def _segment_name(leaf) -> str:
    return leaf.segment().segment_id()


def _leaf_postings(leaf, fieldname: str, btext: bytes) -> tuple[np.ndarray, np.ndarray]:
    """(page numbers within the segment, weights) of a term, deleted pages included."""
    matcher = leaf.postings(fieldname, btext)
    if isinstance(matcher, FilterMatcher):  # the deletion filter; deletions are applied per generation
        matcher = matcher.child
    ids, weights = [], []
    if isinstance(matcher, W3LeafMatcher):
        # Whole blocks at a time: the matcher's per-posting interface costs microseconds a posting.
        while matcher.is_active():
            matcher._read_ids()
            matcher._read_weights()
            ids.append(np.asarray(matcher._ids, dtype=np.int64))
            weights.append(np.asarray(matcher._weights, dtype=np.float64))
            matcher._next_block()
    else:  # another codec: slower, same result
        block_ids, block_weights = [], []
        while matcher.is_active():
            block_ids.append(matcher.id())
            block_weights.append(matcher.weight())
            matcher.next()
        ids.append(np.asarray(block_ids, dtype=np.int64))
        weights.append(np.asarray(block_weights, dtype=np.float64))
    if not ids:
        return _EMPTY_IDS, _EMPTY_WEIGHTS
    return np.concatenate(ids), np.concatenate(weights)


def _leaf_lengths(leaf, fieldname: str) -> np.ndarray:
    """The field length Whoosh's scorer uses for every page of a segment (0 where the field is empty)."""
    count = leaf.doc_count_all()
    if not leaf.schema[fieldname].scorable:
        return np.zeros(count)
    perdoc = getattr(leaf, "_perdoc", None)
    column = perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN) if perdoc is not None else None
    if column is None or not hasattr(column, "_dbfile"):
        return np.array([leaf.doc_field_length(n, fieldname, 0) or 0 for n in range(count)],
                        dtype=np.float64)
    stored = min(column._count, count)
    raw = np.zeros(count, dtype=np.uint8)
    if stored:
        raw[:stored] = np.frombuffer(column._dbfile.get(column._basepos, stored), dtype=np.uint8)
    return _LENGTHS[raw]


class Scored:
    """A query's result over all pages: its score on each page (0 where it does not match) and the matches."""

    __slots__ = ("scores", "mask")

    def __init__(self, scores: np.ndarray, mask: np.ndarray):
        self.scores = scores
        self.mask = mask


class _Generation:
    """What depends on one index state: live pages, facet masks, phrase matches."""

    def __init__(self, key: tuple, size: int, live: np.ndarray):
        self.key = key
        self.size = size
        self.live = live
        self.facets: dict | None = None
        self.lock = threading.Lock()
        self.phrases: OrderedDict = OrderedDict()


class ArrayIndex:
    """Per SearchIndex: the segment cache and the current generation; hands out a view per searcher."""

    def __init__(self, max_mb: int = SEGMENT_CACHE_MB):
        self.segments = _SizedLru(max_mb * 1024 * 1024)
        self._generation: _Generation | None = None
        self._lock = threading.Lock()

    def view(self, searcher: Searcher, key: tuple) -> ArrayView:
        generation = self._generation
        if generation is None or generation.key != key:
            generation = _Generation(key, *self._live(searcher))
            with self._lock:
                self._generation = generation
        return ArrayView(self, generation, searcher)

    @staticmethod
    def _live(searcher: Searcher) -> tuple[int, np.ndarray]:
        reader = searcher.reader()
        size = reader.doc_count_all()
        live = np.ones(size, dtype=bool)
        for leaf, offset in reader.leaf_readers():
            if leaf.has_deletions():
                deleted = np.fromiter(leaf.deleted_docs_set, dtype=np.int64)
                live[deleted + offset] = False
        return size, live


class ArrayView:
    """Evaluates Whoosh query trees (Term, And, Or, AndNot, Phrase, …) over arrays, for one searcher."""

    def __init__(self, index: ArrayIndex, generation: _Generation, searcher: Searcher):
        self.index = index
        self.generation = generation
        self.searcher = searcher
        self.reader = searcher.reader()
        self.size = generation.size
        self.live = generation.live
        self.leaves = self.reader.leaf_readers()
        weighting = searcher.weighting
        if type(weighting) is not BM25F:
            raise TypeError(f"array scoring implements BM25F only, not {type(weighting).__name__}")
        self.weighting = weighting

    # --- Postings ---------------------------------------------------------------------------------

    def _segment_value(self, leaf, what: tuple, load: Callable):
        key = (_segment_name(leaf), *what)
        value = self.index.segments.get(key)
        if value is None:
            value = load()
            size = sum(part.nbytes for part in value) if isinstance(value, tuple) else value.nbytes
            self.index.segments.put(key, value, size)
        return value

    def postings(self, fieldname: str, text: str, *, lengths: bool = False):
        """(page numbers, weights[, field lengths]) of a term over the whole index, deleted pages included."""
        btext = self.searcher.schema[fieldname].to_bytes(text)
        parts = []
        for leaf, offset in self.leaves:
            if (fieldname, btext) not in leaf:
                continue
            ids, weights = self._segment_value(leaf, ("p", fieldname, btext),
                                               lambda: _leaf_postings(leaf, fieldname, btext))
            if lengths:
                field_lengths = self._segment_value(leaf, ("l", fieldname),
                                                    lambda: _leaf_lengths(leaf, fieldname))
                parts.append((ids + offset, weights, field_lengths[ids]))
            else:
                parts.append((ids + offset, weights))
        if not parts:
            return (_EMPTY_IDS, _EMPTY_WEIGHTS, _EMPTY_WEIGHTS) if lengths else (_EMPTY_IDS, _EMPTY_WEIGHTS)
        if len(parts) == 1:
            return parts[0]
        return tuple(np.concatenate(column) for column in zip(*parts))

    def term_ids(self, fieldname: str, text: str) -> np.ndarray:
        """The live pages that contain a term."""
        ids = self.postings(fieldname, text)[0]
        return ids[self.live[ids]]

    def term_scores(self, fieldname: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(page numbers, BM25F scores) of a term, exactly as Whoosh's BM25FScorer computes them."""
        ids, weights, lengths = self.postings(fieldname, text, lengths=True)
        if not len(ids):
            return ids, weights
        searcher = self.searcher
        idf = searcher.idf(fieldname, text)
        avgfl = searcher.avg_field_length(fieldname) or 1
        B = self.weighting._field_B.get(fieldname, self.weighting.B)
        K1 = self.weighting.K1
        # whoosh.scoring.bm25, term by term in the same order, so the floats come out the same.
        scores = idf * ((weights * (K1 + 1)) / (weights + K1 * ((1 - B) + B * lengths / avgfl)))
        return ids, scores

    # --- Evaluating query trees -------------------------------------------------------------------

    def _empty(self) -> Scored:
        return Scored(np.zeros(self.size), np.zeros(self.size, dtype=bool))

    def matches(self, query: Query | None) -> np.ndarray:
        """The live pages a query matches, as a boolean mask (no scoring)."""
        if query is None:
            return np.zeros(self.size, dtype=bool)
        return self._mask(query) & self.live

    def _mask(self, query: Query) -> np.ndarray:
        if isinstance(query, Term):
            mask = np.zeros(self.size, dtype=bool)
            mask[self.postings(query.fieldname, query.text)[0]] = True
            return mask
        if isinstance(query, And):
            parts = query.subqueries
            if not parts:
                return np.zeros(self.size, dtype=bool)
            mask = self._mask(parts[0])
            for part in parts[1:]:
                if not mask.any():
                    break
                mask &= self._mask(part)
            return mask
        if isinstance(query, Or):
            mask = np.zeros(self.size, dtype=bool)
            for part in query.subqueries:
                mask |= self._mask(part)
            return mask
        if isinstance(query, AndNot):
            return self._mask(query.a) & ~self._mask(query.b)
        return self._delegated(query).mask

    def scored(self, query: Query) -> Scored:
        """Scores and matches of a query over all pages (deleted pages never match)."""
        result = self._scored(query)
        result.mask &= self.live
        result.scores[~result.mask] = 0.0
        return result

    def _scored(self, query: Query) -> Scored:
        if isinstance(query, Term):
            result = self._empty()
            ids, scores = self.term_scores(query.fieldname, query.text)
            if query.boost != 1.0:
                scores = scores * query.boost
            result.scores[ids] = scores
            result.mask[ids] = True
            return result
        if isinstance(query, (And, Or)):
            parts = query.subqueries
            if not parts:
                return self._empty()
            if len(parts) == 1:
                return self._scored(parts[0])  # as Whoosh: a lone part keeps its own boost only
            if isinstance(query, And):
                result = self._scored(parts[0])
                for part in parts[1:]:
                    other = self._scored(part)
                    result.scores += other.scores
                    result.mask &= other.mask
                result.scores[~result.mask] = 0.0
            else:
                result = self._empty()
                for part in parts:
                    other = self._scored(part)
                    result.scores += other.scores
                    result.mask |= other.mask
                if getattr(query, "scale", None):
                    self._coordinate(query, result)
            if query.boost != 1.0:
                result.scores *= query.boost
            return result
        if isinstance(query, AndNot):
            result = self._scored(query.a)
            result.mask &= ~self._mask(query.b)
            result.scores[~result.mask] = 0.0
            return result
        return self._delegated(query)

    def _coordinate(self, query: Or, result: Scored) -> None:
        """Whoosh's CoordMatcher (the "SQR" bonus): pages with more of the query's terms rank higher."""
        # Whoosh counts the term matchers of the tree (a phrase's words too, when all of them are
        # in the index) and, per page, those that match it.
        count = 0
        matching = np.zeros(self.size)
        for leaf in _term_leaves(query):
            if isinstance(leaf, Term):
                ids = self.postings(leaf.fieldname, leaf.text)[0]
                if len(ids):
                    count += 1
                    matching[ids] += 1
            elif all(len(self.postings(leaf.fieldname, word)[0]) for word in leaf.words):
                count += len(leaf.words)
                matching += len(leaf.words) * self._delegated(leaf).mask
        if count == 0 or count == query.scale:
            result.scores[:] = 0.0
            return
        bonus = (result.scores + (matching - 1) / (count - query.scale) ** 2) * ((count - 1) / count)
        result.scores = np.where(result.mask, bonus, 0.0)

    def _phrase(self, query: Phrase) -> Scored:
        """A phrase: which pages have its words in order is Whoosh's positional matcher's answer,
        kept per segment (positions never change); the score is the sum of its words' scores,
        as Whoosh's span matcher adds up the terms it wraps."""
        matched = []
        for (leaf, offset), (subsearcher, _) in zip(self.leaves, self.searcher.leaf_searchers()):
            def load(subsearcher=subsearcher):
                matcher = query.matcher(subsearcher, subsearcher.boolean_context())
                return np.fromiter(matcher.all_ids(), dtype=np.int64)
            matched.append(self._segment_value(
                leaf, ("phrase", query.fieldname, tuple(query.words), query.slop), load) + offset)
        ids = np.concatenate(matched) if matched else _EMPTY_IDS
        result = self._empty()
        if not len(ids):
            return result
        words = []
        for word in query.words:
            word_ids, scores = self.term_scores(query.fieldname, word)
            dense = np.zeros(self.size)
            dense[word_ids] = scores
            words.append(dense)
        total = _tree_sum(words)[ids]  # in the order of Whoosh's binary tree, for the same floats
        if query.boost != 1.0:
            total = total * query.boost
        result.scores[ids] = total
        result.mask[ids] = True
        return result

    def _delegated(self, query: Query) -> Scored:
        """Anything else is matched and scored by Whoosh itself, once per index state."""
        if isinstance(query, Phrase) and query.slop == 1:
            return self._phrase(query)
        generation = self.generation
        with generation.lock:
            cached = generation.phrases.get(query)
        if cached is None:
            ids, scores = [], []
            context = self.searcher.context(needs_current=True)
            for subsearcher, offset in self.searcher.leaf_searchers():
                matcher = query.matcher(subsearcher, context)
                while matcher.is_active():
                    ids.append(matcher.id() + offset)
                    scores.append(matcher.score())
                    matcher.next()
            cached = (np.asarray(ids, dtype=np.int64), np.asarray(scores, dtype=np.float64))
            with generation.lock:
                generation.phrases[query] = cached
                while len(generation.phrases) > GENERATION_CACHE_ENTRIES:
                    generation.phrases.popitem(last=False)
        result = self._empty()
        result.scores[cached[0]] = cached[1]
        result.mask[cached[0]] = True
        return result

    # --- Ranking and facets -----------------------------------------------------------------------

    def top(self, scored: Scored, limit: int, within: np.ndarray | None = None,
            tiers: np.ndarray | None = None) -> list[tuple[float, int]]:
        """The best `limit` (score, page) among the matches (within a mask), as Whoosh orders them:
        higher score first, the lower page number first among equal scores.

        tiers: a number per page that ranks before the score (higher first), e.g. how many of the
        query's words a page has."""
        mask = scored.mask if within is None else scored.mask & within
        ids = np.flatnonzero(mask)
        if limit < 1 or not len(ids):
            return []
        scores = scored.scores[ids]
        if tiers is not None:
            order = np.lexsort((ids, -scores, -tiers[ids]))[:limit]
            return [(float(scores[i]), int(ids[i])) for i in order]
        if limit < len(ids):
            cut = np.partition(scores, len(scores) - limit)[len(scores) - limit]
            keep = scores >= cut  # everything tied with the last place, so ties break by page number
            ids, scores = ids[keep], scores[keep]
        order = np.lexsort((ids, -scores))[:limit]
        return [(float(scores[i]), int(ids[i])) for i in order]

    def facet_masks(self, facets) -> dict[str, dict[str, np.ndarray]]:
        """For each (facet, field): value -> mask of the live pages having it; once per index state."""
        generation = self.generation
        if generation.facets is None:
            masks = {}
            for facet, fieldname in facets:
                values = {}
                for term in self.reader.lexicon(fieldname):
                    if not term:
                        continue
                    mask = np.zeros(self.size, dtype=bool)
                    mask[self.term_ids(fieldname, term.decode("utf-8"))] = True
                    if mask.any():
                        values[term.decode("utf-8")] = mask
                masks[facet] = values
            generation.facets = masks
        return generation.facets


def _tree_sum(values: list):
    """a + b + … added up as Whoosh's make_binary_tree pairs them."""
    if len(values) == 1:
        return values[0]
    half = len(values) // 2
    return _tree_sum(values[:half]) + _tree_sum(values[half:])


def _term_leaves(query: Query):
    """The Term and Phrase leaves of a tree: what Whoosh's CoordMatcher counts."""
    if isinstance(query, (Term, Phrase)):
        yield query
    elif isinstance(query, AndNot):
        yield from _term_leaves(query.a)
    else:
        for part in getattr(query, "subqueries", ()):
            yield from _term_leaves(part)
