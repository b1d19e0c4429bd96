"""Swedish text analysis for search: word keys that join inflections, compound parts, diacritic folding."""
from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

from whoosh.analysis import Filter, LowercaseFilter, RegexTokenizer, StopFilter, Token, Tokenizer
from whoosh.lang.snowball.swedish import SwedishStemmer
from whoosh.lang.stopwords import stoplists

from .lexicon import LEXICON, Lexicon, build_lexicon

# Letters and digits; underscores and punctuation separate words, so "BUS-grupp" is two words.
WORD_PATTERN = r"[^\W_]+"
_WORD_RE = re.compile(WORD_PATTERN)

# Snowball's Swedish list, minus words that carry meaning in routines ("efter en orosanmälan",
# "under placering", "utan samtycke"), plus modal verbs and single letters (a paragraph's "19 a §",
# the genitive in "SIP:s") that only add noise.
STOP_WORDS = frozenset(
    (stoplists["sv"] - {"efter", "under", "utan", "sitta", "vår"})
    | {"ska", "skall", "bör", "får", "måste", "samt", "även", "också", "dvs", "bl", "ex", "etc"}
    | set("abcdefghijklmnopqrstuvwxyzåäö")
)

# Bump when the rules below change; with the lexicon and stop words it names the analysis, so an
# index built by different rules is detected and rebuilt instead of silently missing words.
RULES_VERSION = 4
ANALYSIS_VERSION = hashlib.sha256(
    f"{RULES_VERSION}\n{LEXICON}\n{sorted(STOP_WORDS)}".encode("utf-8")
).hexdigest()[:16]

VOWELS = frozenset("aeiouyåäöé")
MIN_PART = 3  # shortest compound part: "oro", "hem", "lag"
MIN_STEMMED = 5  # shorter unknown words are abbreviations or too short to stem safely: "SAMS", "BBIC"
MAX_MODIFIER = 16  # longest first part looked up while splitting; keeps splitting linear
MIN_UNKNOWN_MODIFIER_HEAD = 4  # "förs|lagen" must not split, "check|lista" may
MAX_SPLIT_LENGTH = 40

_FOLD_TABLE = str.maketrans({"æ": "ä", "ø": "ö"})
_snowball = SwedishStemmer().stem


def fold(text: str) -> str:
    """Lowercase text without diacritics: "Orosanmälan" -> "orosanmalan"."""
    text = text.lower().translate(_FOLD_TABLE)
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@dataclass(frozen=True)
class _Vocabulary:
    """The lexicon's tables in one spelling: exact, or folded for the diacritic-insensitive fields."""

    forms: dict[str, str]  # every known form -> its family key
    heads: frozenset[str]  # the forms that may end a compound
    modifiers: dict[str, str]  # first parts of compounds -> family key
    keys: frozenset[str]
    strong_heads: frozenset[str]
    atomic: frozenset[str]

    @classmethod
    def build(cls, lexicon: Lexicon, spell: Callable[[str], str]) -> _Vocabulary:
        def table(source: dict[str, str]) -> dict[str, str]:
            result: dict[str, str] = {}
            for form, key in source.items():
                result.setdefault(spell(form), spell(key))
            return result

        forms = table(lexicon.forms)
        # After an unknown first part the head must be a noun whose key is long enough:
        # "check|lista" is a compound, "förs|lagen" and "till|tid" are not.
        strong = {spell(form) for form in lexicon.noun_forms
                  if len(lexicon.forms[form]) >= MIN_UNKNOWN_MODIFIER_HEAD}
        whole = {spell(form) for form in lexicon.whole}
        return cls(forms, frozenset(forms.keys() - whole), table(lexicon.modifiers),
                   frozenset(forms.values()), frozenset(strong - whole),
                   frozenset(spell(form) for form in lexicon.atomic))


_LEXICON = build_lexicon()
_EXACT = _Vocabulary.build(_LEXICON, str.lower)
_FOLDED = _Vocabulary.build(_LEXICON, fold)


def _stem_unknown(word: str, vocab: _Vocabulary) -> str:
    """Snowball, plus the definite endings it lacks (-an, -et), so förmågan meets förmåga."""
    stem = _snowball(word)
    if len(stem) >= 6 and stem.endswith(("an", "et")) and stem[-3] not in VOWELS:
        stem = _snowball(stem[:-2])
    # Snowball may cut an unknown word down to a known family's key (hemlighet -> "hem"); the
    # mark keeps such words among themselves. No token contains "-", so it cannot match a word.
    return stem + "-" if stem in vocab.keys else stem


def _split_known(word: str, vocab: _Vocabulary) -> list[str] | None:
    """Fewest parts, all known: modifiers (with their linking -s-/-e-/-o-) then a head form."""
    n = len(word)
    best: list[list[str] | None] = [None] * (n + 1)
    for start in range(n - MIN_PART, -1, -1):
        candidates = []
        if start > 0 and word[start:] in vocab.heads:
            candidates.append([word[start:]])
        for end in range(start + MIN_PART, min(n - MIN_PART, start + MAX_MODIFIER) + 1):
            rest = best[end]
            if rest is not None and word[start:end] in vocab.modifiers:
                candidates.append([word[start:end], *rest])
        if candidates:
            # Fewest parts first, then the longest head: "barn|skydds|utredning".
            best[start] = min(candidates, key=lambda parts: (len(parts), -len(parts[-1])))
    found = best[0]
    return found if found and len(found) > 1 else None


def _split(word: str, vocab: _Vocabulary) -> list[str] | None:
    if word in vocab.atomic or not MIN_PART * 2 <= len(word) <= MAX_SPLIT_LENGTH or not word.isalpha():
        return None
    parts = _split_known(word, vocab)
    if parts:
        return parts
    # An unknown first part before a well-known noun: "check|lista", "handlings|plan".
    for start in range(MIN_PART, len(word) - MIN_UNKNOWN_MODIFIER_HEAD + 1):
        modifier, head = word[:start], word[start:]
        if head in vocab.strong_heads and VOWELS.intersection(modifier):
            return [modifier, head]
    return None


def _part_key(part: str, is_head: bool, vocab: _Vocabulary) -> str:
    if is_head:
        return vocab.forms[part]
    if part in vocab.modifiers:
        return vocab.modifiers[part]
    # An unknown modifier usually ends in a linking -s: "handlings" -> "handling". A linking -e
    # mostly stands for the -a of the noun ("självskade|beteende" is about självskada): stemmed
    # as that noun, the part meets a search for it.
    if part.endswith("s") and len(part) > 4:
        part = part[:-1]
    elif part.endswith("e") and len(part) > 4:
        part = part[:-1] + "a"
    return _stem_unknown(part, vocab)


def _analyze(word: str, vocab: _Vocabulary) -> tuple[str, tuple[str, ...]]:
    if len(word) < MIN_PART or not word.isalpha():
        return word, ()
    if len(word) < MIN_STEMMED and word not in vocab.forms:
        return word, ()
    parts = _split(word, vocab)
    if word in vocab.forms:
        key = vocab.forms[word]
    elif parts:
        # The head carries the inflection, so orosanmälningarna and orosanmälan meet.
        key = "".join(parts[:-1]) + vocab.forms[parts[-1]]
    else:
        key = _stem_unknown(word, vocab)
    if not parts:
        return key, ()
    part_keys = dict.fromkeys(_part_key(p, i == len(parts) - 1, vocab) for i, p in enumerate(parts))
    part_keys.pop(key, None)
    return key, tuple(part_keys)


@lru_cache(maxsize=200_000)
def _analyze_exact(word: str) -> tuple[str, tuple[str, ...]]:
    return _analyze(word, _EXACT)


@lru_cache(maxsize=200_000)
def _analyze_folded(word: str) -> tuple[str, tuple[str, ...]]:
    return _analyze(fold(word), _FOLDED)


def word_keys(word: str, *, folded: bool = False) -> tuple[str, tuple[str, ...]]:
    """The search key of a word and the keys of its compound parts (empty if it is not a compound)."""
    word = word.lower()
    return _analyze_folded(word) if folded else _analyze_exact(word)


def normalize_word(word: str, *, folded: bool = False) -> str:
    """The base form that all inflections of a word share: rektorn, rektorer -> "rektor"."""
    return word_keys(word, folded=folded)[0]


def same_stem(first: str, second: str) -> bool:
    """Whether two words differ only in their ending: "orosanmälning" and "orosanmälningar".

    The plain Snowball stem, not the lexicon's base form: the lexicon knows the handbook's words,
    and a word it does not know must still be recognised as an inflection of one it does.
    """
    return _snowball(fold(first)) == _snowball(fold(second))


def split_compound(word: str, *, folded: bool = False) -> list[str]:
    """The parts of a compound as written ("oros", "anmälan"), or the word alone if it is not one."""
    word = fold(word) if folded else word.lower()
    return _split(word, _FOLDED if folded else _EXACT) or [word]


def words(text: str) -> list[str]:
    """The lowercased words of a text that search looks at, stop words left out."""
    return [w for w in (m.lower() for m in _WORD_RE.findall(text)) if w not in STOP_WORDS]


class SwedishKeyFilter(Filter):
    """Replaces each word by its key; when indexing, the keys of compound parts follow at its position."""

    def __init__(self, folded: bool = False):
        self.folded = folded

    def __call__(self, tokens):
        analyze = _analyze_folded if self.folded else _analyze_exact
        for token in tokens:
            key, parts = analyze(token.text)
            token.text = key
            yield token
            if parts and token.mode == "index":
                for part in parts:
                    token.text = part
                    yield token


class SurfacePartsFilter(Filter):
    """Folds each word; when indexing, its compound parts as written follow, for prefix matching."""

    def __call__(self, tokens):
        for token in tokens:
            word = fold(token.text)
            token.text = word
            yield token
            if token.mode == "index":
                for part in _split(word, _FOLDED) or ():
                    token.text = part
                    yield token


class PairFilter(Filter):
    """Folded keys of neighbouring words joined in pairs ("anmalan_oro"): a phrase becomes plain terms.

    Stop words were removed with renumbering, so "anmälan om oro" gives the pair of "anmälan oro",
    as the query side does. Compound parts are not paired; the keys of whole words are.
    """

    def __call__(self, tokens):
        previous = None
        for token in tokens:
            key = _analyze_folded(token.text)[0]
            if previous is not None:
                token.text = pair_key(previous, key)
                yield token
            previous = key


def pair_key(first: str, second: str) -> str:
    return f"{first}_{second}"


SECTION = "\x1f"  # starts a section of a weighted field: SECTION + weight + newline + text


def weighted_text(sections) -> str:
    """One field value from (weight, text) pairs: the title's words can count more than the body's."""
    return "".join(f"{SECTION}{weight}\n{text}" for weight, text in sections if text)


class WeightedTokenizer(Tokenizer):
    """Words of a weighted_text() value, each token carrying its section's weight as its boost.

    Whoosh adds up the boosts of a word in a page as the word's weight there, so one field can rank
    a word in the title above the same word in the body, as separate fields would, at a fraction of
    the cost when searching (one posting list per word instead of one per field).
    """

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        position = start_pos
        for section in value.split(SECTION):
            head, newline, text = section.partition("\n")
            try:
                weight = float(head) if newline else 1.0
            except ValueError:
                weight, text = 1.0, section
            for match in _WORD_RE.finditer(text if newline else section):
                token.text = match.group()
                token.boost = weight
                token.stopped = False
                if keeporiginal:
                    token.original = token.text
                if positions:
                    token.pos = position
                    position += 1
                if chars:
                    token.startchar, token.endchar = start_char + match.start(), start_char + match.end()
                yield token


def _sections(value: str):
    """(weight, text) of each section of a weighted_text() value, as WeightedTokenizer reads them."""
    for section in value.split(SECTION):
        head, newline, text = section.partition("\n")
        try:
            weight = float(head) if newline else 1.0
        except ValueError:
            weight, text = 1.0, section
        yield weight, text if newline else section


@lru_cache(maxsize=200_000)
def _surface_terms(word: str) -> tuple[str, ...]:
    folded = fold(word)
    return (folded, *(_split(folded, _FOLDED) or ()))


def _key_terms(analyze):
    @lru_cache(maxsize=200_000)
    def terms(word: str) -> tuple[str, ...]:
        key, parts = analyze(word)
        return (key, *parts)
    return terms


# What each kind of field makes of one lowercase word when indexing; queries take the first term.
_TERMS = {
    "exact": _key_terms(_analyze_exact),
    "folded": _key_terms(_analyze_folded),
    "surface": _surface_terms,
    "plain": lambda word: (word,),
}


class SwedishAnalyzer(Tokenizer):
    """Text to index terms in one pass: words, lowercase, stop words out, then the field's terms per word.

    It yields the same tokens (texts, positions, boosts) as the chain of Whoosh tokenizer and filters
    it replaces, e.g. WeightedTokenizer | LowercaseFilter | StopFilter | SwedishKeyFilter, with a
    fraction of the Python calls per word; analysis is a large part of what a rebuild costs.
    tests/search/test_analysis.py compares the two on real handbook text.

    terms: "exact" or "folded" (word keys, compound parts when indexing), "surface" (folded words and
    their parts as written, for prefixes), "plain" (the word itself) or "pairs" (folded keys of
    neighbouring words). weighted: the value is a weighted_text(), each token gets its section's
    weight as boost. stops: leave out STOP_WORDS (renumbering positions, as StopFilter does).
    """

    def __init__(self, terms: str, *, weighted: bool = False, stops: bool = True):
        if terms not in _TERMS and terms != "pairs":
            raise ValueError(f"unknown kind of terms: {terms!r}")
        self.terms = terms
        self.weighted = weighted
        self.stops = stops

    def __eq__(self, other):
        return (type(other) is type(self) and
                (other.terms, other.weighted, other.stops) == (self.terms, self.weighted, self.stops))

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        sections = _sections(value) if self.weighted else ((1.0, value),)
        expand = _TERMS.get(self.terms)
        pairs = expand is None
        indexing = mode == "index"
        stops = STOP_WORDS if self.stops else ()
        position = start_pos
        kept = None  # the position of the last word kept (StopFilter's renumbering)
        previous = None  # the key of the last word kept, for pairs
        for weight, text in sections:
            token.boost = weight
            matches = _WORD_RE.finditer(text) if tokenize or self.weighted else (_Whole(value),)
            for match in matches:
                surface = match.group()
                word = surface.lower()
                if positions:
                    token.pos = position
                position += 1
                if chars:
                    token.startchar, token.endchar = start_char + match.start(), start_char + match.end()
                if keeporiginal:
                    token.original = surface
                if word in stops:
                    if not removestops:
                        token.text, token.stopped = word, True
                        yield token
                    continue
                token.stopped = False
                if positions:
                    kept = token.pos if kept is None else kept + 1
                    token.pos = kept
                if pairs:
                    key = _analyze_folded(word)[0]
                    if previous is not None:
                        token.text = pair_key(previous, key)
                        yield token
                    previous = key
                    continue
                found = expand(word)
                if not indexing:
                    found = found[:1]
                for term in found:
                    token.text = term
                    yield token


class _Whole:
    """The whole value as one match, for tokenize=False (as RegexTokenizer does)."""

    def __init__(self, value: str):
        self.value = value

    def group(self) -> str:
        return self.value

    def start(self) -> int:
        return 0

    def end(self) -> int:
        return len(self.value)


def weighted_analyzer(folded: bool = False):
    """Keys (exact or folded) with their section weights, compound parts included when indexing."""
    return SwedishAnalyzer("folded" if folded else "exact", weighted=True)


def text_analyzer():
    """Title, headings, body, tags: keys that join inflections, with compound parts when indexing."""
    return SwedishAnalyzer("exact")


def folded_analyzer():
    """As text_analyzer, without diacritics: "orosanmalan" finds "orosanmälan"."""
    return SwedishAnalyzer("folded")


def spelling_analyzer():
    """Words as written (lowercase) for typo tolerance and "Menade du …?" suggestions."""
    return SwedishAnalyzer("plain")


def prefix_analyzer():
    """Folded title words and their compound parts, for type-ahead on any part of a title word."""
    return SwedishAnalyzer("surface", stops=False)


def pair_analyzer():
    """Pairs of neighbouring folded keys, for fast phrase search."""
    return SwedishAnalyzer("pairs")


# The same analyses as chains of Whoosh tokenizer and filters: the readable definition of what
# SwedishAnalyzer does, and what the tests compare it with.
REFERENCE_CHAINS = {
    "weighted_exact": lambda: (WeightedTokenizer() | LowercaseFilter() | StopFilter(STOP_WORDS, minsize=1)
                               | SwedishKeyFilter()),
    "weighted_folded": lambda: (WeightedTokenizer() | LowercaseFilter() | StopFilter(STOP_WORDS, minsize=1)
                                | SwedishKeyFilter(folded=True)),
    "exact": lambda: _base() | SwedishKeyFilter(),
    "folded": lambda: _base() | SwedishKeyFilter(folded=True),
    "plain": lambda: _base(),
    "surface": lambda: RegexTokenizer(WORD_PATTERN) | LowercaseFilter() | SurfacePartsFilter(),
    "pairs": lambda: _base() | PairFilter(),
}


def _base():
    return RegexTokenizer(WORD_PATTERN) | LowercaseFilter() | StopFilter(STOP_WORDS, minsize=1)
