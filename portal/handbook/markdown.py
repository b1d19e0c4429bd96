"""Markdown to safe HTML, once per revision: raw HTML off, few link schemes, slug links resolved.

Also extracts what the rest of the portal needs from a text: the table of contents, the internal
links (for backlinks and broken-link reports) and the adoption checklist.
"""
import html as html_lib
import re
import unicodedata
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from markdown_it import MarkdownIt
from markupsafe import escape
from markdown_it.token import Token
from mdit_py_plugins.anchors import anchors_plugin
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.tasklists import tasklists_plugin

CHECKLIST_HEADING = "Checklista för införande"
# A quote that begins "**Kontrollera (redaktör):**" is a note to the editors (a fact not yet confirmed,
# a number the municipality has to fill in): shown in the editor's preview, drafts and pages viewed by
# editors, listed on /redaktor, never shown to readers or indexed for search.
EDITOR_NOTE = re.compile(r"^\*\*Kontrollera \(redaktör\):?\*\*:?")
ALLOWED_SCHEMES = {"http", "https", "mailto", "tel"}
# A bare slug as a link target means another handbook document: [SIP](sip) or [x](sip#rubrik).
# Slugs are lower case; [SIP](SIP) is written naturally and means the same document.
SLUG_LINK = re.compile(r"^([a-z0-9][a-z0-9-]{0,79})(#[^\s]*)?$", re.I)
HANDBOOK_LINK = re.compile(r"^/handbok/([a-z0-9][a-z0-9-]{0,79})(?:[/#?].*)?$", re.I)
# Ids the portal's own pages use around a rendered text (skip link target, panels, forms, the search
# box). A heading with the same words gets "-rubrik" after its id, so two elements never share an id
# and the skip link and the panels' labels keep pointing where they should. tests/handbook checks that
# every literal id in the templates is here.
PAGE_IDS = frozenset({
    "aktiva-filter", "andrat", "arkiv", "att-gora", "att-kontrollera", "bort-role", "datum", "dokumentrubrik", "enhet", "filter-rubrik",
    "forhandsvisning", "forslag-rubrik", "fran", "handboken", "header-q", "hela-handboken", "historik", "innehall", "krockar",
    "api-nycklar", "meta-rubrik", "ny-nyckel", "nytt-losenord", "orolig", "per-datum", "preview-output", "relaterat",
    "revidering", "senaste", "sista-dag", "sok-q", "sok-tips", "sokforslag", "sokresultat", "theirs-body",
    "till", "toc-rubrik", "traffar", "trasiga", "underrubrik", "utkast", "yours-body",
})
# Table column alignment (:---:) as classes: markdown-it writes style attributes, which the CSP
# (style-src 'self') does not apply.
ALIGN_CLASSES = {"text-align:left": "align-left", "text-align:center": "align-center",
                 "text-align:right": "align-right"}


@dataclass
class Rendered:
    html: str
    toc: list[dict] = field(default_factory=list)
    links: set[str] = field(default_factory=set)
    checklist: list[str] = field(default_factory=list)
    editor_notes: list[str] = field(default_factory=list)


def heading_id(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.lower())
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    slug = re.sub(r"[^a-z0-9]+", "-", folded).strip("-") or "rubrik"
    return f"{slug}-rubrik" if slug in PAGE_IDS or slug.startswith("sokforslag-") else slug


def _validate_link(url: str) -> bool:
    """Only http(s), mailto, tel and scheme-less (relative, anchor) links; never data: or script."""
    candidate = "".join(url.split()).lower()
    if candidate.startswith("//"):
        return False
    scheme = urlsplit(candidate).scheme if ":" in candidate.split("/")[0] else ""
    return scheme == "" or scheme in ALLOWED_SCHEMES


def _external_images_as_links(state) -> None:
    """An image from another site becomes a link to it ("Bild: alt text"). The CSP allows images
    from the portal itself only: an intranet may have no internet, and an embedded external image
    would tell that site who reads which page, and when. Images on the portal stay images."""
    for block in state.tokens:
        if not block.children or not any(t.type == "image" for t in block.children):
            continue
        children, in_link = [], 0
        for token in block.children:
            in_link += {"link_open": 1, "link_close": -1}.get(token.type, 0)
            src = (token.attrGet("src") or "") if token.type == "image" else ""
            if not urlsplit(src).scheme:  # not an image, or one on the portal itself
                children.append(token)
                continue
            alt = "".join(c.content for c in token.children or () if c.type in ("text", "code_inline"))
            text = Token("text", "", 0, content=f"Bild: {alt or src}")
            if in_link:  # already inside a link: a link cannot hold another
                children.append(text)
                continue
            link = Token("link_open", "a", 1, attrs={"href": src})
            if token.attrGet("title"):
                link.attrSet("title", token.attrGet("title"))
            children += [link, text, Token("link_close", "a", -1)]
        block.children = children


def _resolve_internal_links(state) -> None:
    links = state.env.setdefault("internal_links", set())
    for block in state.tokens:
        for token in block.children or ():
            if token.type != "link_open":
                continue
            href = token.attrGet("href") or ""
            if match := SLUG_LINK.match(href):
                slug = match.group(1).lower()
                token.attrSet("href", f"/handbok/{slug}{match.group(2) or ''}")
                links.add(slug)
            elif match := HANDBOOK_LINK.match(href):
                slug = match.group(1).lower()
                if slug != match.group(1):
                    token.attrSet("href", f"/handbok/{slug}{href[len('/handbok/') + len(slug):]}")
                links.add(slug)
            elif urlsplit(href).scheme in ("http", "https"):
                token.attrSet("rel", "noopener noreferrer")


def _alignment_as_classes(state) -> None:
    for token in state.tokens:
        if token.type in ("th_open", "td_open") and (style := token.attrGet("style")) in ALIGN_CLASSES:
            del token.attrs["style"]
            token.attrJoin("class", ALIGN_CLASSES[style])


def _editor_note_ranges(tokens) -> list[tuple[int, int]]:
    """(first, last) token index of each top-level quote that is a note to the editors."""
    ranges, index = [], 0
    while index < len(tokens):
        token = tokens[index]
        if token.type == "blockquote_open" and token.level == 0 and index + 2 < len(tokens) \
                and tokens[index + 2].type == "inline" and EDITOR_NOTE.match(tokens[index + 2].content):
            end = next(i for i in range(index + 1, len(tokens))
                       if tokens[i].type == "blockquote_close" and tokens[i].level == 0)
            ranges.append((index, end))
            index = end
        index += 1
    return ranges


def _editor_notes(state) -> None:
    """Take the notes to the editors out of a reader's text; an editor's keeps them, marked."""
    notes = state.env.setdefault("editor_notes", [])
    keep = state.env.get("editor", False)
    for first, last in reversed(_editor_note_ranges(state.tokens)):
        text = " ".join(" ".join(t.content.split()) for t in state.tokens[first:last] if t.type == "inline")
        notes.insert(0, EDITOR_NOTE.sub("", text).strip())
        if keep:
            state.tokens[first].attrJoin("class", "editor-note")
        else:
            del state.tokens[first:last + 1]


def _build() -> MarkdownIt:
    md = (MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
          .enable(["table", "strikethrough"])
          .use(anchors_plugin, min_level=2, max_level=4, slug_func=heading_id)
          .use(tasklists_plugin, label=True)
          .use(footnote_plugin))
    md.validateLink = _validate_link
    md.core.ruler.push("external_images", _external_images_as_links)
    md.core.ruler.push("internal_links", _resolve_internal_links)
    md.core.ruler.push("alignment_classes", _alignment_as_classes)
    md.core.ruler.push("editor_notes", _editor_notes)
    return md


_MD = _build()


def render(text: str, *, editor: bool = False) -> Rendered:
    """The HTML readers see (stored with the revision); editor=True keeps the notes to the editors."""
    env: dict = {"editor": editor}
    tokens = _MD.parse(text, env)
    html = _MD.renderer.render(tokens, _MD.options, env)
    toc, checklist = [], []
    in_checklist = False
    for i, token in enumerate(tokens):
        if token.type == "heading_open":
            level = int(token.tag[1])
            title = tokens[i + 1].content
            if level <= 3:
                toc.append({"level": level, "id": token.attrGet("id"), "text": title})
            if level <= 2:
                in_checklist = " ".join(title.split()).lower() == CHECKLIST_HEADING.lower()
        elif in_checklist and token.type == "inline" and i >= 2 \
                and tokens[i - 2].type == "list_item_open" \
                and "task-list-item" in (tokens[i - 2].attrGet("class") or ""):
            # The task-list plugin has already taken the "[ ]" off the item's text.
            if text := " ".join(token.content.split()):
                checklist.append(text)
    return Rendered(html=html, toc=toc, links=env.get("internal_links", set()), checklist=checklist,
                    editor_notes=env.get("editor_notes", []))


def without_editor_notes(text: str) -> str:
    """The Markdown without its notes to the editors (the API gives readers the source too): the
    lines of each note's quote are left out, as render() leaves out its tokens."""
    tokens = _MD.parse(text, {"editor": True})
    drop = set()
    for first, _last in _editor_note_ranges(tokens):
        start, end = tokens[first].map
        drop.update(range(start, end))
    if not drop:
        return text
    lines = [line for number, line in enumerate(text.splitlines(True)) if number not in drop]
    kept = re.sub(r"\n{3,}", "\n\n", "".join(lines))
    return kept.rstrip("\n") + "\n" if text.endswith("\n") else kept.rstrip("\n")


# "[fyll i telefonnummer]": a blank the municipality has not filled in yet (the shipped handbook has
# them where only the municipality knows the answer; /redaktor lists them).
_BLANK = re.compile(r"\[fyll i\s+([^\]<>]*)\]", re.I)
_TAG = re.compile(r"(<[^>]*>)")
_CODE_TAG = re.compile(r"<(/?)(?:code|pre)\b", re.I)


def mark_blanks(html: str, *, editor: bool = False) -> tuple[str, int]:
    """The HTML with each blank marked, and how many there are. Readers see "Uppgift saknas (what)"
    instead of the bracket; editors see the bracket, marked. Only text between tags is touched (the
    renderer escapes < and > inside attributes), and what is put back was escaped text already."""
    count = 0

    def mark(match: re.Match) -> str:
        nonlocal count
        count += 1
        shown = match.group(0) if editor else f"Uppgift saknas ({' '.join(match.group(1).split())})"
        return f'<span class="blank">{shown}</span>'

    parts = _TAG.split(html)
    in_code = 0  # text inside <code> or <pre> is shown as written: a blank there is an example
    for index, part in enumerate(parts):
        if index % 2:  # odd parts are tags, even ones text
            match = _CODE_TAG.match(part)
            if match:
                in_code = max(0, in_code + (-1 if match.group(1) else 1))
        elif not in_code:
            parts[index] = _BLANK.sub(mark, part)
    return "".join(parts), count


_TABLE_PART = re.compile(r"<(/?)(table|thead|tr|th|td|h[1-6]|del|sup|span)\b([^>]*)>", re.I)
_HEADINGS = frozenset(f"h{level}" for level in range(1, 7))


def _plain(parts: list[str]) -> str:
    return " ".join(html_lib.unescape("".join(parts)).split())


def table_cards(html: str) -> str:
    """The rendered text with its tables ready for a phone, where portal.css shows each row as a card.
    Every body cell carries its column's heading as a label (data-label), as plain text: links,
    emphasis and code give their words; footnote marks, and the words a comparison marks as removed
    (with their screen-reader labels), are left out. The table is marked `doc-table` and put in a box
    that scrolls sideways should it still be wider than the screen, named after the heading above it.
    Applied when a page is shown, never stored (a revision's HTML is immutable). Only the renderer's own
    tags are read; the renderer escapes text, which is unescaped for the label and escaped again."""
    if "<table" not in html:
        return html
    parts = _TAG.split(html)
    out: list[str] = []
    labels: list[str] = []
    reading: list[str] | None = None  # the text of the heading or header cell being read
    heading, in_head, column, table_at = "", False, 0, 0
    # For each open <del>, <sup> and <span>: is its text left out of a label? A removed word (the
    # comparison's <del>, not a removed block's <del class=…>), a footnote mark, a hidden span are.
    left_out: list[bool] = []

    for index, part in enumerate(parts):
        match = _TABLE_PART.match(part) if index % 2 else None  # odd parts are tags, even ones text
        if match is None:
            if reading is not None and not any(left_out) and not index % 2:
                reading.append(part)
            out.append(part)
            continue
        closing, name, attrs = match.group(1) == "/", match.group(2).lower(), match.group(3)
        if name in ("del", "sup", "span"):
            if closing and left_out:
                left_out.pop()
            elif not closing:
                left_out.append(name == "sup" or "visually-hidden" in attrs
                                or (name == "del" and "class=" not in attrs))
        elif name in _HEADINGS:
            if closing:
                heading, reading = _plain(reading or []), None
            else:
                reading = []
        elif name == "table" and not closing:
            labels, table_at = [], len(out)
            part = (part.replace('class="', 'class="doc-table ', 1) if 'class="' in attrs
                    else part.replace("<table", '<table class="doc-table"', 1))
        elif name == "table":
            named = heading or ", ".join(label for label in labels if label)
            box = f"Tabell: {named}" if named else "Tabell"
            out[table_at] = f'<div class="table-wrap" role="region" tabindex="0" aria-label="{escape(box)}">' \
                + out[table_at]
            part += "</div>"
        elif name == "thead":
            in_head = not closing
        elif name == "tr" and not closing:
            column = 0
        elif name == "th" and in_head:
            if closing:
                labels.append(_plain(reading or []))
                reading = None
            else:
                reading = []
        elif name in ("td", "th") and not closing:
            label = labels[column] if column < len(labels) else ""
            column += 1
            if label:
                part = f'{part[:-1]} data-label="{escape(label)}">'
        out.append(part)
    return "".join(out)


def render_inline(text: str) -> str:
    """One line of Markdown as HTML without a paragraph (emphasis, links; raw HTML off as everywhere),
    for a note to the editors shown in a list."""
    return _MD.renderInline(text, {"editor": True})


def extract_checklist(text: str) -> list[str]:
    return render(text).checklist


def plain_text(text: str) -> str:
    """Readable text without Markdown syntax, for search snippets and summaries (no editor notes)."""
    tokens = _MD.parse(text, {"editor": False})
    parts = []
    for token in tokens:
        if token.type == "inline":
            parts.append("".join(child.content for child in token.children or ()
                                 if child.type in ("text", "code_inline")))
        elif token.type in ("fence", "code_block"):
            parts.append(token.content)
    return "\n".join(p for p in parts if p.strip())


@dataclass
class Block:
    """One top-level part of a rendered text (heading, paragraph, list, table, quote …) or one item of
    a list, for comparing two versions part by part. `key` is its HTML without what differs between
    two renderings of the same text (footnote ids, list item numbers): equal keys, equal content."""

    kind: str  # the element: "p", "h2", "ul", "ol", "li", "table", "blockquote", "pre", "hr", …
    key: str
    html: str
    items: list["Block"] = field(default_factory=list)  # a list's items
    open_html: str = ""  # a list's or an item's opening tag
    inner_html: str = ""  # an item's content
    close_html: str = ""
    inner_key: str = ""  # an item's content as in `key`


def _top_level(tokens) -> list[tuple[int, int]]:
    """(first, last) index of each outermost element of a token stream."""
    ranges, depth, first = [], 0, 0
    for index, token in enumerate(tokens):
        if depth == 0:
            first = index
        depth += token.nesting
        if depth == 0:
            ranges.append((first, index))
    return ranges


def render_blocks(text: str, *, editor: bool = False, doc_id: str = "") -> list[Block]:
    """The text rendered as render() does (same rules, so a reader's blocks hold no notes to the
    editors), cut into its top-level blocks and each list into its items. Headings lose their ids and
    footnote ids get `doc_id`, so two versions shown on one page never repeat an id; ordered list items
    carry their number (value), so a removed step shown between them does not renumber the others."""
    env: dict = {"editor": editor}
    tokens = _MD.parse(text, env)
    shown_env = dict(env, docId=doc_id) if doc_id else env
    for token in tokens:
        if token.type == "heading_open" and token.attrs.get("id"):
            del token.attrs["id"]

    def html(part, for_key: bool = False) -> str:
        return _MD.renderer.render(part, _MD.options, env if for_key else shown_env)

    blocks = []
    for first, last in _top_level(tokens):
        part = tokens[first:last + 1]
        head = part[0]
        kind = head.tag or head.type.removesuffix("_open")
        key = html(part, for_key=True)
        items = []
        if head.type in ("bullet_list_open", "ordered_list_open"):
            start = int(head.attrGet("start") or 1)
            for number, (a, b) in enumerate(_top_level(part[1:-1]), start):
                item = part[1 + a:1 + b + 1]
                item_key = html(item, for_key=True)
                if head.type == "ordered_list_open":
                    item[0].attrSet("value", str(number))
                items.append(Block("li", item_key, html(item), open_html=html(item[:1]),
                                   inner_html=html(item[1:-1]), close_html=html(item[-1:]),
                                   inner_key=html(item[1:-1], for_key=True)))
        blocks.append(Block(kind, key, html(part), items, open_html=html(part[:1]) if items else "",
                            close_html=html(part[-1:]) if items else ""))
    return blocks
