"""Three-way merge of a document's text after an edit conflict (merge3, the line merge of Breezy).

The editor started from version `base` and wrote `yours`; meanwhile `theirs` was saved. Lines only
one side changed are taken from that side, so two editors who worked on different paragraphs both
keep their work. Where both changed the same lines differently the proposal keeps yours and the
passage is reported with both texts, for the editor to settle; no conflict markers are ever put
into the text (it could be published by mistake)."""
from __future__ import annotations

from dataclasses import dataclass, field

from merge3 import Merge3


@dataclass
class TextMerge:
    body: str
    taken: int = 0  # passages only the other version changed, taken into the proposal
    clashes: list[tuple[str, str]] = field(default_factory=list)  # (theirs, yours); the proposal has yours


def merge_text(base: str | None, theirs: str, yours: str) -> TextMerge:
    if base is None:  # nothing known to merge from: the editor's own text
        return TextMerge(yours)
    merge = Merge3(_lines(base), _lines(yours), _lines(theirs))
    body, result = [], TextMerge("")
    for kind, *groups in merge.merge_groups():
        if kind == "conflict":
            _base_lines, your_lines, their_lines = groups
            result.clashes.append(("".join(their_lines).strip("\n"), "".join(your_lines).strip("\n")))
            body.extend(your_lines)
            continue
        if kind == "b":  # changed only in theirs
            result.taken += 1
        body.extend(groups[0])
    result.body = "".join(body)
    return result


def _lines(text: str) -> list[str]:
    # A text without a final line break must not make its last line differ from the same line with one.
    text = text.replace("\r\n", "\n")
    return (text if text.endswith("\n") or not text else text + "\n").splitlines(True)
