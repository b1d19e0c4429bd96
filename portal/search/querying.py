"""Reads whatever a user types into the search box into a small, safe query plan with Swedish notices."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from .analysis import WORD_PATTERN, words

MAX_QUERY_CHARS = 200
MAX_QUERY_WORDS = 12
MAX_WORD_CHARS = 40  # no Swedish word in the handbook is longer; longer input is noise

OPERATORS = {"AND": "and", "OCH": "and", "OR": "or", "ELLER": "or", "NOT": "not", "INTE": "not"}
# Field names a user may have seen in other search engines; the words after them are still searched.
FIELD_PREFIX = re.compile(
    r"(?i)(?<![^\s\"(])(title|titel|body|text|headings|rubrik|tags?|taggar|kind|typ|"
    r"department|förvaltning|slug|legal_refs|lagrum)\s*:"
)
# Quotes, parentheses, or a run of anything else that is not white space.
CHUNK = re.compile(r'["“”„]|[()]|[^\s"“”„()]+')
WORD = re.compile(WORD_PATTERN)

EMPTY = "Skriv ett eller flera sökord."
TRUNCATED = f"Sökfrågan var för lång och har kortats till {MAX_QUERY_CHARS} tecken."
TOO_MANY_WORDS = f"Sökningen använde bara de första {MAX_QUERY_WORDS} orden."
UNBALANCED_QUOTE = "Ett citattecken saknar sin avslutning, så orden söktes som vanliga ord."
PARENTHESES = "Parenteser används inte i sökningen och har ignorerats."
WILDCARDS = ("Jokertecken (* och ?) behövs inte och har ignorerats: sökningen hittar böjningar "
             "och sammansättningar ändå.")
FIELDS = "Sökning i enskilda fält (som ”title:”) stöds inte; orden söktes i hela texten."
UNSUPPORTED = "Tecken som inte går att söka på (till exempel emoji eller styrtecken) har tagits bort."
STOP_WORDS_ONLY = ("Sökningen innehöll bara vanliga småord som ”och” och ”för”. "
                   "Lägg till ett ord som beskriver det du letar efter.")
NOTHING_SEARCHABLE = ("Sökningen innehöll inga ord att söka på, bara enstaka bokstäver eller tecken. "
                      "Skriv ett ord som beskriver det du letar efter.")
ONLY_EXCLUDED = "Skriv minst ett ord att söka efter, inte bara ord att utesluta."
LONG_WORD = f"Ord längre än {MAX_WORD_CHARS} tecken har ignorerats."
ONLY_LONG_WORDS = (f"Ord längre än {MAX_WORD_CHARS} tecken söks inte. "
                   "Skriv ett kortare ord som beskriver det du letar efter.")
ONLY_UNSUPPORTED = ("Sökningen innehöll bara tecken som inte går att söka på (till exempel emoji eller "
                    "styrtecken). Skriv ett eller flera sökord.")
MODIFIERS = ("Tecknen ~ och ^ behövs inte och har ignorerats: sökningen rättar stavfel och rangordnar "
             "träffarna själv.")
MODIFIER = re.compile(r"[~^][\d.]*")


def too_many_words(left_out: list[str]) -> str:
    return f"{TOO_MANY_WORDS} ”{' '.join(left_out)}” söktes inte."


def lone_operator(word: str) -> str:
    if OPERATORS[word] == "not":
        return f"”{word}” behöver ett sökord efter sig och har ignorerats."
    return f"”{word}” behöver ett sökord på båda sidor och har ignorerats."


@dataclass(frozen=True)
class Unit:
    """One thing to look for: a word, or a phrase (quoted, or a hyphenated word such as BUS-grupp).

    prefix: a word typed with a trailing * ("sek*"), also searched as the start of longer words.
    """

    words: tuple[str, ...]
    phrase: bool = False
    prefix: bool = False


@dataclass
class ParsedQuery:
    """The user's input as search will use it.

    `groups` must all match (AND); the units inside one group are alternatives (OR).
    """

    text: str
    groups: list[list[Unit]] = field(default_factory=list)
    excluded: list[Unit] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    adjusted: bool = False

    def notice(self, message: str, *, adjusted: bool = True) -> None:
        if message not in self.notices:
            self.notices.append(message)
        self.adjusted = self.adjusted or adjusted


@dataclass
class _Chunk:
    kind: str  # "word", "phrase" or "op"
    text: str = ""
    negated: bool = False
    words: tuple[str, ...] = ()
    prefix: bool = False


def _clean(raw: str, parsed: ParsedQuery) -> str:
    text = unicodedata.normalize("NFC", raw)
    kept = []
    for ch in text:
        category = unicodedata.category(ch)
        if ch.isspace():
            kept.append(" ")
        elif category[0] == "C" or category in ("So", "Sk"):
            parsed.notice(UNSUPPORTED)
            kept.append(" ")
        else:
            kept.append(ch)
    text = " ".join("".join(kept).split())
    if len(text) > MAX_QUERY_CHARS:
        cut = text[:MAX_QUERY_CHARS]
        text = cut.rsplit(" ", 1)[0] if " " in cut else cut
        parsed.notice(TRUNCATED)
    if FIELD_PREFIX.search(text):
        text = " ".join(FIELD_PREFIX.sub(" ", text).split())  # "title:sip" is shown as "sip"
        parsed.notice(FIELDS)
    return text


def _strip_modifiers(chunk: str, parsed: ParsedQuery) -> str:
    # Fuzzy and boost syntax from other search engines: "sip~2", "sip^3".
    if MODIFIER.search(chunk):
        parsed.notice(MODIFIERS)
        return MODIFIER.sub(" ", chunk).strip() or chunk
    return chunk


# A word with a trailing * (and perhaps punctuation after it): "sek*", "orosanm*?".
TRAILING_STAR = re.compile(r"-?[^\W_]+\*+[?!.,]*")


def _strip_wildcards(chunk: str, parsed: ParsedQuery) -> str:
    # A question mark ending a word is punctuation ("vad gör jag?"), elsewhere it is a wildcard.
    if "*" in chunk or "?" in chunk.rstrip("?!.,") or chunk.strip("?") == "":
        parsed.notice(WILDCARDS)
    return chunk.replace("*", " ").replace("?", " ")


def _words(text: str, parsed: ParsedQuery) -> tuple[str, ...]:
    found = words(text)
    kept = tuple(word for word in found if len(word) <= MAX_WORD_CHARS)
    if len(kept) < len(found):
        parsed.notice(LONG_WORD)
    return kept


def _chunks(text: str, parsed: ParsedQuery) -> list[_Chunk]:
    raw = CHUNK.findall(text)
    quotes = sum(1 for c in raw if c in '"“”„')
    closing_quotes = quotes - quotes % 2  # an odd last quote opens nothing
    if quotes % 2:
        parsed.notice(UNBALANCED_QUOTE)
    chunks: list[_Chunk] = []
    seen_quotes = 0
    phrase: list[str] | None = None
    phrase_negated = False
    for index, piece in enumerate(raw):
        if piece in '"“”„':
            seen_quotes += 1
            if seen_quotes > closing_quotes:
                continue
            if phrase is None:
                phrase, phrase_negated = [], bool(index and raw[index - 1] == "-")
            else:
                text = " ".join(phrase)
                chunks.append(_Chunk("phrase", text, phrase_negated, _words(text, parsed)))
                phrase = None
            continue
        if piece in "()":
            parsed.notice(PARENTHESES)
            continue
        prefix = phrase is None and TRAILING_STAR.fullmatch(piece) is not None
        if prefix:  # what a trailing * asks for is done, so nothing needs saying
            piece = piece.rstrip("*?!.,")
        piece = _strip_modifiers(_strip_wildcards(piece, parsed), parsed)
        if phrase is not None:
            phrase.append(piece)
        elif piece in OPERATORS:
            chunks.append(_Chunk("op", piece))
        elif piece == "-":
            continue  # the minus before a quoted phrase
        else:
            negated = piece.startswith("-") and len(piece) > 1
            found = _words(piece.lstrip("-"), parsed)
            chunks.append(_Chunk("phrase" if len(found) > 1 else "word", piece, negated, found,
                                 prefix and len(found) == 1))
    return chunks


def parse_query(raw: str | None) -> ParsedQuery:
    """Turn any input (empty, huge, unbalanced, emoji, operators alone) into a ParsedQuery; never raises."""
    parsed = ParsedQuery(text="")
    if not isinstance(raw, str):
        raw = ""
    parsed.text = _clean(raw, parsed)
    chunks = _chunks(parsed.text, parsed)

    # A word of two letters or more that search left out can only be a stop word ("och", "för");
    # single letters ("a", the "x" of "x%") and punctuation are left out too, but calling them
    # common words misleads.
    had_stop_words = any(c.kind != "op" and any(len(w) > 1 for w in WORD.findall(c.text)) for c in chunks)
    had_text = any(c.kind != "op" and c.text.strip() for c in chunks)
    word_budget = MAX_QUERY_WORDS
    join_next = False
    negate_next = False
    for position, chunk in enumerate(chunks):
        if chunk.kind == "op":
            operator = OPERATORS[chunk.text]
            before = position > 0 and chunks[position - 1].kind != "op"
            after = position + 1 < len(chunks) and chunks[position + 1].kind != "op"
            if not after or (operator != "not" and not before):
                parsed.notice(lone_operator(chunk.text))
            elif operator == "or":
                join_next = bool(parsed.groups)
            elif operator == "not":
                negate_next = True
            continue
        if not chunk.words:
            join_next = negate_next = False
            continue
        if word_budget > 0:
            unit_words = chunk.words[:word_budget]
            unit = Unit(unit_words, phrase=len(unit_words) > 1, prefix=chunk.prefix)
            if chunk.negated or negate_next:
                parsed.excluded.append(unit)
            elif join_next:
                parsed.groups[-1].append(unit)
            else:
                parsed.groups.append([unit])
        if len(chunk.words) > word_budget:  # a phrase may be cut in the middle
            rest = [word for later in chunks[position + 1:] if later.kind != "op" for word in later.words]
            parsed.notice(too_many_words([*chunk.words[max(word_budget, 0):], *rest]))
            break
        word_budget -= len(chunk.words)
        join_next = negate_next = False

    if not parsed.groups:
        # Nothing to search for: one message saying what to do. What was said about how words were
        # read (a lone quote, a wildcard, a field name) no longer matters, and two messages for one
        # character read as if something else went wrong.
        if parsed.excluded:
            final = ONLY_EXCLUDED
        elif LONG_WORD in parsed.notices:
            final = ONLY_LONG_WORDS
        elif had_stop_words:
            final = STOP_WORDS_ONLY
        elif had_text:
            final = NOTHING_SEARCHABLE
        elif UNSUPPORTED in parsed.notices:
            final = ONLY_UNSUPPORTED
        else:
            final = EMPTY
        parsed.notices = []
        parsed.notice(final, adjusted=final != EMPTY or bool(parsed.text))
    return parsed
