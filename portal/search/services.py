"""The search index kept in step with the database, the synonym list, and the searches the views run.

The index is a derived cache of the published, unarchived documents. Every reader-visible change
writes a row to `document_changes` in its own transaction; each process compares the newest row with
its index's watermark (at most a few times a second) and applies what it has not seen. Changes of the
last RESCAN_SECONDS are looked at again every time, because on PostgreSQL a change with a lower id may
commit after one with a higher id; applying a change twice is harmless (the entries are compared
first). So several workers, or several machines with their own index folders, converge on the
database without a shared disk.

A missing, damaged or outdated index is rebuilt from the database: at once when the handbook is
small, otherwise in a background thread while the search page says so and searches titles in the
database instead. One process rebuilds at a time (a lock file next to the index).
"""
from __future__ import annotations

import fcntl
import logging
import os
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from html import escape, unescape
from pathlib import Path

from flask import current_app
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from portal import audit
from portal.clock import utcnow
from portal.errors import EditConflict, ValidationError
from portal.extensions import db
# _MD and _BLANK are the renderer and the blank pattern the document page uses: what is indexed
# must be the text as the page shows it to readers.
from portal.handbook.markdown import _BLANK, _MD
from portal.handbook.models import Document, DocumentChange
from portal.handbook.services import document_changed
from portal.org.models import Department
from portal.policy import authorize
from portal.search import engine
from portal.search.engine import IndexBusy, IndexUnavailable, SearchIndexError, SearchResult
from portal.search.synonyms import DEFAULT_SYNONYMS, SynonymError, SynonymSet, synonym_set
from portal.search.models import SynonymList

log = logging.getLogger(__name__)

RESCAN_SECONDS = 120  # changes this recent are compared again on every sync
SYNC_INTERVAL = 0.25  # seconds between two looks at the change log in one process
REQUEST_WRITE_TIMEOUT = 1.0  # a request waits this long for another writer, then searches as is
FALLBACK_LIMIT = 20
PARALLEL_REBUILD_FROM = 1000  # documents; below this a rebuild takes a second or two anyway
MAX_SYNONYM_CHARS = 100_000

audit.register_action("search.synonyms_changed", "Synonymlistan ändrad")
audit.register_action("search.reindexed", "Sökindexet byggt om")

REBUILDING = ("Sökindexet byggs om just nu. Under tiden söks bara dokumentens rubriker; "
              "försök igen om en stund för en fullständig sökning.")


class IndexRebuilding(IndexUnavailable):
    """The index is being rebuilt (by this process or another); searching must wait for it."""


@dataclass
class _State:
    """Per application: the open index and what this process knows about it."""

    path: Path
    index: engine.SearchIndex | None = None
    checked: float = 0.0
    sync_lock: threading.Lock = field(default_factory=threading.Lock)
    rebuild_thread: threading.Thread | None = None
    last_error: str | None = None


def init_app(app) -> None:
    app.extensions["search"] = _State(Path(app.config["SEARCH_INDEX_DIR"]))


def _state() -> _State:
    return current_app.extensions["search"]


@document_changed.connect
def _on_document_changed(document_id, **_) -> None:
    """After a commit that readers can see: bring this process's index up to date at once.

    One receiver for every app of the process; it works on the app of the current context.
    """
    if "search" not in current_app.extensions:
        return
    try:
        sync(force=True)
    except SearchIndexError as error:  # the next search catches up
        log.warning("search index not updated after change of document %s: %s", document_id, error)


# --- Documents as the index sees them ------------------------------------------------------------


def _visible_documents():
    return (select(Document)
            .where(Document.archived_at.is_(None), Document.current_revision_id.is_not(None))
            .options(selectinload(Document.current_revision)))


def _blanks_as_readers_see_them(text: str) -> str:
    """Each "[fyll i telefonnummer]" as the document page shows it to readers: "Uppgift saknas
    (telefonnummer)", so that snippets show it so and "fyll i" does not find the page by it."""
    def shown(match: re.Match) -> str:
        return f"Uppgift saknas ({' '.join(match.group(1).split())})"
    # The page finds blanks in the escaped HTML (markdown.mark_blanks); so does this, or a blank
    # with a < in it would be one there and not here.
    return unescape(_BLANK.sub(shown, escape(text)))


def _inline_text(tokens) -> str:
    # A blank inside code is an example, shown as written (as mark_blanks leaves <code> alone).
    return "".join(_blanks_as_readers_see_them(token.content) if token.type == "text" else token.content
                   for token in tokens or () if token.type in ("text", "code_inline"))


def reader_text(markdown: str) -> str:
    """The readable text of a revision, as markdown.plain_text() gives it (no Markdown syntax, no
    notes to the editors), with the blanks as readers see them: what is indexed and shown in snippets."""
    return reader_text_and_sections(markdown)[0]


# The id of each heading of a rendered text, in order ("<h2 id="steg-for-steg">").
_SHOWN_HEADING_ID = re.compile(r'<h[1-6]\b[^>]*?\sid="([^"]*)"')


def reader_text_and_sections(markdown: str, shown_html: str | None = None) -> tuple[str, list[tuple]]:
    """reader_text(), and where in it each section begins: (offset, heading id, heading text).

    The ids are the document page's: the renderer's own (markdown.heading_id through the anchors
    plugin, which also numbers repeated headings), taken from the tokens the text is read from. A
    stored revision keeps the HTML it was rendered with, and an older renderer may have named a
    heading otherwise (before a word joined PAGE_IDS and took "-rubrik"): when `shown_html`, the HTML
    readers are shown, has as many heading ids, its ids are used. An h1 (no id) ends the section above
    it; h5 and h6 (no id either) belong to the section they are in.
    """
    parts: list[str] = []
    sections: list[list] = []
    at = 0  # where the next part begins in the joined text
    tokens = _MD.parse(markdown, {"editor": False})
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and int(token.tag[1]) <= 4:
            heading = " ".join(_inline_text(tokens[index + 1].children).split())
            sections.append([at, token.attrGet("id") or None, heading])
        if token.type == "inline":
            part = _inline_text(token.children)
        elif token.type in ("fence", "code_block"):
            part = token.content
        else:
            continue
        if part.strip():
            parts.append(part)
            at += len(part) + 1
    named = [section for section in sections if section[1]]
    shown = [unescape(found) for found in _SHOWN_HEADING_ID.findall(shown_html or "")]
    if len(shown) == len(named):
        for section, shown_id in zip(named, shown):
            section[1] = shown_id
    return "\n".join(parts), [tuple(section) for section in sections]


def _heading_text(heading: str) -> str:
    tokens = _MD.parseInline(heading, {})
    return _inline_text(tokens[0].children) if tokens else heading


def index_entry(document: Document) -> dict:
    """The index's view of a document's current published revision."""
    revision = document.current_revision
    meta = revision.meta or {}
    body, sections = reader_text_and_sections(revision.body, revision.html)
    return {
        "slug": document.slug, "title": revision.title, "body": body, "sections": sections,
        "headings": [_heading_text(str(item.get("text", ""))) for item in revision.toc or ()],
        "tags": [str(tag).replace(",", " ") for tag in meta.get("tags") or ()],
        "legal_refs": [str(ref) for ref in meta.get("legal_refs") or ()],
        "kind": document.kind, "department": document.department.name,
        "revision_id": revision.id, "published_at": revision.published_at, "document_id": document.id,
    }


def _all_entries():
    for document in db.session.scalars(_visible_documents().execution_options(yield_per=500)):
        yield index_entry(document)


def _visible_count() -> int:
    return db.session.scalar(select(func.count()).select_from(
        _visible_documents().with_only_columns(Document.id).subquery()))


def _latest_change() -> int:
    return db.session.scalar(select(func.max(DocumentChange.id))) or 0


# --- Opening, syncing and rebuilding ------------------------------------------------------------


def _lock_path(path: Path) -> Path:
    return path.parent / f".{path.name}.rebuild.lock"


def rebuild_index() -> int:
    """Build the whole index from the database and swap it in; returns the number of documents.

    Raises IndexRebuilding when another process is rebuilding right now.
    """
    state = _state()
    state.path.parent.mkdir(parents=True, exist_ok=True)
    with open(_lock_path(state.path), "a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise IndexRebuilding(REBUILDING) from None
        try:
            watermark = _latest_change()  # changes after this are applied by the next sync
            procs = engine.REBUILD_PROCS if _visible_count() > PARALLEL_REBUILD_FROM else 1
            count = engine.rebuild(state.path, _all_entries(), watermark=watermark, procs=procs)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
            db.session.rollback()  # end the long read transaction
    state.index = engine.open_index(state.path, create=False)
    state.checked = 0.0
    state.last_error = None
    log.info("search index rebuilt: %s documents, watermark %s", count, watermark)
    return count


def _rebuild_in_background() -> None:
    state = _state()
    if state.rebuild_thread is not None and state.rebuild_thread.is_alive():
        return
    app = current_app._get_current_object()

    def work():
        with app.app_context():
            try:
                rebuild_index()
            except IndexRebuilding:
                pass  # another process is at it
            except Exception:  # noqa: BLE001 - a failed rebuild is retried by the next search
                log.exception("background rebuild of the search index failed")
            finally:
                db.session.remove()

    state.rebuild_thread = threading.Thread(target=work, name="search-rebuild", daemon=True)
    state.rebuild_thread.start()


def wait_for_rebuild(timeout: float = 60.0) -> None:
    """Wait for this process's background rebuild, if any (used by tests and the CLI)."""
    thread = _state().rebuild_thread
    if thread is not None:
        thread.join(timeout)


def _repair(reason: IndexUnavailable) -> engine.SearchIndex:
    """Rebuild a missing or broken index: now when small, else in the background (IndexRebuilding)."""
    state = _state()
    state.index = None
    state.last_error = str(reason)
    if _visible_count() <= current_app.config["SEARCH_SYNC_REBUILD_LIMIT"]:
        rebuild_index()
        return state.index
    _rebuild_in_background()
    raise IndexRebuilding(REBUILDING) from reason


def get_index() -> engine.SearchIndex:
    """The open index, rebuilt from the database first if it is missing or damaged."""
    state = _state()
    if state.rebuild_thread is not None and state.rebuild_thread.is_alive():
        raise IndexRebuilding(REBUILDING)
    try:
        if state.index is None:
            state.index = engine.open_index(state.path, create=False)
        else:
            state.index.whoosh()  # cheap: checks the generation is still there and readable
        return state.index
    except IndexUnavailable as error:
        return _repair(error)


def _apply(ix: engine.SearchIndex, document_ids: list[int], timeout: float) -> int:
    """Make the index's entries for these documents match the database; returns how many changed.

    Only what can change without a new revision is compared – slug, revision, kind and owner
    department (a move or a renamed department) – so the text of a document is prepared only when
    it must be written, and looking again at recent changes costs two small queries.
    """
    rows = db.session.execute(
        select(Document.id, Document.slug, Document.current_revision_id, Document.kind, Department.name)
        .join(Department, Department.id == Document.department_id)
        .where(Document.id.in_(document_ids), Document.archived_at.is_(None),
               Document.current_revision_id.is_not(None))).all()
    wanted = {row.id: {(row.slug, row.current_revision_id, row.kind, row.name)} for row in rows}
    held = engine.indexed_documents(ix, document_ids)
    stale = [number for number in document_ids if held.get(number, set()) != wanted.get(number, set())]
    if not stale:
        return 0
    documents = db.session.scalars(_visible_documents().where(Document.id.in_(stale))).all()
    engine.replace(ix, stale, [index_entry(document) for document in documents], timeout=timeout)
    return len(stale)


def sync(*, force: bool = False, timeout: float = REQUEST_WRITE_TIMEOUT) -> int:
    """Apply the database's changes that the index has not seen; returns how many documents changed.

    Cheap when nothing changed (two indexed queries). IndexBusy is swallowed: the search goes on
    with the index as it is, and the next sync catches up.
    """
    state = _state()
    now = time.monotonic()
    if not force and now - state.checked < SYNC_INTERVAL:
        return 0
    ix = get_index()
    if not state.sync_lock.acquire(blocking=force, timeout=timeout if force else -1):
        return 0  # another thread of this process is syncing
    try:
        state.checked = now
        watermark = engine.read_watermark(ix)
        latest = _latest_change()
        if latest < watermark:
            # The database has fewer changes than the index saw: it was replaced (restore).
            log.warning("search index is ahead of the database (%s > %s): rebuilding", watermark, latest)
            _repair(IndexUnavailable("Databasen har bytts ut."))
            return 0
        since = utcnow() - timedelta(seconds=RESCAN_SECONDS)
        document_ids = list(db.session.scalars(
            select(DocumentChange.document_id)
            .where(or_(DocumentChange.id > watermark, DocumentChange.at >= since)).distinct()))
        changed = _apply(ix, document_ids, timeout) if document_ids else 0
        engine.write_watermark(ix, latest)
        return changed
    except IndexBusy as error:
        log.info("search index busy, searching without the newest changes: %s", error)
        return 0
    finally:
        state.sync_lock.release()


def status() -> dict:
    """The index's state for /healthz and `flask search status`, without repairing anything."""
    state = _state()
    if state.rebuild_thread is not None and state.rebuild_thread.is_alive():
        return {"status": "rebuilding", "detail": REBUILDING}
    try:
        ix = state.index or engine.open_index(state.path, create=False)
        documents = engine.verify(ix)
        watermark, latest = engine.read_watermark(ix), _latest_change()
    except IndexUnavailable as error:
        return {"status": "unavailable", "detail": str(error)}
    return {"status": "ok", "documents": documents, "watermark": watermark,
            "pending_changes": max(0, latest - watermark)}


# --- Synonyms -------------------------------------------------------------------------------------


def current_synonym_list() -> SynonymList | None:
    return db.session.scalar(select(SynonymList).order_by(SynonymList.id.desc()).limit(1))


def current_synonyms() -> SynonymSet:
    """The synonyms in use: the newest saved list, or the shipped default before anyone saved one."""
    row = current_synonym_list()
    try:
        return synonym_set(row.text if row else DEFAULT_SYNONYMS)
    except SynonymError:  # a saved list was valid when saved; a stricter parser must not break search
        log.exception("saved synonym list %s no longer parses; using the default", row.id)
        return synonym_set(DEFAULT_SYNONYMS)


def synonym_history(limit: int = 50) -> list[SynonymList]:
    return list(db.session.scalars(select(SynonymList).order_by(SynonymList.id.desc()).limit(limit)))


def get_synonym_version(number: int) -> SynonymList | None:
    return db.session.get(SynonymList, number)


def save_synonyms(actor, text: str, note: str, base_id: int | None, confirm_empty: bool = False) -> SynonymList:
    """Save a new version of the synonym list (the old ones are kept).

    Raises ValidationError (field "text") listing every bad line, and EditConflict when someone
    else saved a version after `base_id`. A list without a single group (every abbreviation gone
    from search at once, most likely by mistake) is saved only with `confirm_empty`.
    """
    authorize(actor, "search.manage_synonyms")
    text = (text or "").replace("\r\n", "\n").strip() + "\n"
    if len(text) > MAX_SYNONYM_CHARS:
        raise ValidationError(f"Listan är för lång (högst {MAX_SYNONYM_CHARS} tecken).", field="text")
    try:
        groups = SynonymSet.from_text(text).groups
    except SynonymError as error:
        raise ValidationError(" ".join(error.errors), field="text") from None
    if not groups and not confirm_empty:
        raise ValidationError("Listan har inga synonymgrupper: sökningen skulle inte längre känna till någon "
                              "förkortning (SIP, BUS, LVU …) eller synonym. Skriv minst en grupp, eller kryssa i "
                              "”Ja, töm listan” om sökningen ska vara utan synonymer.", field="text", empty=True)
    current = current_synonym_list()
    if (current.id if current else None) != base_id:
        raise EditConflict("Någon annan sparade synonymlistan medan du redigerade. Din text finns kvar "
                           "nedan; jämför med den sparade listan och spara igen.",
                           theirs=current.text if current else DEFAULT_SYNONYMS,
                           current_id=current.id if current else None)
    before = current.text if current else DEFAULT_SYNONYMS
    if text.strip() == before.strip():
        raise ValidationError("Listan är oförändrad; inget sparades.", field="text")
    old_lines = {line.strip() for line in before.splitlines() if line.strip()}
    new_lines = {line.strip() for line in text.splitlines() if line.strip()}
    row = SynonymList(text=text, note=(note or "").strip()[:500], created_by_id=getattr(actor, "id", None),
                      created_by_label=getattr(actor, "email", None) or "system")
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "search.synonyms_changed", row, target_type="synonyms",
                 target_label=f"Synonymlista {row.id}", summary=f"{len(groups)} grupper; {len(new_lines - old_lines)} rader tillagda, "
                         f"{len(old_lines - new_lines)} borttagna")
    db.session.commit()
    return row


# --- Searching ------------------------------------------------------------------------------------


@dataclass
class Outcome:
    """What the search page shows: a result, or why there is none and what was found instead."""

    result: SearchResult | None
    unavailable: str | None = None
    fallback: list[Document] = field(default_factory=list)
    # When a query with a quoted phrase found nothing: the same search without the quotes, if it
    # finds something.
    without_quotes: SearchResult | None = None


QUOTES = re.compile('["“”„]')


def _fallback(q: str) -> list[Document]:
    """While the index is rebuilt: published titles containing every typed word (no ranking)."""
    words = [word for word in (q or "").split() if len(word) >= 2][:5]
    if not words:
        return []
    query = _visible_documents()
    for word in words:
        escaped = word.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(func.lower(Document.title).like(f"%{escaped}%", escape="\\"))
    return list(db.session.scalars(query.order_by(Document.title).limit(FALLBACK_LIMIT)))


def run_search(q: str | None, *, kind=None, department=None, tag=None, page: int = 1,
               per_page: int = 10) -> Outcome:
    try:
        sync()
        ix, synonyms = get_index(), current_synonyms()
        result = engine.search(ix, q, synonyms=synonyms, kind=kind, department=department, tag=tag,
                               page=page, per_page=per_page)
        without_quotes = None
        if not result.total and len(QUOTES.findall(result.query)) >= 2:
            unquoted = engine.search(ix, " ".join(QUOTES.sub(" ", result.query).split()), synonyms=synonyms,
                                     kind=kind, department=department, tag=tag, per_page=1)
            without_quotes = unquoted if unquoted.total else None
        return Outcome(result, without_quotes=without_quotes)
    except IndexUnavailable as error:
        if not isinstance(error, IndexRebuilding):
            try:
                _repair(error)
            except IndexRebuilding:
                pass
        return Outcome(None, REBUILDING, _fallback(q or ""))


def suggest(prefix: str | None, limit: int = 8) -> list[engine.TitleSuggestion]:
    try:
        sync()
        return engine.suggest_titles(get_index(), prefix, limit)
    except SearchIndexError:
        return []
