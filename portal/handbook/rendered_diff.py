"""Two versions compared as readers see them: rendered, block by block, changed words marked inside.

The blocks of both versions (markdown.render_blocks) are aligned with difflib; where blocks differ,
the most similar blocks of the same kind are paired (as difflib.Differ does with lines) and shown as
one changed block with the word-level changes inside (diff.merge_html), the rest as removed or added.
Lists are compared item by item the same way. Long runs of unchanged blocks are folded.
"""
import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from markupsafe import Markup

from portal.handbook.diff import HTML_TOKEN, merge_html
from portal.handbook.markdown import Block, render_blocks

# Two blocks of the same kind with at least this share of their words in common are one block that
# changed; below it, one was removed and another added.
SIMILAR = 0.4
# Pairing compares every block with every other in a changed stretch: beyond this many pairs (a text
# rewritten from top to bottom) the stretch is shown as removed and added as a whole.
MAX_PAIRS = 2500
# Unchanged blocks next to a change stay visible; a longer run than this between them is folded.
CONTEXT_BLOCKS = 1
FOLD_AT_LEAST = 3
WORD = re.compile(r"\w+", re.UNICODE)


@dataclass
class BlockChange:
    kind: str  # "same", "added", "removed", "changed", "list" (changed item by item), "folded"
    html: Markup = Markup("")  # the block; for "changed" the newer one with its changes marked
    open_html: Markup = Markup("")  # a list item's or a list's opening tag (of the newer version
    inner_html: Markup = Markup("")  # when it is there), an item's content, marked when "changed"
    close_html: Markup = Markup("")
    children: list["BlockChange"] = field(default_factory=list)  # "list": items; "folded": blocks

    @property
    def is_change(self) -> bool:
        if self.kind == "list":
            return any(child.is_change for child in self.children)
        return self.kind in ("added", "removed", "changed")


def _whole(kind: str, block: Block) -> BlockChange:
    return BlockChange(kind, Markup(block.html), Markup(block.open_html), Markup(block.inner_html),
                       Markup(block.close_html))


def _words(block: Block) -> list[str]:
    return [word for token in HTML_TOKEN.findall(block.key) if not token.startswith("<")
            for word in WORD.findall(token.lower())]


def _changed(old: Block, new: Block) -> list[BlockChange]:
    if new.items:
        return [BlockChange("list", open_html=Markup(new.open_html), close_html=Markup(new.close_html),
                            children=compare_blocks(old.items, new.items, fold=False))]
    if new.kind == "li":
        merged = merge_html(old.inner_key, new.inner_html)
        if merged is not None:
            return [BlockChange("changed", open_html=Markup(new.open_html), inner_html=merged,
                                close_html=Markup(new.close_html))]
    else:
        merged = merge_html(old.key, new.html)
        if merged is not None:
            return [BlockChange("changed", merged)]
    return [_whole("removed", old), _whole("added", new)]


def _pair(old: list[Block], new: list[Block]) -> list[BlockChange]:
    """A stretch where the versions differ: the most similar same-kind pair is one changed block,
    and the stretches before and after it are paired the same way."""
    best, best_ratio = None, SIMILAR
    if old and new and len(old) * len(new) <= MAX_PAIRS:
        words = {id(block): _words(block) for block in old + new}
        for i, a in enumerate(old):
            for j, b in enumerate(new):
                if a.kind != b.kind:
                    continue
                matcher = SequenceMatcher(None, words[id(a)], words[id(b)], autojunk=False)
                if matcher.real_quick_ratio() > best_ratio and matcher.quick_ratio() > best_ratio \
                        and (ratio := matcher.ratio()) > best_ratio:
                    best, best_ratio = (i, j), ratio
    if best is None:
        return [_whole("removed", a) for a in old] + [_whole("added", b) for b in new]
    i, j = best
    return _pair(old[:i], new[:j]) + _changed(old[i], new[j]) + _pair(old[i + 1:], new[j + 1:])


def compare_blocks(old: list[Block], new: list[Block], *, fold: bool = True) -> list[BlockChange]:
    matcher = SequenceMatcher(None, [b.key for b in old], [b.key for b in new], autojunk=False)
    changes: list[BlockChange] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            changes += [_whole("same", block) for block in new[j1:j2]]
        else:
            changes += _pair(old[i1:i2], new[j1:j2])
    return _fold(changes) if fold else changes


def _fold(changes: list[BlockChange]) -> list[BlockChange]:
    result: list[BlockChange] = []
    run: list[BlockChange] = []

    def end_run(last: bool) -> None:
        head = run[:CONTEXT_BLOCKS] if result else []
        tail = run[len(run) - CONTEXT_BLOCKS:] if not last and len(run) > CONTEXT_BLOCKS else []
        middle = run[len(head):len(run) - len(tail)]
        if len(middle) >= FOLD_AT_LEAST:
            result.extend(head + [BlockChange("folded", children=middle)] + tail)
        else:
            result.extend(run)
        run.clear()

    for change in changes:
        if change.kind == "same":
            run.append(change)
            continue
        end_run(last=False)
        result.append(change)
    end_run(last=True)
    return result


def compare_texts(old: str, new: str, *, editor: bool = False) -> list[BlockChange]:
    """Both texts rendered as the user would see them (editor=True keeps the notes to the editors).
    The older version's footnotes get ids of their own: its removed blocks are shown next to the newer
    version's. A changed block is merged from the older one's key, whose ids are the newer one's."""
    return compare_blocks(render_blocks(old, editor=editor, doc_id="fore"), render_blocks(new, editor=editor))


def has_changes(changes: list[BlockChange]) -> bool:
    return any(change.is_change for change in changes)
