"""Word-level comparison of two texts (diff-match-patch), grouped for a reader, not a programmer;
and of two pieces of rendered HTML, the changed words marked inside the newer one's markup."""
import re
from dataclasses import dataclass

from diff_match_patch import diff_match_patch
from markupsafe import Markup

TOKEN = re.compile(r"\s+|\w+|[^\w\s]", re.UNICODE)
# Rendered HTML as tags, character references, spaces, words and signs. The renderer escapes <, >, &
# and " in text and attribute values, so a "<" always opens a tag and a tag never holds a ">".
HTML_TOKEN = re.compile(r"<[^>]*>|&#?\w+;|\s+|\w+|[^\w\s]", re.UNICODE)
TAG_NAME = re.compile(r"</?([a-z][a-z0-9]*)", re.I)
VOID_ELEMENTS = frozenset({"br", "hr", "img", "input", "wbr"})
# Elements that hold other elements, not text: a removed word cannot be shown directly inside them.
NO_TEXT_ELEMENTS = frozenset({"ul", "ol", "table", "thead", "tbody", "tfoot", "tr"})
INS_OPEN = '<ins><span class="visually-hidden">[tillagt:] </span>'
INS_CLOSE = '<span class="visually-hidden"> [slut tillagt]</span></ins>'
DEL_OPEN = '<del><span class="visually-hidden">[borttaget:] </span>'
DEL_CLOSE = '<span class="visually-hidden"> [slut borttaget]</span></del>'
# Long unchanged stretches are folded so the changes stand out; this much context stays visible.
CONTEXT_LINES = 2
FOLD_AFTER_LINES = 6


@dataclass
class Segment:
    kind: str  # "same", "added", "removed", "folded"
    text: str
    folded_lines: int = 0


def _encode(texts: list[str], pattern: re.Pattern = TOKEN) -> tuple[list[str], dict[str, str]]:
    """Map each distinct word, space or sign to one character so the diff works on words."""
    table: dict[str, str] = {}
    decode: dict[str, str] = {}
    encoded = []
    for text in texts:
        chars = []
        for token in pattern.findall(text):
            if token not in table:
                code = len(table) + 0x100
                if code >= 0xD800:  # step over the surrogate range
                    code += 0x800
                table[token] = chr(code)
                decode[chr(code)] = token
            chars.append(table[token])
        encoded.append("".join(chars))
    return encoded, decode


KINDS = {0: "same", 1: "added", -1: "removed"}


def _token_diff(old: str, new: str, pattern: re.Pattern) -> list[tuple[str, list[str]]]:
    (a, b), decode = _encode([old, new], pattern)
    dmp = diff_match_patch()
    dmp.Diff_Timeout = 2.0
    diffs = dmp.diff_main(a, b, False)
    dmp.diff_cleanupSemantic(diffs)
    return [(KINDS[op], [decode[c] for c in chars]) for op, chars in diffs]


def word_diff(old: str, new: str) -> list[Segment]:
    segments = [Segment(kind, "".join(tokens)) for kind, tokens in _token_diff(old, new, TOKEN)]
    return _fold_unchanged(segments)


def _fold_unchanged(segments: list[Segment]) -> list[Segment]:
    result = []
    for index, segment in enumerate(segments):
        lines = segment.text.split("\n")
        if segment.kind != "same" or len(lines) <= FOLD_AFTER_LINES:
            result.append(segment)
            continue
        head = lines[:CONTEXT_LINES] if index > 0 else []
        tail = lines[-CONTEXT_LINES:] if index < len(segments) - 1 else []
        hidden = len(lines) - len(head) - len(tail)
        if head:
            result.append(Segment("same", "\n".join(head) + "\n"))
        result.append(Segment("folded", "", folded_lines=hidden))
        if tail:
            result.append(Segment("same", "\n" + "\n".join(tail)))
    return result


def has_changes(segments: list[Segment]) -> bool:
    return any(s.kind in ("added", "removed") for s in segments)


class _NoRoom(Exception):
    """A removed word would land where the newer markup has no place for text."""


def _tag_name(tag: str) -> str:
    match = TAG_NAME.match(tag)
    return match.group(1).lower() if match else ""


def merge_html(old: str, new: str) -> Markup | None:
    """The newer rendered HTML with the words that differ from the older one marked: added words in
    <ins>, removed words in <del> where they stood, each with a label for screen readers.

    Only the renderer's own tags and escaped text are put together (plus our ins/del and labels), and
    only the newer version's tags, in their order, so the result is as well-formed as the renderer's
    output. The text of a link whose address changed counts as added. None when the change cannot be
    shown inside the newer markup (a removed table row or image, a word that would land between list
    items) or when no word changed (only bold, a link's address …): then the caller shows both whole."""
    out: list[str] = []
    open_elements: list[str] = []
    run: list[str] = []
    run_kind = "same"
    marked = False
    changed_links = []  # for each open <a>: was its opening tag added (a new or changed address)?

    def flush() -> None:
        nonlocal marked
        text = "".join(run)
        run.clear()
        if not text:
            return
        if run_kind == "same" or not text.strip():
            if run_kind != "removed":
                out.append(text)
            return
        if run_kind == "removed" and open_elements and open_elements[-1] in NO_TEXT_ELEMENTS:
            raise _NoRoom
        words = text.strip()
        before, after = text[:len(text) - len(text.lstrip())], text[len(text.rstrip()):]
        marks = (INS_OPEN, INS_CLOSE) if run_kind == "added" else (DEL_OPEN, DEL_CLOSE)
        if not before and out and out[-1].endswith((INS_CLOSE, DEL_CLOSE)):
            before = " "  # a replaced word: the removed and the added one apart, not run together
        out.append(before + marks[0] + words + marks[1] + after)  # spaces outside the mark
        marked = True

    try:
        for kind, tokens in _token_diff(old, new, HTML_TOKEN):
            for token in tokens:
                if not token.startswith("<"):
                    shown_kind = "added" if kind == "same" and any(changed_links) else kind
                    if shown_kind != run_kind:
                        flush()
                        run_kind = shown_kind
                    run.append(token)
                    continue
                flush()
                name = _tag_name(token)
                if kind == "removed":
                    if name == "img":
                        raise _NoRoom
                    continue  # the older version's markup is not shown, only its words
                if name in VOID_ELEMENTS or token.endswith("/>"):
                    if kind == "added" and name in ("img", "input"):
                        out.append(INS_OPEN + token + INS_CLOSE)
                        marked = True
                    else:
                        out.append(token)
                elif token.startswith("</"):
                    out.append(token)
                    if name in open_elements:
                        while open_elements.pop() != name:
                            pass
                    if name == "a" and changed_links:
                        changed_links.pop()
                else:
                    out.append(token)
                    open_elements.append(name)
                    if name == "a":
                        changed_links.append(kind == "added")
        flush()
    except _NoRoom:
        return None
    return Markup("".join(out)) if marked else None
