"""Word-level comparison of two texts (diff-match-patch), grouped for a reader, not a programmer."""
import re
from dataclasses import dataclass

from diff_match_patch import diff_match_patch

TOKEN = re.compile(r"\s+|\w+|[^\w\s]", re.UNICODE)
# Long unchanged stretches are folded so the changes stand out; this much context stays visible.
CONTEXT_LINES = 2
FOLD_AFTER_LINES = 6


@dataclass
class Segment:
    kind: str  # "same", "added", "removed", "folded"
    text: str
    folded_lines: int = 0


def _encode(texts: list[str]) -> tuple[list[str], dict[str, str]]:
    """Map each distinct word, space or sign to one character so the diff works on words."""
    table: dict[str, str] = {}
    decode: dict[str, str] = {}
    encoded = []
    for text in texts:
        chars = []
        for token in TOKEN.findall(text):
            if token not in table:
                code = len(table) + 0x100
                if code >= 0xD800:  # step over the surrogate range
                    code += 0x800
                table[token] = chr(code)
                decode[chr(code)] = token
            chars.append(table[token])
        encoded.append("".join(chars))
    return encoded, decode


def word_diff(old: str, new: str) -> list[Segment]:
    (a, b), decode = _encode([old, new])
    dmp = diff_match_patch()
    dmp.Diff_Timeout = 2.0
    diffs = dmp.diff_main(a, b, False)
    dmp.diff_cleanupSemantic(diffs)
    kinds = {0: "same", 1: "added", -1: "removed"}
    segments = []
    for op, chars in diffs:
        segments.append(Segment(kinds[op], "".join(decode[c] for c in chars)))
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
