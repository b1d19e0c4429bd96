"""Highlighted, HTML-escaped snippets: the passage of a text where a query's words are densest."""
from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape
from itertools import islice

from .analysis import WORD_PATTERN, word_keys

SNIPPET_CHARS = 220
CONTEXT_BEFORE = 50  # characters shown before the first highlighted word
MAX_SCAN_CHARS = 20_000  # long pages: a passage near the top is good enough, and bounded in time
MAX_MATCHES = 200
MAX_WINDOWS = 40  # candidate passages compared, each starting at a match

_WORD_RE = re.compile(WORD_PATTERN)
_SENTENCE_END = re.compile(r"[.!?:;]\s|\n")


class TermMatcher:
    """Decides whether a word of a text is one the query found: by its key, its parts, or folded."""

    def __init__(self, exact_keys: set[str], folded_keys: set[str]):
        self.exact = frozenset(exact_keys)
        self.folded = frozenset(folded_keys)
        self._seen: dict[str, bool] = {}

    def __call__(self, word: str) -> bool:
        found = self._seen.get(word)
        if found is None:
            key, parts = word_keys(word)
            folded_key, folded_parts = word_keys(word, folded=True)
            found = (key in self.exact or not self.exact.isdisjoint(parts)
                     or folded_key in self.folded or not self.folded.isdisjoint(folded_parts))
            self._seen[word] = found
        return found


def _marked(text: str, spans: list[tuple[int, int]], start: int, end: int) -> str:
    pieces = []
    position = start
    for span_start, span_end in spans:
        if span_start < start or span_end > end:
            continue
        pieces.append(escape(text[position:span_start]))
        pieces.append(f"<mark>{escape(text[span_start:span_end])}</mark>")
        position = span_end
    pieces.append(escape(text[position:end]))
    return " ".join("".join(pieces).split())


def _spans(text: str, matcher: TermMatcher, limit: int | None = None) -> list[tuple[int, int]]:
    """(start, end) of the matched words of a text, in order, at most `limit` of them."""
    # A page has a few hundred distinct words but thousands of words: decide once per distinct
    # word, then let one regular expression of the matched ones find them (in C, not per word).
    matched = sorted({word for word in set(_WORD_RE.findall(text)) if matcher(word)}, key=len, reverse=True)
    if not matched:
        return []
    found = re.compile(rf"(?<![^\W_])(?:{'|'.join(map(re.escape, matched))})(?![^\W_])")
    return [m.span() for m in islice(found.finditer(text), limit)]


def highlight(text: str, matcher: TermMatcher) -> str:
    """The whole (short) text, escaped, with the query's words in <mark>."""
    return _marked(text, _spans(text, matcher), 0, len(text))


def _window_start(text: str, first_match: int) -> int:
    start = max(0, first_match - CONTEXT_BEFORE)
    sentence = None
    for sentence in _SENTENCE_END.finditer(text, start, first_match):
        pass
    if sentence:
        return sentence.end()
    if start > 0:  # do not begin in the middle of a word
        space = text.find(" ", start, first_match)
        return space + 1 if space != -1 else first_match
    return start


@dataclass(frozen=True)
class Passage:
    html: str  # escaped, matched words in <mark>, "…" where the text goes on
    start: int  # where the passage begins in the text
    matched: bool  # False: no word of the query is in the text, and this is its beginning


def snippet(text: str, matcher: TermMatcher, length: int = SNIPPET_CHARS) -> str:
    """The passage of about `length` characters with the most distinct matched words, as safe HTML.

    Everything is HTML-escaped except the <mark> elements around matched words. Without any match,
    the beginning of the text.
    """
    return passage(text, matcher, length).html


def passage(text: str, matcher: TermMatcher, length: int = SNIPPET_CHARS) -> Passage:
    """The snippet() of a text, with where it begins (to find the section it is in)."""
    scanned = text[:MAX_SCAN_CHARS]
    spans = _spans(scanned, matcher, MAX_MATCHES)
    best_start, best_score = 0, 0
    for index, (span_start, _) in enumerate(spans[:MAX_WINDOWS]):
        start = _window_start(scanned, span_start)
        distinct = set()
        for s, e in spans[index:]:
            if e > start + length:
                break
            distinct.add(scanned[s:e].lower())
        if len(distinct) > best_score:
            best_start, best_score = start, len(distinct)
    end = min(len(text), best_start + length)
    if end < len(text):  # end on a word boundary
        space = text.rfind(" ", best_start, end)
        end = space if space > best_start else end
    html = _marked(text, spans, best_start, end)
    return Passage(("…" if best_start > 0 else "") + html + ("…" if end < len(text) else ""), best_start,
                   best_score > 0)
