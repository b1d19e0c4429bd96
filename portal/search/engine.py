"""The search index on disk: schema, upserts and deletes, atomic rebuilds, safe searching, title suggestions.

Everything works on plain dicts; which revisions to index, and when, is the caller's business. The
index directory given to open_index() and rebuild() is a symlink to the current generation, so a
rebuild swaps a complete index in with one rename and readers never see half of one.
"""
from __future__ import annotations

import json
import math
import os
import pickle
import re
import secrets
import shutil
import struct
import threading
import time
import zlib
from bisect import bisect_right
from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Iterable, Iterator, Mapping, Sequence

import numpy as np
from whoosh import index as whoosh_index
from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.query import And, AndNot, Phrase, Query, Term
# The tree of unions, as Whoosh's own search would score it; ranking evaluates these query trees
# over arrays (arrays.py) with the same scores, and the tests compare the two.
from whoosh.query.compound import DefaultOr as Or
from whoosh.searching import Searcher
from whoosh.support.levenshtein import distance

from .arrays import ArrayIndex, ArrayView
from .analysis import (
    ANALYSIS_VERSION, WORD_PATTERN, folded_analyzer, fold, normalize_word, pair_analyzer, pair_key,
    prefix_analyzer, same_stem, spelling_analyzer, weighted_analyzer, weighted_text,
)
from .querying import ParsedQuery, Unit, parse_query
from .snippets import TermMatcher, highlight, passage
from .synonyms import SynonymSet

# Bump when the schema or the text indexed of a document changes (services.index_entry); older
# indexes then report IndexOutdated and are rebuilt. 6: blanks as readers see them ("Uppgift saknas").
# 7: where each heading's section begins in the body, so a hit links to the section of its snippet.
FORMAT_VERSION = 7
MARKER_FILE = "samverkansportalen-search.json"
WATERMARK_FILE = "watermark.json"  # the newest database change this generation has applied
WRITE_TIMEOUT = 5.0  # seconds a writer waits for another writer before giving up
REBUILD_MEMORY_MB = 256
MERGE_FROM_SEGMENTS = 10  # small commits add a segment each; merge when there are this many
REBUILD_PROCS = max(1, min(4, os.cpu_count() or 1))  # for large rebuilds: analysis is pure Python
MAX_PER_PAGE = 50
# Results kept per process: people ask the same few questions (orosanmälan, SIP) again and again.
# A result is only reused on the very index state it was computed on.
RESULT_CACHE_SIZE = 256

# Query-time weights. The title says what a page is about; folded (diacritic-free) matches count
# less than exact ones, so a correctly spelled word ranks a correctly spelled page first.
# A word counts more in the title than in the headings and keywords, and more there than in the body.
SECTION_WEIGHTS = {"title": 6.0, "headings": 2.5, "tags": 2.5, "body": 1.0}
# The same word without its å, ä or ö counts less: a correctly spelled word ranks its own page first.
EXACT_FIELDS = (("words", 1.0),)
FOLDED_FIELDS = (("words_folded", 0.35), ("title_folded", 3.0))  # short title lists: cheap to add
# A phrase is its word pairs (plain terms, no position lists to compare), and in a title a real
# phrase, which is cheap there and ranks a page named by the phrase first.
PHRASE_TITLE_WEIGHT = 6.0
PHRASE_TEXT_WEIGHT = 1.0
# Every word of title, headings, body, tags and legal references is in a folded field (pairs of them
# in "pairs"), so these decide whether a page matches at all; the exact fields only rank.
MATCH_FIELDS = frozenset(["words_folded", "pairs"])  # a phrase in a title is in its pairs too
RARITY_FIELD = "words_folded"  # every word of every page: where how common a word is, is read
SYNONYM_WEIGHT = 0.8
FUZZY_WEIGHT = 0.5
FUZZY_MAX_CANDIDATES = 4
FACETS = (("kind", "kind"), ("department", "department"), ("tag", "tags"))
SUGGEST_MIN_CHARS = 2
SUGGEST_SCAN = 100

FEW_RESULTS = 3  # fewer pages with all the words than this, and pages with some of them follow
COORDINATION = 0.9  # among pages with as many of the words, more of their terms rank higher
# A word that no page has ("sek", "sekr", "självskada"), or one typed with a trailing * ("sek*"),
# also finds the indexed words it begins, as a reader expects of a search box: the most common
# few of them, weighted below the word itself.
PREFIX_MIN_CHARS = 3
PREFIX_MAX_TERMS = 8
PREFIX_SCAN = 5000  # indexed words looked at per prefix, so a short one stays cheap on a large index
PREFIX_WEIGHT = 0.6

OR_FALLBACK = "Ingen sida innehöll alla sökorden. Här visas sidor som innehåller några av dem."
SOME_WORDS = "Få sidor innehöll alla sökorden. Efter dem visas sidor som innehåller några av orden."

# Exceptions a damaged or vanished index raises from inside Whoosh.
_READ_ERRORS = (OSError, EOFError, ValueError, LookupError, AssertionError, struct.error,
                pickle.UnpicklingError, zlib.error, whoosh_index.IndexError)


class SearchIndexError(Exception):
    """Base of the errors this module raises; the message is Swedish and may be shown to a user."""


class IndexUnavailable(SearchIndexError):
    """The index is missing, damaged or unreadable; rebuilding it (flask search reindex) repairs it."""


class IndexOutdated(IndexUnavailable):
    """The index was built by another version of the schema or analysis and must be rebuilt."""


class IndexBusy(SearchIndexError):
    """Another writer held the index for longer than the timeout; the write did not happen."""


def build_schema() -> Schema:
    return Schema(
        slug=ID(stored=True, unique=True, sortable=True),
        doc_id=ID(stored=True),  # the database id: stays when the slug is renamed
        title=STORED(),
        body=STORED(),  # plain text, for snippets
        sections=STORED(),  # ((offset in body, heading id or None, heading text), ...), in order
        legal_refs=STORED(),
        # Every word of title, headings, tags, legal references and body, weighted by where it
        # stands (SECTION_WEIGHTS): as written (base forms), and without diacritics.
        words=TEXT(analyzer=weighted_analyzer(), phrase=False),
        words_folded=TEXT(analyzer=weighted_analyzer(folded=True), phrase=False),
        title_folded=TEXT(analyzer=folded_analyzer()),  # for phrases in titles
        title_prefix=TEXT(analyzer=prefix_analyzer(), phrase=False),
        pairs=TEXT(analyzer=pair_analyzer(), phrase=False),  # neighbouring words, for phrases
        spelling=TEXT(analyzer=spelling_analyzer(), phrase=False),
        tags=KEYWORD(stored=True, commas=True),
        kind=ID(stored=True),
        department=ID(stored=True),
        # Never searched by value, only read back: one term per page instead of Whoosh's sixteen
        # (range-query tiers), and the date only stored; a rebuild writes fewer postings.
        revision_id=NUMERIC(int, bits=64, stored=True, sortable=True, shift_step=64),
        published_at=STORED(),
    )


SCHEMA = build_schema()

# The keys of a document dict, with the type each must have.
DOC_FIELDS = {
    "slug": str, "title": str, "body": str, "headings": list, "tags": list, "kind": str,
    "department": str, "legal_refs": list, "revision_id": int, "published_at": datetime,
    "document_id": int, "sections": list,
}


def _as_fields(doc: Mapping) -> dict:
    """Check a document dict and turn it into Whoosh field values."""
    unknown = set(doc) - set(DOC_FIELDS)
    if unknown:
        raise ValueError(f"unknown document keys: {sorted(unknown)}")
    for key, expected in DOC_FIELDS.items():
        value = doc.get(key)
        if value is None:
            continue
        if key == "sections":
            _check_sections(value)
        elif expected is list:
            if isinstance(value, str) or not all(isinstance(item, str) for item in value):
                raise ValueError(f"{key} must be a list of strings, got {value!r}")
        elif not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise ValueError(f"{key} must be {expected.__name__}, got {type(value).__name__}")
    slug, title = doc.get("slug") or "", doc.get("title") or ""
    if not slug.strip() or not title.strip():
        raise ValueError(f"a document needs a slug and a title, got {slug!r} / {title!r}")
    tags = [tag.strip() for tag in doc.get("tags") or () if tag.strip()]
    if any("," in tag for tag in tags):
        raise ValueError(f"a tag may not contain a comma: {tags!r}")
    headings = list(doc.get("headings") or ())
    legal_refs = list(doc.get("legal_refs") or ())
    body = doc.get("body") or ""
    weighted = weighted_text([(SECTION_WEIGHTS["title"], title),
                              (SECTION_WEIGHTS["headings"], "\n".join(headings)),
                              (SECTION_WEIGHTS["tags"], "\n".join([*tags, *legal_refs])),
                              (SECTION_WEIGHTS["body"], body)])
    fields = {
        "slug": slug, "title": title, "body": body, "legal_refs": "\n".join(legal_refs),
        "words": weighted, "words_folded": weighted, "title_folded": title, "title_prefix": title,
        "pairs": "\n".join([title, *headings, body, *tags, *legal_refs]),
        "spelling": "\n".join([title, *headings, body]),
        "tags": ",".join(tags),
        "kind": doc.get("kind") or "", "department": doc.get("department") or "",
    }
    if doc.get("sections"):
        fields["sections"] = tuple((offset, heading_id, text) for offset, heading_id, text in doc["sections"])
    if doc.get("document_id") is not None:
        fields["doc_id"] = str(doc["document_id"])
    for key in ("revision_id", "published_at"):
        if doc.get(key) is not None:
            fields[key] = doc[key]
    return fields


def _check_sections(sections) -> None:
    """Sections are (offset, id, heading text) in the order of the body, the id None for a heading
    the page gives none (a section no link can lead to)."""
    offsets = []
    for section in sections:
        if not (isinstance(section, (tuple, list)) and len(section) == 3):
            raise ValueError(f"a section must be (offset, id, text), got {section!r}")
        offset, heading_id, text = section
        if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0 \
                or not (heading_id is None or isinstance(heading_id, str)) or not isinstance(text, str):
            raise ValueError(f"a section must be (offset, id, text), got {section!r}")
        offsets.append(offset)
    if offsets != sorted(offsets):
        raise ValueError(f"sections must be in the order of the body, got offsets {offsets!r}")


# --- The index directory and its generations ------------------------------------------------------


def _generation_dirs(path: Path) -> list[Path]:
    return sorted(path.parent.glob(f"{path.name}.gen-*"))


def _write_marker(folder: Path) -> None:
    marker = {"format": FORMAT_VERSION, "analysis": ANALYSIS_VERSION}
    (folder / MARKER_FILE).write_text(json.dumps(marker), encoding="utf-8")


def _check_marker(folder: str) -> None:
    try:
        marker = json.loads(Path(folder, MARKER_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        if not os.path.isdir(folder):
            raise IndexUnavailable("Sökindexet saknas. Bygg det med ”flask search reindex”.") from None
        raise IndexOutdated("Sökindexet saknar versionsuppgift och behöver byggas om "
                            "(flask search reindex).") from None
    except (OSError, ValueError) as exc:
        raise IndexUnavailable("Sökindexets versionsuppgift går inte att läsa. "
                               "Bygg om det med ”flask search reindex”.") from exc
    if marker != {"format": FORMAT_VERSION, "analysis": ANALYSIS_VERSION}:
        raise IndexOutdated("Sökindexet byggdes av en annan version av sökfunktionen och behöver "
                            "byggas om (flask search reindex).")


def _new_generation(path: Path) -> tuple[Path, Path]:
    """A fresh, empty build folder and the generation name it will get when complete."""
    token = f"{time.time_ns():020d}-{secrets.token_hex(4)}"
    build = path.parent / f".{path.name}.build-{token}"
    build.mkdir(parents=True)
    return build, path.parent / f"{path.name}.gen-{token}"


def _swap_in(path: Path, build: Path, generation: Path) -> None:
    """Make `generation` (built in `build`) the index at `path` in one atomic rename."""
    os.rename(build, generation)
    link = path.parent / f".{path.name}.link-{generation.name}"
    os.symlink(generation.name, link)  # relative, so the parent folder may move
    if path.is_dir() and not path.is_symlink():
        # An index from before generations: move it aside so the link can take its place.
        os.rename(path, path.parent / f"{path.name}.gen-{0:020d}-legacy")
    os.replace(link, path)


def _remove_old_generations(path: Path) -> None:
    """Keep the current generation and the one before it: readers may still have that one open."""
    current = Path(os.path.realpath(path))
    older = [folder for folder in _generation_dirs(path) if folder.name < current.name]
    for folder in older[:-1]:
        shutil.rmtree(folder, ignore_errors=True)


def _create(path: Path) -> None:
    build, generation = _new_generation(path)
    whoosh_index.create_in(str(build), SCHEMA)
    _write_marker(build)
    _swap_in(path, build, generation)


class SearchIndex:
    """An index directory. Cheap to keep for the life of a process; every call reads the current state."""

    def __init__(self, path: Path):
        self.path = path
        self._local = threading.local()
        self._results_lock = threading.Lock()
        self._results: OrderedDict[tuple, object] = OrderedDict()
        self._arrays = ArrayIndex()

    def __repr__(self) -> str:
        return f"SearchIndex({str(self.path)!r})"

    def whoosh(self) -> whoosh_index.FileIndex:
        """The current generation's Whoosh index, opened directly so one operation sees one generation."""
        folder = os.path.realpath(self.path)
        _check_marker(folder)
        try:
            return whoosh_index.FileIndex(FileStorage(folder, supports_mmap=False), schema=SCHEMA)
        except _READ_ERRORS as exc:
            raise IndexUnavailable("Sökindexet är skadat och behöver byggas om "
                                   "(flask search reindex).") from exc

    @contextmanager
    def reading(self) -> Iterator[Searcher]:
        """A searcher; errors from a damaged index come out as IndexUnavailable.

        Each thread keeps its searcher open between calls (opening one reads the segment's table of
        contents) and reopens it when the index has changed or another generation was swapped in.
        """
        cached = getattr(self._local, "searcher", None)
        folder = os.path.realpath(self.path)
        try:
            if cached is None or cached[0] != folder or not cached[1].up_to_date():
                self._forget()
                cached = (folder, self.whoosh().searcher())
                self._local.searcher = cached
            yield cached[1]
        except _READ_ERRORS as exc:
            self._forget()
            raise IndexUnavailable("Sökindexet kunde inte läsas och behöver byggas om "
                                   "(flask search reindex).") from exc

    def _forget(self) -> None:
        cached = getattr(self._local, "searcher", None)
        self._local.searcher = None
        if cached is not None:
            try:
                cached[1].close()
            except Exception:  # noqa: BLE001 - a damaged or vanished index may fail to close
                pass

    @staticmethod
    def generation_key(searcher: Searcher) -> tuple:
        """Names the index state a searcher sees: it changes with every commit and every rebuild."""
        # The commit number counts commits (deletions too) within one generation folder; segment ids
        # are random and never reused, so they tell generation folders apart.
        reader = searcher.reader()
        segments = (leaf.segment() for leaf, _ in reader.leaf_readers())
        return (reader.generation(), *(segment.segment_id() for segment in segments if segment is not None))

    def cached_result(self, key: tuple):
        """A result computed earlier on the same index state with the same input, if remembered."""
        with self._results_lock:
            result = self._results.get(key)
            if result is not None:
                self._results.move_to_end(key)
            return result

    def remember_result(self, key: tuple, result) -> None:
        with self._results_lock:
            if self._results and next(iter(self._results))[0] != key[0]:
                self._results.clear()  # the index changed: every older result is stale
            self._results[key] = result
            while len(self._results) > RESULT_CACHE_SIZE:
                self._results.popitem(last=False)

    def arrays(self, searcher: Searcher, generation: tuple | None = None) -> ArrayView:
        """Postings as arrays for ranking and matching, bound to the index state the searcher sees."""
        return self._arrays.view(searcher, generation or self.generation_key(searcher))


def open_index(path: str | os.PathLike, *, create: bool = True) -> SearchIndex:
    """Open the index at `path`, creating an empty one if there is none (unless create=False).

    Raises IndexUnavailable when the index is missing (create=False) or damaged, IndexOutdated when
    it was built by another version and must be rebuilt.
    """
    path = Path(path)
    if path.is_dir() and not path.is_symlink() and not any(path.iterdir()):
        path.rmdir()  # an empty folder (e.g. made by a deploy script) holds no index to keep
    if not path.exists():
        if path.is_symlink():  # a link to a generation that is gone
            raise IndexUnavailable("Sökindexet saknas. Bygg det med ”flask search reindex”.")
        if not create:
            raise IndexUnavailable("Sökindexet saknas. Bygg det med ”flask search reindex”.")
        path.parent.mkdir(parents=True, exist_ok=True)
        _create(path)
    ix = SearchIndex(path)
    with ix.reading() as searcher:
        searcher.doc_count()  # opens every segment, so damage shows now rather than mid-request
    return ix


def verify(ix: SearchIndex) -> int:
    """Read a little of every segment (a stored document and one term's postings), so a damaged
    segment file shows as IndexUnavailable; the table of contents alone looks fine. The number of
    documents."""
    with ix.reading() as searcher:
        for leaf, _offset in searcher.leaf_searchers():
            reader = leaf.reader()
            for docnum in reader.all_doc_ids():
                reader.stored_fields(docnum)
                break
            for term in reader.lexicon("slug"):
                list(reader.postings("slug", term).all_ids())
                break
        return searcher.doc_count()


@contextmanager
def _writing(ix: SearchIndex, timeout: float):
    try:
        writer = ix.whoosh().writer(timeout=timeout, delay=0.05)
    except whoosh_index.LockError as exc:
        raise IndexBusy("Sökindexet uppdateras av någon annan just nu. Försök igen om en stund.") from exc
    try:
        yield writer
    except _READ_ERRORS as exc:
        # Deleting the old entries reads the segments: damage found while writing is the same
        # "rebuild me" as damage found while searching (the caller turns it into a rebuild).
        writer.cancel()
        raise IndexUnavailable("Sökindexet är skadat och behöver byggas om (flask search reindex).") from exc
    except BaseException:
        writer.cancel()
        raise
    # Merging segments costs a few hundred milliseconds; a publish should not pay it every time.
    if len(writer.segments) >= MERGE_FROM_SEGMENTS:
        writer.commit()
    else:
        writer.commit(merge=False)


def upsert(ix: SearchIndex, docs: Iterable[Mapping], *, timeout: float = WRITE_TIMEOUT) -> int:
    """Add or replace documents (matched on slug) in one commit; returns how many were written.

    Documents are checked before the index is locked (ValueError for a bad one). If another writer
    holds the index for more than `timeout` seconds, IndexBusy is raised and nothing is written.
    """
    fields = [_as_fields(doc) for doc in docs]
    if not fields:
        return 0
    with _writing(ix, timeout) as writer:
        for values in fields:
            writer.update_document(**values)
    return len(fields)


def delete(ix: SearchIndex, slugs: Iterable[str], *, timeout: float = WRITE_TIMEOUT) -> int:
    """Remove documents by slug in one commit; returns how many were found and removed."""
    slugs = list(dict.fromkeys(slugs))
    if not slugs:
        return 0
    with _writing(ix, timeout) as writer:
        return sum(writer.delete_by_term("slug", slug) for slug in slugs)


def replace(ix: SearchIndex, document_ids: Iterable[int], docs: Iterable[Mapping], *,
            timeout: float = WRITE_TIMEOUT) -> int:
    """Remove every entry of the given database documents, then add `docs`, in one commit.

    This is how a change from the database is applied: a renamed document loses its old slug, an
    archived one (given in document_ids, absent from docs) disappears. Returns how many were added.
    """
    ids = [str(number) for number in dict.fromkeys(document_ids)]
    fields = [_as_fields(doc) for doc in docs]
    if not ids and not fields:
        return 0
    with _writing(ix, timeout) as writer:
        for number in ids:
            writer.delete_by_term("doc_id", number)
        for values in fields:
            writer.update_document(**values)
    return len(fields)


def indexed_documents(ix: SearchIndex, document_ids: Iterable[int]) -> dict[int, set[tuple]]:
    """database id -> the (slug, revision_id, kind, department) entries the index holds for it."""
    found: dict[int, set[tuple]] = {}
    with ix.reading() as searcher:
        for number in dict.fromkeys(document_ids):
            for docnum in searcher.document_numbers(doc_id=str(number)):
                stored = searcher.stored_fields(docnum)
                found.setdefault(number, set()).add((stored["slug"], stored.get("revision_id"),
                                                     stored.get("kind"), stored.get("department")))
    return found


def read_watermark(ix: SearchIndex) -> int:
    """The newest database change applied to the current generation (0 when unknown)."""
    try:
        text = Path(os.path.realpath(ix.path), WATERMARK_FILE).read_text(encoding="utf-8")
        return int(json.loads(text)["change_id"])
    except (OSError, ValueError, KeyError, TypeError):
        return 0


def _store_watermark(folder: Path, change_id: int) -> None:
    temporary = folder / f".{WATERMARK_FILE}.{secrets.token_hex(4)}"
    temporary.write_text(json.dumps({"change_id": int(change_id)}), encoding="utf-8")
    os.replace(temporary, folder / WATERMARK_FILE)


def write_watermark(ix: SearchIndex, change_id: int) -> None:
    """Remember that changes up to `change_id` are applied (never moves backwards)."""
    if change_id > read_watermark(ix):
        _store_watermark(Path(os.path.realpath(ix.path)), change_id)


def rebuild(path: str | os.PathLike, docs: Iterable[Mapping], *, watermark: int = 0, procs: int = 1) -> int:
    """Build a complete new index from `docs` beside the old one, then swap it in atomically.

    Searches keep using the old index until the swap. Writes made to the old index while the
    rebuild runs are lost with it, so the caller catches up afterwards (from its watermark).
    Returns the number of documents indexed. A bad document raises ValueError and changes nothing.
    procs > 1 analyses in that many processes (worth it from about a thousand documents).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    build, generation = _new_generation(path)
    count = 0
    try:
        writer = whoosh_index.create_in(str(build), SCHEMA).writer(limitmb=REBUILD_MEMORY_MB, procs=procs, multisegment=procs > 1)
        try:
            for doc in docs:
                writer.add_document(**_as_fields(doc))
                count += 1
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        _write_marker(build)
        _store_watermark(build, watermark)
        _swap_in(path, build, generation)
    except BaseException:
        shutil.rmtree(build, ignore_errors=True)
        raise
    _remove_old_generations(path)
    return count


def indexed_revisions(ix: SearchIndex) -> dict[str, int | None]:
    """slug -> revision_id of every indexed document, to compare with the database."""
    with ix.reading() as searcher:
        reader = searcher.reader()
        if reader.doc_count_all() == 0:
            return {}  # an empty reader has no columns
        slugs = reader.column_reader("slug")
        revisions = reader.column_reader("revision_id")
        found = {}
        for docnum in reader.all_doc_ids():
            revision = revisions[docnum]
            found[slugs[docnum]] = revision if revision else None
        return found


# --- Searching --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hit:
    slug: str
    title: str
    title_html: str  # escaped, matched words in <mark>
    snippet: str  # escaped, matched words in <mark>
    kind: str
    department: str
    tags: tuple[str, ...]
    revision_id: int | None
    published_at: datetime | None
    score: float
    # The section of the document where the snippet is: the heading's id on the document page and
    # its text; None when the snippet is before the first heading or no word of the query is in it.
    section_id: str | None = None
    section_title: str | None = None


@dataclass(frozen=True)
class SearchResult:
    """What a search found, and what the user should be told about how their input was read."""

    query: str  # the input as searched: cleaned, possibly shortened
    hits: tuple[Hit, ...]
    total: int
    page: int
    per_page: int
    facets: dict[str, tuple[tuple[str, int], ...]]  # "kind"/"department"/"tag" -> (value, count)
    suggestion: str | None  # "Menade du …?": the query with misspelt words corrected
    messages: tuple[str, ...]  # Swedish notices for the user
    input_adjusted: bool  # part of the input was ignored or changed; see messages
    filters: dict[str, str] = field(default_factory=dict)  # the filters applied: facet -> value
    unfiltered_total: int = 0  # hits the same query has without any filter
    unknown_filters: tuple[tuple[str, str], ...] = ()  # (facet, value) asked for, no page has it: not applied

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))


def _max_edits(word: str) -> int:
    # Short words have too many neighbours; one typo in a long word is still recognisable.
    if len(word) < 5:
        return 0
    return 1 if len(word) < 8 else 2


class _QueryBuilder:
    """Turns parsed units into Whoosh queries; remembers the keys to highlight and the corrections made."""

    def __init__(self, searcher: Searcher, synonyms: SynonymSet | None):
        self.reader = searcher.reader()
        self.synonyms = synonyms
        self.exact_keys: set[str] = set()
        self.folded_keys: set[str] = set()
        self.corrections: dict[str, str] = {}

    def _known(self, folded_key: str) -> bool:
        return any(self.reader.doc_frequency(field, folded_key) for field, _ in FOLDED_FIELDS)

    def _prefixed(self, folded_key: str) -> list[str]:
        """Indexed keys that begin with a word's key, most pages first: "sek" -> sekretess, sekreterare."""
        if len(folded_key) < PREFIX_MIN_CHARS:
            return []
        found = []
        for count, term in enumerate(self.reader.expand_prefix("words_folded", folded_key)):
            if count >= PREFIX_SCAN:
                break
            term = term.decode("utf-8") if isinstance(term, bytes) else term
            if term != folded_key:
                found.append((-self.reader.doc_frequency("words_folded", term), term))
        return [term for _, term in sorted(found)[:PREFIX_MAX_TERMS]]

    def _candidates(self, word: str) -> list[str]:
        """Indexed spellings within a few edits of a word, the closest and most common first."""
        edits = _max_edits(word)
        if not edits:
            return []
        found = self.reader.terms_within("spelling", word, edits, prefix=edits)
        ranked = sorted(
            (distance(word, candidate, limit=edits), -self.reader.doc_frequency("spelling", candidate),
             candidate)
            for candidate in found if candidate != word
        )
        return [candidate for *_, candidate in ranked[:FUZZY_MAX_CANDIDATES]]

    def _terms(self, word: str, weight: float) -> Query:
        key, folded_key = normalize_word(word), normalize_word(word, folded=True)
        self.exact_keys.add(key)
        self.folded_keys.add(folded_key)
        return Or([Term(field, key, boost=boost * weight) for field, boost in EXACT_FIELDS]
                  + [Term(field, folded_key, boost=boost * weight) for field, boost in FOLDED_FIELDS])

    def _folded_terms(self, folded_key: str, weight: float) -> Query:
        self.folded_keys.add(folded_key)
        return Or([Term(field, folded_key, boost=boost * weight) for field, boost in FOLDED_FIELDS])

    def word(self, word: str, weight: float = 1.0, *, fuzzy: bool = True, prefix: bool = False) -> Query:
        """A word: its own terms; if no page has it, its closest spellings and the words it begins.

        fuzzy=False (a synonym's member) takes the word as it is; prefix=True (typed "sek*") adds
        the words it begins even when pages have the word itself.
        """
        if not fuzzy:
            return self._terms(word, weight)
        folded_key = normalize_word(word, folded=True)
        known = self._known(folded_key)
        longer = self._prefixed(folded_key) if prefix or not known else []
        own = None
        if known:
            own = self._terms(word, weight)
        else:
            candidates = self._candidates(word)
            if candidates:
                self.corrections[word] = candidates[0]
                own = Or([self._terms(candidate, weight * FUZZY_WEIGHT) for candidate in candidates])
            elif not longer:
                own = self._terms(word, weight)
        alternatives = ([own] if own is not None else []) + [
            self._folded_terms(term, weight * PREFIX_WEIGHT) for term in longer]
        return alternatives[0] if len(alternatives) == 1 else Or(alternatives)

    def phrase(self, words: Sequence[str], weight: float = 1.0, *, fuzzy: bool = True,
               prefix: bool = False) -> Query:
        if len(words) == 1:
            return self.word(words[0], weight, fuzzy=fuzzy, prefix=prefix)
        keys = [normalize_word(w) for w in words]
        folded = [normalize_word(w, folded=True) for w in words]
        self.exact_keys.update(keys)
        self.folded_keys.update(folded)
        pairs = [Term("pairs", pair_key(a, b)) for a, b in zip(folded, folded[1:])]
        text = pairs[0] if len(pairs) == 1 else And(pairs)
        text.boost = PHRASE_TEXT_WEIGHT * weight
        return Or([Phrase("title_folded", folded, boost=PHRASE_TITLE_WEIGHT * weight), text])

    def _expanded(self, own: Query, found_words: Sequence[str], group) -> Query:
        """The user's words or any other member of their synonym group."""
        own_key = tuple(normalize_word(w, folded=True) for w in found_words)
        others = [self.phrase(member.words, SYNONYM_WEIGHT, fuzzy=False)
                  for member in group.members if member.match_key != own_key]
        return Or([own, *others])

    def _run(self, units: list[Unit]) -> list[tuple[Query, tuple[str, ...]]]:
        """Consecutive single words: each must match, except that a synonym's words match as a whole.

        Each query comes with the words it stands for."""
        run = [unit.words[0] for unit in units]
        matches = self.synonyms.find(run) if self.synonyms else []
        queries, position = [], 0
        for match in matches:
            queries.extend((self.word(unit.words[0], prefix=unit.prefix), unit.words)
                           for unit in units[position:match.start])
            span = run[match.start:match.stop]
            # A synonym's member is vocabulary the editors chose, not a typo: never corrected.
            own = (And([self.word(w, fuzzy=False) for w in span]) if len(span) > 1
                   else self.word(span[0], fuzzy=False))
            queries.append((self._expanded(own, span, match.group), tuple(span)))
            position = match.stop
        queries.extend((self.word(unit.words[0], prefix=unit.prefix), unit.words)
                       for unit in units[position:])
        return queries

    def _unit(self, unit: Unit) -> Query:
        if self.synonyms:
            whole = [m for m in self.synonyms.find(unit.words)
                     if (m.start, m.stop) == (0, len(unit.words))]
            if whole:
                own = self.phrase(unit.words, fuzzy=False)
                return self._expanded(own, unit.words, whole[0].group)
        return self.phrase(unit.words, prefix=unit.prefix)

    def required(self, parsed: ParsedQuery) -> list[Query]:
        """One query per group; all of them must match. Each is weighted by how specific it is."""
        queries: list[tuple[Query, tuple[str, ...]]] = []
        run: list[Unit] = []
        for group in parsed.groups:
            if len(group) == 1 and not group[0].phrase:
                run.append(group[0])
                continue
            queries.extend(self._run(run))
            run = []
            alternatives = [self._unit(unit) for unit in group]
            queries.append((alternatives[0] if len(alternatives) == 1 else Or(alternatives),
                            tuple(word for unit in group for word in unit.words)))
        queries.extend(self._run(run))
        if len(queries) > 1:
            specific = [self._specificity(said) for _, said in queries]
            most = max(specific)
            for (query, _), value in zip(queries, specific):
                _scale(query, value / most)
        return [query for query, _ in queries]

    def _specificity(self, said: Sequence[str]) -> float:
        """How much the words of one part of a query say about a page: near 0 for a word on every
        page, most of 1 for a word on a few; a part is as specific as its rarest word.

        Whoosh's idf, log(N / (n + 1)) + 1, gives a word on every page ("barn", in a handbook about
        children) nearly half the weight of a word on one page, so in a question the common words
        outvote the one that says what it is about ("vad gör jag om ett barn berättar"). Each part
        is scaled to the Robertson / Spärck Jones idf of BM25 as Lucene has it,
        log(1 + (N - n + 0.5) / (n + 0.5)), with n the pages having the word anywhere. Only the
        parts are weighed against each other: one word, with its synonyms, ranks as Whoosh ranks it.
        """
        total = self.reader.doc_count_all()
        best = 0.0
        for word in said:
            pages = self.reader.doc_frequency(RARITY_FIELD, normalize_word(word, folded=True))
            if not pages and word in self.corrections:
                pages = self.reader.doc_frequency(RARITY_FIELD,
                                                  normalize_word(self.corrections[word], folded=True))
            if not pages or not total:
                return 1.0  # a word no page has, found by its spellings or as a prefix: rare
            value = (math.log(1 + (total - pages + 0.5) / (pages + 0.5))
                     / (math.log(total / (pages + 1)) + 1))
            best = max(best, value)
        return best or 1.0

    def excluded(self, parsed: ParsedQuery) -> Query | None:
        if not parsed.excluded:
            return None
        exact, folded = set(self.exact_keys), set(self.folded_keys)
        query = Or([self.phrase(unit.words, fuzzy=False) for unit in parsed.excluded])
        self.exact_keys, self.folded_keys = exact, folded  # excluded words are never highlighted
        return query


def _scale(query: Query, factor: float) -> None:
    """Multiply a query's score by factor (a lone part of And/Or is scored without its parent's boost)."""
    while isinstance(query, (And, Or)) and len(query.subqueries) == 1:
        query = query.subqueries[0]
    query.boost *= factor


def _facet_counts(masks: dict[str, dict[str, np.ndarray]], base: np.ndarray,
                  filters: dict[str, str | None]) -> dict:
    """Counts per facet value among the matches, each facet respecting the other active filters."""
    counts = {}
    for facet, _ in FACETS:
        scope = base
        for other, value in filters.items():
            if other != facet and value is not None:
                allowed = masks[other].get(value)
                scope = scope & allowed if allowed is not None else np.zeros_like(base)
        found = ((value, int(np.count_nonzero(scope & docs))) for value, docs in masks[facet].items())
        counts[facet] = tuple(sorted(((v, n) for v, n in found if n), key=lambda item: (-item[1], item[0])))
    return counts


def _suggestion(text: str, corrections: dict[str, str]) -> str | None:
    """The query with its misspelt words corrected, for "Menade du …?"; None when it would not help.

    A correction that only changes a word's ending ("orosanmälning" -> "orosanmälningar") is how
    the index happens to spell the same word: the hits already show it, and offering it reads as
    if the user had made a mistake. Only a different spelling of the stem is worth a suggestion.
    """
    helpful = {wrong: right for wrong, right in corrections.items() if not same_stem(wrong, right)}
    return _corrected(text, helpful) if helpful else None


def _corrected(text: str, corrections: dict[str, str]) -> str:
    for wrong, right in corrections.items():
        text = re.sub(rf"(?i)(?<![^\W_]){re.escape(wrong)}(?![^\W_])", right, text)
    return text


def _empty_result(parsed: ParsedQuery, page: int, per_page: int, filters: dict | None = None,
                  unknown: tuple = ()) -> SearchResult:
    return SearchResult(parsed.text, (), 0, page, per_page, {facet: () for facet, _ in FACETS}, None,
                        tuple(parsed.notices), parsed.adjusted, filters or {}, 0, unknown)


def _known_filters(masks: dict[str, dict[str, np.ndarray]], asked: dict[str, str | None]
                   ) -> tuple[dict[str, str | None], tuple[tuple[str, str], ...]]:
    """The filters as the index has their values, and the ones no page has.

    A value in other letter case is the indexed one ("SAMVERKAN" is the keyword "samverkan"); a value
    no page has would only ever give no hits, so it is left out and reported instead.
    """
    known: dict[str, str | None] = {}
    unknown = []
    for facet, value in asked.items():
        if value is None or value in masks[facet]:
            known[facet] = value
            continue
        same = sorted(indexed for indexed in masks[facet] if indexed.casefold() == value.casefold())
        known[facet] = same[0] if same else None
        if not same:
            unknown.append((facet, value))
    return known, tuple(unknown)


def search(ix: SearchIndex, q: str | None, *, synonyms: SynonymSet | None, kind: str | None = None,
           department: str | None = None, tag: str | None = None, page: int = 1,
           per_page: int = 10) -> SearchResult:
    """Search for any user input; bad input gives notices in the result, never an exception.

    Words are matched by their base form, their compound parts and without diacritics; synonyms
    expand to their group; a word the index does not know is matched by its closest spellings
    and by the longer words it begins (so does a word typed with a trailing *). Pages with more of
    the words rank first, and a word on nearly every page weighs little against a rare one.
    Filters (kind, department, tag) narrow the hits; facet counts respect the other filters. A
    filter value no page has is not applied but named in `unknown_filters`.
    Raises IndexUnavailable only when the index itself cannot be read.
    """
    page = max(1, int(page or 1))
    per_page = min(MAX_PER_PAGE, max(1, int(per_page or 10)))
    parsed = parse_query(q)
    asked = {"kind": kind or None, "department": department or None, "tag": tag or None}
    if not parsed.groups and not any(asked.values()):
        return _empty_result(parsed, page, per_page)
    messages = list(parsed.notices)

    with ix.reading() as searcher:
        generation = ix.generation_key(searcher)
        key = (generation, synonyms, q, kind, department, tag, page, per_page)
        cached = ix.cached_result(key)
        if cached is not None:
            return cached
        view = ix.arrays(searcher, generation)
        masks = view.facet_masks(FACETS)
        filters, unknown = _known_filters(masks, asked)
        applied = {facet: value for facet, value in filters.items() if value is not None}
        if not parsed.groups:
            return _empty_result(parsed, page, per_page, applied, unknown)
        builder = _QueryBuilder(searcher, synonyms)
        required = builder.required(parsed)
        excluded = builder.excluded(parsed)

        def without_excluded(query: Query) -> Query:
            return AndNot(query, excluded) if excluded else query

        def matching(query: Query) -> np.ndarray:
            """The pages a query matches, found without scoring (folded fields only)."""
            return view.matches(_match_only(without_excluded(query)))

        everything = And(required) if len(required) > 1 else required[0]
        all_words = matching(everything)
        partial = np.zeros_like(all_words)
        words_matched = None  # per page, how many of the required words it has
        if np.count_nonzero(all_words) < FEW_RESULTS and len(required) > 1:
            # Pages with only some of the words come after those with all of them, those with
            # more of the words first: in "pappa slår barnet" the one page with "slår" and
            # "barnet" before the many with "barnet" alone, however often they say it.
            words_matched = np.zeros(all_words.shape, dtype=np.int64)
            for query in required:
                words_matched += matching(query)
            partial = (words_matched > 0) & ~all_words
            if partial.any():
                messages.append(OR_FALLBACK if not all_words.any() else SOME_WORDS)
        base = all_words | partial
        chosen = None  # the pages the filters allow, if any filter is set
        for facet, value in filters.items():
            if value is not None:
                allowed = masks[facet].get(value)
                allowed = allowed if allowed is not None else np.zeros_like(all_words)
                chosen = allowed if chosen is None else chosen & allowed
        allowed_all = all_words if chosen is None else all_words & chosen
        allowed_partial = partial if chosen is None else partial & chosen
        start = (page - 1) * per_page
        wanted = start + per_page
        # Ranking scores every match of the full query (exact and folded fields, phrases in titles)
        # at once over arrays; the masks above decide which pages may be listed.
        top = []
        if allowed_all.any():
            top = view.top(view.scored(without_excluded(everything)), wanted, within=allowed_all)
        if allowed_partial.any() and len(top) < wanted:
            some = view.scored(without_excluded(Or(required, scale=COORDINATION)))
            top += view.top(some, wanted - len(top), within=allowed_partial, tiers=words_matched)
        matcher = TermMatcher(builder.exact_keys, builder.folded_keys)
        hits = tuple(_hit(searcher.stored_fields(docnum), score, matcher)
                     for score, docnum in top[start:wanted])
        facets = _facet_counts(masks, base, filters)
        total = int(np.count_nonzero(allowed_all)) + int(np.count_nonzero(allowed_partial))
        unfiltered_total = int(np.count_nonzero(base))

    suggestion = _suggestion(parsed.text, builder.corrections)
    result = SearchResult(parsed.text, hits, total, page, per_page, facets, suggestion,
                          tuple(messages), parsed.adjusted, applied, unfiltered_total, unknown)
    ix.remember_result(key, result)
    return result


def _match_only(query: Query) -> Query | None:
    """The query reduced to the folded fields, which match the same pages without exact ranking."""
    if isinstance(query, Term):
        return query if query.fieldname in MATCH_FIELDS else None
    if isinstance(query, Phrase):
        return None
    if isinstance(query, AndNot):
        positive, negative = _match_only(query.a), _match_only(query.b)
        return AndNot(positive, negative) if negative is not None else positive
    if isinstance(query, (And, Or)):
        parts = [part for part in map(_match_only, query.subqueries) if part is not None]
        if isinstance(query, And) and len(parts) < len(query.subqueries):
            raise ValueError(f"a required part has no folded field: {query!r}")
        return type(query)(parts) if len(parts) != 1 else parts[0]
    raise TypeError(f"unexpected query type {type(query).__name__}")


def _section(sections: Sequence[tuple], start: int) -> tuple[str | None, str | None]:
    """The id and text of the nearest heading at or above `start` in the body."""
    found = bisect_right([offset for offset, _, _ in sections], start) - 1
    if found < 0 or sections[found][1] is None:
        return None, None
    return sections[found][1], sections[found][2]


def _hit(stored: dict, score: float, matcher: TermMatcher) -> Hit:
    tags = stored.get("tags") or ""
    shown = passage(stored.get("body") or "", matcher)
    # A snippet without the query's words is the text's beginning, not a place to send anyone to.
    section_id, section_title = (_section(stored.get("sections") or (), shown.start) if shown.matched
                                 else (None, None))
    return Hit(
        slug=stored["slug"], title=stored["title"], title_html=highlight(stored["title"], matcher),
        snippet=shown.html, kind=stored.get("kind") or "",
        department=stored.get("department") or "",
        tags=tuple(tag for tag in tags.split(",") if tag), revision_id=stored.get("revision_id"),
        published_at=stored.get("published_at"), score=score,
        section_id=section_id, section_title=section_title,
    )


@dataclass(frozen=True)
class TitleSuggestion:
    slug: str
    title: str
    kind: str


def suggest_titles(ix: SearchIndex, prefix: str | None, limit: int = 8) -> list[TitleSuggestion]:
    """Titles with words (or parts of compound words) starting with what has been typed so far.

    Diacritics do not matter ("oros" and "övergang" both work). Titles that begin with the typed
    text come first, then shorter titles. Input shorter than two letters gives no suggestions.
    """
    typed = re.findall(WORD_PATTERN, fold(prefix or ""))[:6]
    typed = [word for word in typed if len(word) >= SUGGEST_MIN_CHARS]
    if not typed or limit < 1:
        return []
    start = " ".join(typed)
    with ix.reading() as searcher:
        # Each typed word is any indexed title word (or compound part) it begins, as Prefix would
        # expand it; the pages with all of them are ranked over arrays, like a search.
        reader = searcher.reader()
        expanded = [[Term("title_prefix", term.decode("utf-8") if isinstance(term, bytes) else term)
                     for term in reader.expand_prefix("title_prefix", word)] for word in typed]
        if not all(expanded):
            return []
        query = And([Or(terms) for terms in expanded])
        view = ix.arrays(searcher)
        found = [searcher.stored_fields(docnum)
                 for _, docnum in view.top(view.scored(query), SUGGEST_SCAN)]

    def rank(stored: dict):
        title = " ".join(re.findall(WORD_PATTERN, fold(stored["title"])))
        return (not title.startswith(start), not any(w.startswith(typed[0]) for w in title.split()),
                len(title), title)

    found.sort(key=rank)
    return [TitleSuggestion(s["slug"], s["title"], s.get("kind") or "") for s in found[:limit]]
