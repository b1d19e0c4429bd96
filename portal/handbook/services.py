"""Handbook rules: create, save drafts, publish, restore, move, rename, archive, read and compare.

Every public function that changes something is one transaction: it checks permission through
the policy, validates, writes, records the audit event, commits, and then announces the change
(`document_changed`) so the search index can follow.
"""
import re
import secrets
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from blinker import Namespace
from flask import g, has_request_context
from sqlalchemy import and_, exists, func, not_, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, selectinload

from portal.paging import Paging
from portal import audit, clock
from portal.adoption.models import Adoption, Confirmation, ItemProgress
from portal.clock import DATE_RANGE_TEXT, date_in_range, utcnow
from portal.errors import EditConflict, NotFound, ValidationError
from portal.extensions import db
from portal.handbook import diff as diffing
from portal.handbook import rendered_diff
from portal.handbook.markdown import mark_blanks, render
from portal.handbook.merge import merge_text
from portal.handbook.models import (CONTROLLED_KINDS, KINDS, ContentVersion, Document, DocumentChange,
                                    Revision, RevisionLink, SlugRedirect, scope_includes, unit_kind_labels)
from portal.org import services as org
from portal.org.models import UNIT_KINDS, Department, Unit
from portal.policy import authorize, can

signals = Namespace()
# Sent after a commit that changes what readers see: (document_id,). The search index listens.
document_changed = signals.signal("document-changed")

for _action, _label in {
    "document.created": "Dokument skapat",
    "document.saved": "Utkast sparat",
    "document.published": "Version publicerad",
    "document.restored": "Äldre version återställd som utkast",
    "document.moved": "Dokument flyttat",
    "document.renamed": "Adress ändrad",
    "document.archived": "Dokument arkiverat",
    "document.unarchived": "Dokument återtaget från arkivet",
}.items():
    audit.register_action(_action, _label)

DATE_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")  # fromisoformat alone also takes 20260302 and week dates
SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,78}[a-z0-9])?$")
RESERVED_SLUGS = {"ny", "forhandsgranska"}
MAX_BODY_CHARS = 2_000_000
MAX_TITLE_CHARS = 200
MAX_CHANGE_NOTE_CHARS = 1000
MIN_POSITION, MAX_POSITION = -1_000_000, 1_000_000
META_TEXT_FIELDS = ("decided_by", "owner")
META_DATE_FIELDS = ("decided_on", "review_by")
META_LIST_FIELDS = ("legal_refs", "tags", "applies_to")
# "Gäller för enhetstyper": UNIT_KINDS keys, stored only when some are chosen, so that the versions
# written before the field existed (no key) and a version with none chosen are the same metadata.
META_OPTIONAL_FIELDS = ("unit_kinds",)
META_KEYS = META_TEXT_FIELDS + META_DATE_FIELDS + META_LIST_FIELDS + META_OPTIONAL_FIELDS
REVIEW_WARNING_DAYS = 60


# --- Validation ---------------------------------------------------------------------------------

def _has_control_chars(text: str) -> bool:
    return any(unicodedata.category(c) == "Cc" and c not in "\n\r\t" for c in text)


has_control_chars = _has_control_chars  # the content import checks its own front matter with it


def slug_from_text(text: str) -> str:
    """The address a title (or a mistyped address) makes, as the shipped handbook's addresses look:
    lower case, å/ä/ö → a/a/o, every run of other characters one hyphen; "" when nothing is left."""
    return org.slugify(text or "").rstrip("-")  # slugify cuts at 60 characters, maybe after a hyphen


def _slug_error(message: str, proposal: str | None) -> ValidationError:
    """A refused address; with a free proposal the message names it and the form shows it (details)."""
    if proposal:
        message += f" Förslag: {proposal}"
    return ValidationError(message, field="slug", proposal=proposal)


def free_slug(base: str, document: Document | None = None) -> str | None:
    """`base`, or `base` with the first free number (-2, -3 …): an address no document has or had."""
    for candidate in [base] + [f"{base[:75].rstrip('-')}-{n}" for n in range(2, 100)]:
        if SLUG_RE.match(candidate) and candidate not in RESERVED_SLUGS and not slug_taken(candidate, document):
            return candidate
    return None


def validate_slug(slug: str, document: Document | None = None) -> str:
    typed = (slug or "").strip()
    slug = typed.lower()
    if not SLUG_RE.match(slug):
        cleaned = slug_from_text(typed)
        raise _slug_error("Adressen får bara innehålla a–z, 0–9 och bindestreck (högst 80 tecken), "
                          "t.ex. orosanmalan.", free_slug(cleaned, document) if cleaned else None)
    if slug in RESERVED_SLUGS:
        raise _slug_error(f"Adressen ”{slug}” är reserverad. Välj en annan.", free_slug(slug, document))
    return slug


def new_document_slug(slug: str, title: str) -> str:
    """The address of a new document: the one typed, or when none is typed the one its title makes.
    Never taken or reserved; when it is, the error proposes the first free variant."""
    if (slug or "").strip():
        slug = validate_slug(slug)
        if slug_taken(slug):
            raise _slug_error(f"Adressen ”{slug}” används redan.", free_slug(slug))
        return slug
    slug = slug_from_text(title)
    if not slug:
        raise ValidationError("Rubriken innehåller inga bokstäver eller siffror att göra en adress av. "
                              "Skriv en adress (a–z, 0–9 och bindestreck).", field="slug")
    if slug in RESERVED_SLUGS or slug_taken(slug):
        why = "är reserverad" if slug in RESERVED_SLUGS else "används redan"
        raise _slug_error(f"Adressen ”{slug}”, som bildas av rubriken, {why}.", free_slug(slug))
    return slug


def validate_title(title: str) -> str:
    title = " ".join((title or "").split())
    if not title:
        raise ValidationError("Ange en rubrik.", field="title")
    if len(title) > MAX_TITLE_CHARS:
        raise ValidationError(f"Rubriken får vara högst {MAX_TITLE_CHARS} tecken.", field="title")
    if _has_control_chars(title):
        raise ValidationError("Rubriken innehåller otillåtna tecken.", field="title")
    return title


def normalize_body(body: str) -> str:
    body = (body or "").replace("\r\n", "\n").replace("\r", "\n")
    if len(body) > MAX_BODY_CHARS:
        raise ValidationError("Texten är för lång (högst 2 miljoner tecken).", field="body")
    if "\x00" in body or _has_control_chars(body):
        raise ValidationError("Texten innehåller otillåtna tecken (kontrolltecken).", field="body")
    return "\n".join(line.rstrip() for line in body.strip("\n").split("\n")) + "\n"


def validate_kind(kind: str) -> str:
    if kind not in KINDS:
        raise ValidationError(f"Okänd dokumenttyp ”{kind}”. Välj avsnitt, rutin eller överenskommelse.",
                              field="kind")
    return kind


def normalize_meta(meta: dict) -> dict:
    """The document-control metadata in one canonical form (ISO dates, trimmed lists)."""
    unknown = set(meta) - set(META_KEYS)
    if unknown:
        raise ValidationError(f"Okända metadatafält: {', '.join(sorted(unknown))}.")
    result = {}
    for key in META_TEXT_FIELDS:
        value = meta.get(key)
        if value is None or str(value).strip() == "":
            result[key] = None
            continue
        if not isinstance(value, str):
            raise ValidationError(f"{FIELD_LABELS[key]} ska vara text.", field=key)
        value = " ".join(value.split())
        if len(value) > 200 or _has_control_chars(value):
            raise ValidationError(f"{FIELD_LABELS[key]} får vara högst 200 tecken vanlig text.", field=key)
        result[key] = value
    for key in META_DATE_FIELDS:
        value = meta.get(key)
        if value in (None, ""):
            result[key] = None
            continue
        if isinstance(value, datetime):
            raise ValidationError(f"{FIELD_LABELS[key]} ska vara ett datum utan klockslag.", field=key)
        if not isinstance(value, date):
            text = str(value).strip()
            try:
                if not DATE_RE.match(text):
                    raise ValueError(text)
                value = date.fromisoformat(text)
            except ValueError:
                raise ValidationError(f"{FIELD_LABELS[key]} ska vara ett datum som ÅÅÅÅ-MM-DD.", field=key)
        if not date_in_range(value):
            raise ValidationError(f"{FIELD_LABELS[key]} ska vara ett datum {DATE_RANGE_TEXT}.", field=key)
        result[key] = value.isoformat()
    if result.get("decided_on") and result.get("review_by") and result["review_by"] < result["decided_on"]:
        # ISO dates compare as text. An old version restored as it was keeps its dates (restore
        # copies it); the next edit of it asks for this to be put right.
        raise ValidationError(f"Revideras senast ({result['review_by']}) kan inte vara före Fastställd "
                              f"({result['decided_on']}). Rätta något av datumen.", field="review_by")
    for key in META_LIST_FIELDS:
        value = meta.get(key) or []
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, (str, int, float)) for v in value):
            raise ValidationError(f"{FIELD_LABELS[key]} ska vara en lista med text.", field=key)
        items = []
        for item in value:
            item = " ".join(str(item).split())
            if key == "tags":
                item = item.lower()
            if not item:
                continue
            if len(item) > 200 or _has_control_chars(item):
                raise ValidationError(f"Ett värde i {FIELD_LABELS[key].lower()} är för långt "
                                      "eller innehåller otillåtna tecken.", field=key)
            if item not in items:
                items.append(item)
        if len(items) > 50:
            raise ValidationError(f"{FIELD_LABELS[key]} får ha högst 50 värden.", field=key)
        result[key] = items
    kinds = normalize_unit_kinds(meta.get("unit_kinds"))
    if kinds:
        result["unit_kinds"] = kinds
    return result


def normalize_unit_kinds(value) -> list[str]:
    """The chosen unit types as UNIT_KINDS keys in UNIT_KINDS' order ([] = every type)."""
    if value in (None, ""):
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValidationError(f"{FIELD_LABELS['unit_kinds']} ska vara en lista med enhetstyper.", field="unit_kinds")
    chosen = set()
    for item in value:
        item = item.strip()
        if item not in UNIT_KINDS:
            shown = item if len(item) <= 40 and not _has_control_chars(item) else item[:40] + "…"
            raise ValidationError(f"Okänd enhetstyp ”{shown}” i {FIELD_LABELS['unit_kinds'].lower()}. Välj bland: "
                                  + ", ".join(f"{key} ({label.lower()})" for key, label in UNIT_KINDS.items())
                                  + ".", field="unit_kinds")
        chosen.add(item)
    return [key for key in UNIT_KINDS if key in chosen]


FIELD_LABELS = {
    "decided_by": "Beslutad av", "decided_on": "Fastställd", "review_by": "Revideras senast",
    "owner": "Dokumentansvarig", "legal_refs": "Lagrum", "tags": "Nyckelord", "applies_to": "Gäller för",
    "unit_kinds": "Gäller för enhetstyper",
}


def _resolve_departments(names: list[str]) -> list[Department]:
    departments = []
    for name in names:
        # A former name still means the renamed department (older revisions and drafts keep it).
        department = org.department_by_name(name)
        if department is None:
            raise ValidationError(f"Förvaltningen ”{name}” finns inte.", field="applies_to")
        departments.append(department)
    return departments


# --- Reading ------------------------------------------------------------------------------------

def find_document(slug: str) -> tuple[Document, bool]:
    """The document at a slug, or at an old slug it was renamed from (second value True)."""
    document = db.session.scalar(select(Document).where(Document.slug == slug))
    if document is not None:
        return document, False
    redirect = db.session.get(SlugRedirect, slug) if slug and len(slug) <= 80 else None
    if redirect is not None:
        return db.session.get(Document, redirect.document_id), True
    raise NotFound("Dokumentet finns inte. Det kan ha fått en ny adress eller tagits bort.")


def get_document_by_id(document_id: int) -> Document:
    document = db.session.get(Document, document_id)
    if document is None:
        raise NotFound("Dokumentet finns inte.")
    return document


def authorize_edit(user, document: Document) -> None:
    authorize(user, "document.edit", document)


def visible_to(user, document: Document) -> bool:
    """Readers see published documents (archived ones too, marked); editors in scope see drafts."""
    return document.is_published or can(user, "document.view_drafts", document)


def ensure_visible(user, document: Document) -> None:
    if not visible_to(user, document):
        raise NotFound("Dokumentet finns inte.")


def get_revision(user, document: Document, number: int) -> Revision:
    ensure_visible(user, document)
    revision = db.session.scalar(select(Revision).where(Revision.document_id == document.id,
                                                        Revision.number == number))
    if revision is None:
        raise NotFound(f"Version {number} finns inte.")
    if not revision.is_published and not can(user, "document.view_drafts", document):
        raise NotFound(f"Version {number} finns inte.")
    return revision


def latest_revision(document: Document) -> Revision | None:
    return db.session.scalar(select(Revision).where(Revision.document_id == document.id,
                                                    Revision.number == document.latest_number))


def pending_draft(document: Document) -> Revision | None:
    """The newest revision when it is newer than the published one: the editors' working copy."""
    latest = latest_revision(document)
    if latest is None or latest.is_published:
        return None
    return latest


def history(user, document: Document) -> list[Revision]:
    ensure_visible(user, document)
    stmt = select(Revision).where(Revision.document_id == document.id).order_by(Revision.number.desc())
    if not can(user, "document.view_drafts", document):
        stmt = stmt.where(Revision.published_at.is_not(None))
    return list(db.session.scalars(stmt))


TREE_BUDGET = 150      # entries a tree shows before it leaves the remaining branches closed
TREE_PAGE_SIZE = 200   # first-level entries per page when one level alone is longer than that
CHILDREN_SHOWN = 100   # children listed on a document page; the branch page has them all


@dataclass
class TreePage(Paging):
    """The first level of the tree (or of one branch), one page of it, each node with `child_count`
    and `visible_children` (empty while the branch is left closed)."""

    nodes: list[Document]
    total: int
    page: int
    per_page: int


def _tree_visibility(user):
    """A function giving the SQL condition "unarchived, and published or a draft `user` may see" for a
    Document alias. Which drafts is decided by the policy, in Python, on the (few) unpublished ones."""
    draft_ids = []
    if can(user, "document.view_drafts"):
        draft_ids = [d.id for d in db.session.scalars(select(Document).where(
            Document.current_revision_id.is_(None), Document.archived_at.is_(None))) if visible_to(user, d)]

    def visible(alias):
        return and_(alias.archived_at.is_(None),
                    or_(alias.current_revision_id.is_not(None), alias.id.in_(draft_ids)))
    return visible


def tree_page(user, branch: Document | None = None, *, page: int = 1, budget: int | None = None,
              per_page: int | None = None) -> TreePage:
    """The handbook tree from the top (or under `branch`), in editor-set order, drafts only for editors
    in scope. Levels are opened breadth-first while the page stays within `budget` entries, so a
    handbook of a few hundred documents is shown whole and one of ten thousand shows its top levels,
    each closed branch with its number of documents. Loads only what it shows."""
    budget = TREE_BUDGET if budget is None else budget
    per_page = TREE_PAGE_SIZE if per_page is None else per_page
    visible = _tree_visibility(user)
    order = (Document.position, Document.title)
    if branch is None:
        # A visible document under an invisible parent (a reader and a draft section) is shown at the top.
        parent = aliased(Document)
        first = (select(Document).outerjoin(parent, Document.parent_id == parent.id)
                 .where(visible(Document), or_(Document.parent_id.is_(None), not_(visible(parent)))))
    else:
        first = select(Document).where(visible(Document), Document.parent_id == branch.id)
    page = max(1, page)
    nodes = list(db.session.scalars(first.order_by(*order).limit(per_page).offset((page - 1) * per_page)))
    total = (page - 1) * per_page + len(nodes)
    if len(nodes) == per_page or (page > 1 and not nodes):
        total = db.session.scalar(select(func.count()).select_from(first.subquery()))
    shown, level, seen = len(nodes), nodes, {n.id for n in nodes}
    while level:
        counts = dict(db.session.execute(
            select(Document.parent_id, func.count()).where(visible(Document), Document.parent_id.in_(
                [n.id for n in level])).group_by(Document.parent_id)).all())
        opened = {}
        for node in level:
            node.child_count = counts.get(node.id, 0)
            node.visible_children = []
            if node.child_count and shown + node.child_count <= budget:
                opened[node.id] = node
                shown += node.child_count
        if not opened:
            break
        level = []
        for child in db.session.scalars(select(Document).where(visible(Document), Document.parent_id.in_(
                list(opened))).order_by(*order)):
            if child.id not in seen:  # parents never form a ring (_check_parent); be safe anyway
                seen.add(child.id)
                opened[child.parent_id].visible_children.append(child)
                level.append(child)
    return TreePage(nodes, total, page, per_page)


def tree(user) -> list[Document]:
    """The top of the handbook tree (see tree_page)."""
    return tree_page(user).nodes


def published_children(document: Document, limit: int) -> tuple[list[Document], int]:
    """The first `limit` published, unarchived children in editor-set order, and how many there are."""
    stmt = select(Document).where(Document.parent_id == document.id, Document.current_revision_id.is_not(None),
                                  Document.archived_at.is_(None))
    children = list(db.session.scalars(stmt.order_by(Document.position, Document.title).limit(limit)))
    if len(children) < limit:
        return children, len(children)
    return children, db.session.scalar(select(func.count()).select_from(stmt.subquery()))


def breadcrumbs(document: Document, user=None) -> list[Document]:
    """The document's ancestors from the top, as far up as the viewer can follow them: published ones,
    or with `user` those they may see. The trail stops below a parent they may not see (a draft, for a
    reader): the tree then shows the document at the top, and a crumb would lead to a missing page.
    Without `user` it is the trail every reader gets (the document page's cached one)."""
    trail, node, seen = [], document.parent, set()
    while node is not None and node.id not in seen:
        if not (node.is_published if user is None else visible_to(user, node)):
            break
        seen.add(node.id)
        trail.insert(0, node)
        node = node.parent
    return trail


def recent_changes(limit: int = 8) -> list[Revision]:
    return list(db.session.scalars(
        select(Revision).join(Revision.document)
        .where(Revision.published_at.is_not(None), Document.archived_at.is_(None))
        .options(selectinload(Revision.document)).order_by(Revision.published_at.desc()).limit(limit)))


def backlinks(document: Document) -> list[Document]:
    """Published, unarchived documents whose current version links here."""
    return list(db.session.scalars(
        select(Document).join(RevisionLink, RevisionLink.revision_id == Document.current_revision_id)
        .where(RevisionLink.target_slug == document.slug, Document.archived_at.is_(None),
               Document.id != document.id)
        .order_by(Document.title)))


def linked_documents(revision: Revision) -> list[Document]:
    slugs = [link.target_slug for link in revision.links]
    if not slugs:
        return []
    return list(db.session.scalars(
        select(Document).where(Document.slug.in_(slugs), Document.current_revision_id.is_not(None),
                               Document.archived_at.is_(None)).order_by(Document.title)))


def list_documents(include_archived: bool = True) -> list[Document]:
    stmt = select(Document).options(selectinload(Document.current_revision)).order_by(Document.title)
    if not include_archived:
        stmt = stmt.where(Document.archived_at.is_(None))
    return list(db.session.scalars(stmt))


# --- Editor overview ----------------------------------------------------------------------------

@dataclass
class ReviewItem:
    document: Document
    review_by: date
    overdue: bool
    days_left: int


def review_due(today: date | None = None, within_days: int = REVIEW_WARNING_DAYS) -> list[ReviewItem]:
    today = today or clock.today()
    items = []
    for document in list_documents(include_archived=False):
        revision = document.current_revision
        review_by = revision.meta_date("review_by") if revision else None
        if review_by and review_by <= today + timedelta(days=within_days):
            items.append(ReviewItem(document, review_by, review_by < today, (review_by - today).days))
    return sorted(items, key=lambda item: item.review_by)


@dataclass
class BrokenLink:
    document: Document
    revision: Revision
    target_slug: str
    reason: str


@dataclass
class ToCheck:
    document: Document
    notes: list[str]  # the notes to the editors, which readers do not see
    blanks: int  # "[fyll i …]" places, which readers do see


PLACEHOLDER = "[fyll i"


def to_check() -> list[ToCheck]:
    """Published documents whose current version still has notes to the editors or blanks to fill in."""
    rows = db.session.execute(
        select(Document, Revision.body).join(Revision, Revision.id == Document.current_revision_id)
        .where(Document.archived_at.is_(None),
               or_(Revision.body.contains("Kontrollera (redaktör)", autoescape=True),
                   Revision.body.contains(PLACEHOLDER, autoescape=True)))
        .order_by(Document.title))
    result = []
    for document, body in rows:
        rendered = render(body)  # counted as the page marks them (not in code, not in notes to the editors)
        result.append(ToCheck(document, rendered.editor_notes, mark_blanks(rendered.html)[1]))
    return [item for item in result if item.notes or item.blanks]


class _LinkTargets:
    """Every document by address, old addresses included: why a link does not lead to a published page."""

    def __init__(self):
        self.documents = {d.slug: d for d in list_documents()}
        self.redirects = {r.old_slug: r.document_id for r in db.session.scalars(select(SlugRedirect))}
        self.by_id = {d.id: d for d in self.documents.values()}

    def problem(self, slug: str) -> str | None:
        target = self.documents.get(slug) or self.by_id.get(self.redirects.get(slug))
        if target is None:
            return "Dokumentet finns inte"
        if target.is_archived:
            return "Dokumentet är arkiverat"
        if not target.is_published:
            return "Dokumentet är inte publicerat"
        if target.slug != slug:
            return f"Gammal adress (leder vidare till {target.slug})"
        return None


NO_SCOPE_WARNINGS = {
    "routine": "Rutinen gäller ingen förvaltning (”Gäller för” är tomt): ingen enhet behöver införa den, och den "
               "syns inte under Min enhet eller Införande.",
    "agreement": "Överenskommelsen gäller ingen förvaltning (”Gäller för” är tomt): ingen enhet behöver införa "
                 "den, och den syns inte under Min enhet eller Införande.",
}


def publish_warnings(body: str, meta: dict | None, kind: str | None = None) -> list[str]:
    """What an editor should know before publishing a text, without being stopped: internal links
    that lead nowhere a reader can go, a review date already passed, a routine or agreement that
    applies to no department (`kind` given; no "applies_to" in `meta` is none)."""
    warnings = []
    if kind in NO_SCOPE_WARNINGS and not (meta or {}).get("applies_to"):
        warnings.append(NO_SCOPE_WARNINGS[kind])
    links = sorted(render(body or "").links)
    if links:
        targets = _LinkTargets()
        for slug in links:
            if (problem := targets.problem(slug)) is not None:
                warnings.append(f"Länken till ”{slug}” leder inte till en publicerad sida: {problem.lower()}.")
    review_by = (meta or {}).get("review_by")
    if isinstance(review_by, str) and DATE_RE.match(review_by.strip()) and review_by < clock.today().isoformat():
        warnings.append(f"Revideras senast ({review_by}) har redan passerat. Sätt ett nytt datum om "
                        "dokumentet är genomgånget.")
    return warnings


# slug_from_text cuts what it makes at 60 characters and may then drop a hyphen: a shorter result is
# certainly the whole of what was typed, not the start of it naming another document.
WHOLE_FOLDED_SLUG = 58


def find_typed_address(slug: str, trailing_slash: bool) -> Document | None:
    """The document an address typed otherwise than the portal writes it names – capitals, å/ä/ö, a
    slash at the end – made the way a new document's address is made from its title (slug_from_text);
    a former address leads on too. None when it names none."""
    candidates = [slug] if trailing_slash else []
    folded = slug_from_text(slug)
    if folded and folded != slug and len(folded) <= WHOLE_FOLDED_SLUG:
        candidates.append(folded)
    for candidate in candidates:
        try:
            return find_document(candidate)[0]
        except NotFound:
            continue
    return None


def broken_links() -> list[BrokenLink]:
    """Links in current versions and pending drafts to slugs that lead nowhere a reader can go."""
    targets = _LinkTargets()
    documents, by_id = targets.documents, targets.by_id
    revision_ids = [d.current_revision_id for d in documents.values() if d.current_revision_id]
    revision_ids += [r.id for r in db.session.scalars(
        select(Revision).join(Document, Document.id == Revision.document_id)
        .where(Revision.number == Document.latest_number, Revision.published_at.is_(None)))]
    result = []
    for link in db.session.scalars(select(RevisionLink).where(RevisionLink.revision_id.in_(revision_ids))
                                   .order_by(RevisionLink.target_slug)):
        revision = db.session.get(Revision, link.revision_id)
        source = by_id[revision.document_id]
        if source.is_archived:
            continue
        reason = targets.problem(link.target_slug)
        if reason is not None:
            result.append(BrokenLink(source, revision, link.target_slug, reason))
    return result


def drafts_in_progress(user) -> list[tuple[Document, Revision]]:
    """Documents with unpublished work the user may see."""
    rows = db.session.execute(
        select(Document, Revision).join(Revision, (Revision.document_id == Document.id)
                                        & (Revision.number == Document.latest_number))
        .where(Revision.published_at.is_(None), Document.archived_at.is_(None))
        .order_by(Revision.created_at.desc())).all()
    return [(d, r) for d, r in rows if can(user, "document.view_drafts", d)]


# --- Changes ------------------------------------------------------------------------------------

def _new_revision(actor, document: Document, *, title: str, body: str, meta: dict,
                  based_on: int | None, note: str = "") -> Revision:
    rendered = render(body)
    document.latest_number += 1
    revision = Revision(
        document=document, number=document.latest_number, title=title, body=body, meta=meta,
        html=rendered.html, toc=rendered.toc, based_on_number=based_on,
        author_id=getattr(actor, "id", None), author_label=getattr(actor, "email", str(actor)),
        save_note=note[:500],
        links=[RevisionLink(target_slug=slug) for slug in sorted(rendered.links)],
    )
    db.session.add(revision)
    db.session.flush()
    return revision


def _commit_visible_change(document: Document) -> None:
    """Commit a change readers can see, logged for the search indexes and with a new content version
    for the page caches, then announce it."""
    db.session.add(DocumentChange(document_id=document.id))
    _new_content_version()
    db.session.commit()
    if has_request_context():
        g.pop("content_version", None)  # read earlier in this request: no longer current
    document_changed.send(document.id)


def mark_visible_change() -> None:
    """For a change elsewhere that readers see on handbook pages (a department renamed): a new
    content version in the caller's transaction, so every worker's page cache lets go."""
    _new_content_version()
    if has_request_context():
        g.pop("content_version", None)


def commit_visible_change(document: Document) -> None:
    """Commit building blocks a caller composed (below) as one change readers can see."""
    _commit_visible_change(document)


def content_version() -> str:
    """The token of what readers can see now; it changes with every publish, move, rename or archive
    (in the change's own transaction), so pages rendered under an equal token are still current.
    A request's user loader reads it in its own query (auth.services); otherwise one small query."""
    if has_request_context() and "content_version" in g:
        return g.content_version
    return db.session.scalar(_CONTENT_VERSION) or ""


_CONTENT_VERSION = select(ContentVersion.token).where(ContentVersion.id == 1)


_UPSERT = {"postgresql": postgresql_insert, "sqlite": sqlite_insert}


def _new_content_version() -> None:
    # The last write before the commit: concurrent changes queue on this one row only for the moment
    # of their commit, and always take it after their other locks (no deadlock). The row is created
    # by the first change; an upsert so that two first changes at once cannot collide.
    # The portal runs on SQLite or PostgreSQL; both have INSERT … ON CONFLICT DO UPDATE.
    insert = _UPSERT[db.session.get_bind().dialect.name]
    statement = insert(ContentVersion).values(id=1, token=secrets.token_hex(16), changed_at=utcnow())
    db.session.execute(statement.on_conflict_do_update(
        index_elements=[ContentVersion.id],
        set_={"token": statement.excluded.token, "changed_at": statement.excluded.changed_at}))


def _check_department(actor, department: Department) -> None:
    if department is None:
        raise ValidationError("Välj en ägande förvaltning.", field="department")
    authorize(actor, "document.create", department)


def _check_parent(document: Document | None, parent: Document | None) -> None:
    node = parent
    while node is not None:
        if document is not None and node.id == document.id:
            raise ValidationError("Ett dokument kan inte ligga under sig självt." if node is parent else
                                  "Ett dokument kan inte ligga under ett av sina egna underdokument.", field="parent")
        node = node.parent


def slug_taken(slug: str, document: Document | None = None) -> bool:
    existing = db.session.scalar(select(Document.id).where(Document.slug == slug))
    redirect = db.session.get(SlugRedirect, slug)
    mine = document.id if document is not None else None
    return (existing is not None and existing != mine) or (redirect is not None and redirect.document_id != mine)


# The building blocks below (add_document, add_draft, stamp_published, set_structure) check, write
# and flush but never commit, so that a caller composing several of them (the content import: one
# file, one transaction) can refuse the whole and store nothing; it ends with commit_visible_change.
# The public functions that wrap them are each one transaction.

def create_document(actor, **fields) -> Document:
    """A new document with its first draft (fields as for add_document)."""
    document = add_document(actor, **fields)
    db.session.commit()
    return document


def add_document(actor, *, slug: str, title: str, kind: str, department: Department,
                 parent: Document | None = None, position: int | None = None, body: str = "",
                 meta: dict | None = None) -> Document:
    """A new document with its first draft, in the caller's transaction."""
    _check_department(actor, department)
    title, kind = validate_title(title), validate_kind(kind)
    slug = new_document_slug(slug, title)
    if position is not None:
        validate_position(position)
    body, meta = normalize_body(body or default_body(kind)), normalize_meta(meta or {})
    _resolve_departments(meta["applies_to"])
    if position is None:
        position = (db.session.scalar(select(func.max(Document.position))
                                      .where(Document.parent_id == (parent.id if parent else None))) or 0) + 10
    document = Document(slug=slug, title=title, kind=kind, department=department, parent=parent,
                        position=position)
    db.session.add(document)
    db.session.flush()
    _new_revision(actor, document, title=title, body=body, meta=meta, based_on=None, note="Nytt dokument")
    audit.record(actor, "document.created", document, f"{KINDS[kind]} ”{title}” (/{slug}), "
                 f"ägare {department.name}")
    return document


def default_body(kind: str) -> str:
    if kind in CONTROLLED_KINDS:
        return ("Kort inledning: vad rutinen gäller och för vem.\n\n## Syfte\n\n## Vem gäller rutinen för\n\n"
                "## Gör så här\n\n1. \n\n## Vad händer sedan\n\n## Kontakter\n\n## Lagrum och källor\n\n"
                "## Checklista för införande\n\n- [ ] Rutinen är genomgången på APT\n")
    return "Kort inledning.\n"


def _lock(document: Document) -> None:
    """Re-read the document's row and hold it until commit, so concurrent saves of one document
    queue: the second sees the first's revision number and gets the conflict page, not a duplicate
    revision number (PostgreSQL: SELECT … FOR UPDATE; SQLite serialises writers by itself)."""
    db.session.scalar(select(Document).where(Document.id == document.id).with_for_update(of=Document)
                      .execution_options(populate_existing=True))


def _save_conflict(actor, document: Document, base_number: int, yours: dict) -> EditConflict:
    theirs = latest_revision(document)
    who = ("Du har själv sparat" if theirs.author_id is not None and theirs.author_id == getattr(actor, "id", None)
           else f"{theirs.author_name} har sparat")
    where = " (i en annan flik eller ett annat fönster)" if who.startswith("Du") else ""
    return EditConflict(
        f"{who} version {theirs.number}{where} medan du redigerade version {base_number}. Din text är inte "
        "sparad än: jämför och slå ihop nedan.", theirs=theirs, yours=yours)


def save_draft(actor, document: Document, *, base_number: int, title: str, body: str, meta: dict,
               note: str = "") -> Revision:
    """Save a new revision based on `base_number`; refuse with both texts if someone saved since."""
    revision = add_draft(actor, document, base_number=base_number, title=title, body=body, meta=meta, note=note)
    db.session.commit()
    return revision


def add_draft(actor, document: Document, *, base_number: int, title: str, body: str, meta: dict,
              note: str = "") -> Revision:
    """save_draft in the caller's transaction (an unchanged text returns the latest revision)."""
    authorize(actor, "document.edit", document)
    if document.is_archived:
        raise ValidationError("Dokumentet är arkiverat. Ta tillbaka det från arkivet först.")
    title, body, meta = validate_title(title), normalize_body(body), normalize_meta(meta)
    _resolve_departments(meta["applies_to"])
    _lock(document)
    yours = {"title": title, "body": body, "meta": meta}
    if base_number != document.latest_number:
        raise _save_conflict(actor, document, base_number, yours)
    latest = latest_revision(document)
    if latest is not None and (latest.title, latest.body, latest.meta) == (title, body, meta):
        return latest  # nothing changed: no empty revision
    try:
        revision = _new_revision(actor, document, title=title, body=body, meta=meta,
                                 based_on=base_number, note=note)
    except IntegrityError:  # a database without row locks let a concurrent save take the number
        db.session.rollback()
        raise _save_conflict(actor, document, base_number, yours) from None
    if not document.is_published:
        document.title = title
    audit.record(actor, "document.saved", document, f"Utkast version {revision.number}"
                 + (f": {note}" if note else ""))
    db.session.flush()
    return revision


UNITS_NAMED = 5  # units a scope-loss message names before "med flera"


def _and_list(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} och {names[-1]}"


@dataclass
class ScopeLoss:
    """Units that a publish takes the routine from while they have adoption work on it (ticked or
    commented items, confirmations): their department leaves "gäller för", or "gäller för
    enhetstyper" is narrowed so that their type is no longer chosen. Those units lose the routine from
    their lists, the dashboards, the exports and the API; the work stays stored, and shows again if
    the department or type is added back (progress follows the item's text)."""

    departments: list[Department]  # departments removed from "gäller för" that had such units
    units: list[Unit]
    kinds: list[str] = field(default_factory=list)  # unit types no longer chosen that had such units
    new_kinds: list[str] = field(default_factory=list)  # the types the new version chooses

    @property
    def department_ids(self) -> list[int]:
        return sorted(d.id for d in self.departments)

    @property
    def token(self) -> str:
        """What the editor's confirmation carries: these departments and types, no others."""
        return ",".join([*map(str, self.department_ids), *self.kinds])

    @property
    def department_names(self) -> str:
        return _and_list([d.name for d in self.departments]) if self.departments else ""

    @property
    def kind_names(self) -> str:
        return _and_list([label.lower() for label in unit_kind_labels(self.kinds)]) if self.kinds else ""

    @property
    def new_kind_names(self) -> str:
        return _and_list([label.lower() for label in unit_kind_labels(self.new_kinds)])

    @property
    def unit_count(self) -> str:
        return f"{len(self.units)} {'enhet' if len(self.units) == 1 else 'enheter'}"

    @property
    def _changes(self) -> str:
        parts = []
        if self.departments:
            parts.append(f"tar bort {self.department_names} ur ”Gäller för”")
        if self.kinds:
            parts.append(f"begränsar ”Gäller för enhetstyper” till {self.new_kind_names}")
        return " och ".join(parts)

    @property
    def message(self) -> str:
        named = ", ".join(u.name for u in self.units[:UNITS_NAMED]) + (" med flera" if len(self.units) > UNITS_NAMED
                                                                         else "")
        if not self.kinds:
            return (f"Publiceringen tar bort {self.department_names} ur ”Gäller för”. {self.unit_count} där "
                    f"({named}) har redan påbörjat eller bekräftat införandet och förlorar rutinen ur sina listor: "
                    "Min enhet, införandeöversikten, exporterna och API:t. Det de har gjort sparas och syns igen om "
                    "förvaltningen läggs till på nytt. Bekräfta borttagningen när du publicerar, eller låt "
                    "förvaltningen vara kvar under ”Gäller för”.")
        what = ("förvaltningen och enhetstypen" if self.departments else "enhetstypen")
        where = ("”Gäller för” och ”Gäller för enhetstyper”" if self.departments else "”Gäller för enhetstyper”")
        return (f"Publiceringen {self._changes}, så att enheter av typen {self.kind_names}"
                + (f" och enheterna i {self.department_names}" if self.departments else "")
                + f" inte längre ska införa rutinen. {self.unit_count} ({named}) har redan påbörjat eller bekräftat "
                "införandet och förlorar rutinen ur sina listor: Min enhet, införandeöversikten, exporterna och "
                f"API:t. Det de har gjort sparas och syns igen om {what} läggs till på nytt. Bekräfta borttagningen "
                f"när du publicerar, eller ändra {where}.")

    @property
    def form_error(self) -> str:
        """What the edit form says at its top, far from the confirmation by the publish button."""
        if not self.kinds:
            return ("Versionen är inte publicerad: bekräfta först att förvaltningarna ska tas bort ur ”Gäller för” "
                    "(vid knappen Publicera), eller markera dem igen.")
        what = ("förvaltningarna och enhetstyperna" if self.departments else "enhetstyperna")
        return (f"Versionen är inte publicerad: bekräfta först att {what} ska tas bort ur det rutinen gäller för "
                "(vid knappen Publicera), eller markera dem igen.")

    @property
    def confirm_label(self) -> str:
        return f"Ja, {self._changes.replace('tar bort', 'ta bort').replace('begränsar', 'begränsa')}: " \
               f"{self.unit_count} förlorar rutinen ur sina listor"


def scope_loss(document: Document, applies_to: list[str], unit_kinds=()) -> ScopeLoss | None:
    """What publishing a version whose "gäller för" is `applies_to` (department names) and whose
    "gäller för enhetstyper" is `unit_kinds` would take from units that have started adopting the
    published routine; None when nothing."""
    if not document.is_published or document.kind not in CONTROLLED_KINDS:
        return None
    # A name that means no department (publishing refuses it anyway) keeps none: no error while looking;
    # likewise an unknown type chooses none.
    kept = {d.id for d in map(org.department_by_name, applies_to or []) if d is not None}
    new_kinds = [k for k in UNIT_KINDS if k in set(unit_kinds or ())]
    in_scope_now = {d.id: d for d in document.applies_to}
    kinds_now = document.unit_kinds
    worked = or_(exists().where(Confirmation.adoption_id == Adoption.id),
                 exists().where(ItemProgress.adoption_id == Adoption.id,
                                or_(ItemProgress.done.is_(True), ItemProgress.comment != "")))
    candidates = db.session.scalars(
        select(Unit).join(Adoption, Adoption.unit_id == Unit.id)
        .where(Adoption.document_id == document.id, Unit.department_id.in_(list(in_scope_now)),
               Unit.active.is_(True), worked).order_by(Unit.name))
    units = [u for u in candidates if scope_includes(in_scope_now, kinds_now, u)
             and not scope_includes(kept, new_kinds, u)]
    if not units:
        return None
    departments = sorted({u.department_id for u in units if u.department_id not in kept})
    kinds = [k for k in UNIT_KINDS if k in {u.kind for u in units if u.department_id in kept}]
    return ScopeLoss([in_scope_now[i] for i in departments], units, kinds, new_kinds if kinds else [])


def revision_scope_loss(document: Document, revision: Revision) -> ScopeLoss | None:
    """What publishing `revision` (a draft) would take from units with adoption work."""
    meta = revision.meta or {}
    return scope_loss(document, meta.get("applies_to", []), meta.get("unit_kinds"))


def _check_scope_loss(document: Document, meta: dict, confirmed_removal) -> None:
    loss = scope_loss(document, meta.get("applies_to", []), meta.get("unit_kinds"))
    confirmed = {str(part) for part in confirmed_removal or ()}
    if loss is not None and not set(loss.token.split(",")) <= confirmed:
        raise ValidationError(loss.message, field="confirm_removal", loss=loss)


def publish(document: Document, revision: Revision, editor, note: str, substantial, *,
            confirmed_removal=()) -> Revision:
    """Publish the newest revision with a change note and a choice of minor or substantial change.

    A version that takes units with adoption work out of its scope (departments out of "gäller för",
    or their types out of "gäller för enhetstyper") is published only when `confirmed_removal` holds
    those departments' ids and those types' keys (ScopeLoss.token)."""
    revision = stamp_published(document, revision, editor, note, substantial, confirmed_removal=confirmed_removal)
    _commit_visible_change(document)
    return revision


def validate_change_note(note) -> str:
    if note is not None and not isinstance(note, str):
        raise ValidationError("Ändringsnoteringen ska vara text.", field="change_note")
    note = " ".join((note or "").split())
    if not note:
        raise ValidationError("Skriv en ändringsnotering: vad har ändrats och varför?", field="change_note")
    if len(note) > MAX_CHANGE_NOTE_CHARS or _has_control_chars(note):
        raise ValidationError(f"Ändringsnoteringen får vara högst {MAX_CHANGE_NOTE_CHARS} tecken vanlig text.",
                              field="change_note")
    return note


def stamp_published(document: Document, revision: Revision, editor, note: str, substantial, *,
                    confirmed_removal=()) -> Revision:
    """publish in the caller's transaction; the caller ends with commit_visible_change."""
    authorize(editor, "document.edit", document)
    if document.is_archived:
        raise ValidationError("Dokumentet är arkiverat och kan inte publiceras.")
    note = validate_change_note(note)
    if substantial not in (True, False):
        raise ValidationError("Välj om det är en språklig eller en väsentlig ändring.", field="substantial")
    if revision.document_id != document.id:
        raise NotFound("Versionen hör inte till dokumentet.")
    # Publishes of one draft queue on the document's row; the revision is then re-read, so a
    # publish that lost the race sees the winner's stamp instead of overwriting its note and kind.
    _lock(document)
    revision = db.session.scalar(select(Revision).where(Revision.id == revision.id)
                                 .execution_options(populate_existing=True))
    if revision.is_published:
        raise _already_published(revision)
    if revision.number != document.latest_number:
        raise EditConflict(f"Det finns en nyare version ({document.latest_number}) än den du försöker "
                           "publicera. Granska den först.", theirs=latest_revision(document))
    _check_scope_loss(document, revision.meta or {}, confirmed_removal)
    previous = document.current_revision
    # Stamped only while still unpublished: SQLite has no row locks, so the guard, not the lock,
    # is what keeps a concurrent publish from rewriting the stamp there.
    stamped = db.session.execute(
        update(Revision).where(Revision.id == revision.id, Revision.published_at.is_(None))
        .values(published_at=utcnow(), published_by_id=getattr(editor, "id", None), change_note=note,
                substantial=substantial))
    if stamped.rowcount != 1:
        db.session.rollback()
        raise _already_published(db.session.get(Revision, revision.id))
    document.current_revision = revision
    document.title = revision.title
    document.applies_to = _resolve_departments(revision.meta.get("applies_to", []))
    audit.record(editor, "document.published", document,
                 f"Version {previous.number if previous else '–'} → {revision.number} "
                 f"({revision.change_kind_label.lower()}): {note}")
    # Imported here: the adoption rules build on the handbook's models, not the other way round.
    from portal.adoption.services import carry_over_reworded_items
    carry_over_reworded_items(editor, document, previous, revision, substantial)
    db.session.flush()
    return revision


def _already_published(revision: Revision) -> EditConflict:
    by = f" av {revision.published_by.name or revision.published_by.email}" if revision.published_by else ""
    return EditConflict(
        f"Version {revision.number} har redan publicerats{by} med ändringsnoteringen ”{revision.change_note}” "
        f"({revision.change_kind_label.lower()}). Din publicering gjordes inte: en publicerad version ändras "
        "aldrig. Gör en ny version om något behöver rättas.", theirs=revision)


def save_and_publish(editor, document: Document, *, base_number: int, title: str, body: str,
                     meta: dict, note: str, substantial, confirmed_removal=()) -> Revision:
    """What an editor's "Publicera" does: save the text (if changed), then publish it.

    The same publication sent twice (a double click, a resent form) finds its text already published
    with its note and kind, and is answered with that version instead of a conflict."""
    # Validate the publication choice before saving, so a missing note does not leave a draft.
    note = validate_change_note(note)
    if substantial not in (True, False):
        raise ValidationError("Välj om det är en språklig eller en väsentlig ändring.", field="substantial")
    authorize(editor, "document.edit", document)
    _check_scope_loss(document, normalize_meta(meta), confirmed_removal)
    try:
        revision = save_draft(editor, document, base_number=base_number, title=title, body=body, meta=meta,
                              note="")
    except EditConflict as conflict:
        theirs = conflict.details["theirs"]
        yours = conflict.details.get("yours")
        if yours is not None and _is_this_publication(theirs, yours, note, substantial, editor):
            return theirs
        raise
    if revision.is_published:
        if _is_this_publication(revision, {"title": revision.title, "body": revision.body, "meta": revision.meta},
                                note, substantial, editor):
            return revision
        raise ValidationError(f"Inget är ändrat sedan version {revision.number}, som redan är publicerad: det "
                              "finns inget att publicera. Ändra texten, rubriken eller uppgifterna först.")
    return publish(document, revision, editor, note, substantial, confirmed_removal=confirmed_removal)


def _is_this_publication(revision: Revision, yours: dict, note: str, substantial: bool, editor) -> bool:
    return (revision.is_published and revision.published_by_id == getattr(editor, "id", None)
            and (revision.title, revision.body, revision.meta) == (yours["title"], yours["body"], yours["meta"])
            and revision.change_note == note and revision.substantial is substantial)


@dataclass
class ConflictMerge:
    """A proposal for the conflict page: title, text and metadata merged three ways."""

    title: str
    body: str
    meta: dict
    taken: list  # (label, before, after): changed only in the other version, taken into the proposal
    clashes: list  # (label, theirs, yours): changed in both, differently; the proposal holds yours
    body_taken: int = 0  # passages of the text changed only in the other version, taken in
    body_clashes: list = field(default_factory=list)  # (theirs, yours): passages both changed; yours proposed


def merge_conflict(base: Revision | None, theirs: Revision, yours: dict) -> ConflictMerge:
    """Merge what the editor wrote (`yours`, started from `base`) with the newer version `theirs`.

    A field only the other version changed takes their value, one only you changed keeps yours; where
    both changed it differently yours is proposed and both are shown. The text is merged line by line
    the same way (portal/handbook/merge.py): passages only they changed are taken in, passages both
    changed keep yours and are listed with their text."""
    taken, clashes = [], []

    def pick(label, before, their_value, your_value, show=lambda v: v):
        before, their_value, your_value = (_or_none(v) for v in (before, their_value, your_value))
        if base is None or their_value in (your_value, before):
            return your_value
        if your_value == before:
            taken.append((label, _meta_text(show(before)), _meta_text(show(their_value))))
            return their_value
        clashes.append((label, _meta_text(show(their_value)), _meta_text(show(your_value))))
        return your_value

    base_meta, their_meta, your_meta = (base.meta if base else None) or {}, theirs.meta or {}, yours.get("meta") or {}
    title = pick("Rubrik", base.title if base else None, theirs.title, yours["title"])
    meta = dict(your_meta)
    for key in META_KEYS:
        value = pick(FIELD_LABELS[key], base_meta.get(key), their_meta.get(key), your_meta.get(key),
                     unit_kind_labels if key == "unit_kinds" else (lambda v: v))
        if key in META_OPTIONAL_FIELDS:
            meta.pop(key, None)
            if value:
                meta[key] = value
            continue
        meta[key] = ([] if key in META_LIST_FIELDS else None) if value is None else value
    text = merge_text(base.body if base is not None else None, theirs.body, yours["body"])
    return ConflictMerge(title, text.body, meta, taken, clashes, text.taken, text.clashes)


def _or_none(value):
    return None if value in (None, "", []) else value


def restore(actor, document: Document, number: int, *, over_draft: int | None = None) -> Revision:
    """An old version becomes a new draft on top of history; nothing is rewritten.

    When the newest version is an unpublished draft, the restored version would take its place as the
    editors' working copy: that is done only when the caller names that draft (`over_draft`, its number,
    after showing it to the editor); otherwise an EditConflict names it (details: draft)."""
    authorize(actor, "document.edit", document)
    if document.is_archived:
        raise ValidationError("Dokumentet är arkiverat. Ta tillbaka det från arkivet först.")
    old = get_revision(actor, document, number)
    _lock(document)
    if number == document.latest_number:
        raise ValidationError(f"Version {number} är redan den senaste.")
    draft = pending_draft(document)
    if draft is not None and draft.number != over_draft:
        mine = draft.author_id is not None and draft.author_id == getattr(actor, "id", None)
        raise EditConflict(
            f"Version {draft.number} är ett opublicerat utkast, sparat {clock.local_text(draft.created_at)} "
            f"av {'dig' if mine else draft.author_name}. Återställer du version {number} blir den det senaste "
            f"utkastet i stället; version {draft.number} finns kvar i historiken och kan återställas igen.",
            draft=draft)
    revision = _new_revision(actor, document, title=old.title, body=old.body, meta=dict(old.meta),
                             based_on=document.latest_number, note=f"Återställd från version {number}")
    audit.record(actor, "document.restored", document, f"Version {number} → nytt utkast {revision.number}")
    db.session.commit()
    return revision


def update_structure(actor, document: Document, *, parent: Document | None, position: int,
                     kind: str, department: Department) -> None:
    set_structure(actor, document, parent=parent, position=position, kind=kind, department=department)
    _commit_visible_change(document)


def validate_position(position) -> int:
    # The column is a 32-bit integer on PostgreSQL; the range leaves room for any real ordering.
    if isinstance(position, bool) or not isinstance(position, int) \
            or not MIN_POSITION <= position <= MAX_POSITION:
        raise ValidationError("Ordningen ska vara ett heltal.", field="position")
    return position


def set_structure(actor, document: Document, *, parent: Document | None, position: int,
                  kind: str, department: Department) -> None:
    """update_structure in the caller's transaction; the caller ends with commit_visible_change."""
    authorize(actor, "document.edit", document)
    if department.id != document.department_id:
        authorize(actor, "document.create", department)
    kind = validate_kind(kind)
    _check_parent(document, parent)
    if parent is not None and parent.id != document.parent_id and document.is_published \
            and not parent.is_published:
        # Readers would get the draft's title in the breadcrumb, linking to a page that is not there,
        # and the tree would move the document to the top until the parent is published.
        raise ValidationError(f"”{parent.title}” är inte publicerat än, och ett publicerat dokument kan inte "
                              "ligga under ett opublicerat: läsarna skulle få en länk till en sida som inte finns. "
                              f"Publicera ”{parent.title}” först, eller välj en annan placering.", field="parent")
    validate_position(position)
    before = _structure_summary(document)
    document.parent, document.position, document.kind, document.department = parent, position, kind, department
    after = _structure_summary(document)
    if before != after:
        audit.record(actor, "document.moved", document, f"{before} → {after}")
    db.session.flush()


def _structure_summary(document: Document) -> str:
    return (f"under {document.parent.slug if document.parent else 'toppnivå'}, plats {document.position}, "
            f"{KINDS[document.kind].lower()}, {document.department.name}")


def rename_slug(actor, document: Document, new_slug: str) -> None:
    authorize(actor, "document.edit", document)
    new_slug = validate_slug(new_slug, document)
    if new_slug == document.slug:
        return
    if slug_taken(new_slug, document):
        raise _slug_error(f"Adressen ”{new_slug}” används redan.", free_slug(new_slug, document))
    old_slug = document.slug
    own_redirect = db.session.get(SlugRedirect, new_slug)
    if own_redirect is not None:  # moving back to an earlier address of the same document
        db.session.delete(own_redirect)
    db.session.add(SlugRedirect(old_slug=old_slug, document_id=document.id))
    document.slug = new_slug
    audit.record(actor, "document.renamed", document, f"/handbok/{old_slug} → /handbok/{new_slug}")
    _commit_visible_change(document)


def set_archived(actor, document: Document, archived: bool) -> None:
    """Archive (never delete): the document leaves the tree and search, its history stays."""
    authorize(actor, "document.edit", document)
    if archived == document.is_archived:
        return
    children = [child for child in document.children if child.archived_at is None]
    if archived and children:
        # Named, with what a draft-only child is: it is not in the tree, so the editor could not find it.
        named = _and_list([f"”{child.title}” (/handbok/{child.slug}"
                           + (", bara ett utkast" if not child.is_published else "") + ")"
                           for child in sorted(children, key=lambda c: (c.position, c.title))])
        raise ValidationError(f"Dokumentet har {'ett underdokument' if len(children) == 1 else 'underdokument'}: "
                              f"{named}. Flytta eller arkivera {'det' if len(children) == 1 else 'dem'} först.")
    document.archived_at = utcnow() if archived else None
    audit.record(actor, "document.archived" if archived else "document.unarchived", document,
                 "aktivt → arkiverat" if archived else "arkiverat → aktivt")
    _commit_visible_change(document)


# --- Comparison ---------------------------------------------------------------------------------

@dataclass
class Comparison:
    old: Revision
    new: Revision
    body: list | None  # the Markdown's word diff (diff.Segment), or None when `blocks` is shown
    title_changed: bool
    meta_changes: list[tuple[str, str, str]]
    blocks: list | None = None  # the rendered comparison (rendered_diff.BlockChange)

    @property
    def has_changes(self) -> bool:
        return self.title_changed or bool(self.meta_changes) or self.text_changed

    @property
    def text_changed(self) -> bool:
        if self.body is None:
            return rendered_diff.has_changes(self.blocks or [])
        return diffing.has_changes(self.body)


def compare(user, document: Document, old_number: int, new_number: int, *, source: bool = False) -> Comparison:
    """Two versions as the user reads them (rendered, their notes to the editors only for those who
    may see them), or with source=True the word diff of their Markdown, for those who may read it."""
    old = get_revision(user, document, old_number)
    new = get_revision(user, document, new_number)
    if source:
        authorize(user, "document.read_source", document)
        return compare_revisions(old, new)
    return compare_rendered(old, new, editor=can(user, "document.read_source", document))


def _meta_changes(old: Revision, new: Revision) -> list[tuple[str, str, str]]:
    meta_changes = []
    for key in META_KEYS:
        before, after = (old.meta or {}).get(key), (new.meta or {}).get(key)
        if key in META_OPTIONAL_FIELDS:  # absent and empty are the same choice: every type
            before, after = unit_kind_labels(before) or None, unit_kind_labels(after) or None
        if before != after:
            meta_changes.append((FIELD_LABELS[key], _meta_text(before), _meta_text(after)))
    return meta_changes


def compare_revisions(old: Revision, new: Revision) -> Comparison:
    """The word diff of the Markdown source (the compare page's source view and the draft page, both
    for editors)."""
    return Comparison(old, new, diffing.word_diff(old.body, new.body), old.title != new.title,
                      _meta_changes(old, new))


def compare_rendered(old: Revision, new: Revision, *, editor: bool = False) -> Comparison:
    return Comparison(old, new, None, old.title != new.title, _meta_changes(old, new),
                      rendered_diff.compare_texts(old.body, new.body, editor=editor))


def _meta_text(value) -> str:
    if value in (None, [], ""):
        return "–"
    return ", ".join(value) if isinstance(value, list) else str(value)
