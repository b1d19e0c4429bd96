"""The shipped handbook as files: Markdown with YAML front matter <-> published revisions.

Import is idempotent: an unchanged file makes no revision, a changed file exactly one. A file with
malformed front matter is refused with its name and the reason, and nothing from it is stored:
every value is checked for type and range when the file is read, and each file is then imported
in one transaction, so a refusal later on (an editor's draft in the way, say) rolls back all of it,
the departments it named included.
A changed file that would take a routine from units that have started adopting it ("gäller för" or
"gäller för enhetstyper" narrowed; handbook.scope_loss) is refused, like the same publish in the
edit form without its confirmation, unless the import names the document in `confirm_narrowing`
(`flask innehall import --confirm-narrowing SLUG`).
Export writes the published versions back in the same format, so export then import changes nothing.
"""
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml
from sqlalchemy import select
from sqlalchemy.exc import DataError, IntegrityError

from portal.errors import DomainError, ValidationError
from portal.extensions import db
from portal.handbook import services as handbook
from portal.handbook.models import Document
from portal.org import services as org
from portal.org.models import Department

FRONT_MATTER_KEYS = ("slug", "title", "kind", "parent", "order", "department", "applies_to", "unit_kinds",
                     "decided_by", "decided_on", "review_by", "owner", "legal_refs", "tags")
# Written by export only when set (a file without it means every type of unit).
OPTIONAL_FRONT_MATTER_KEYS = ("unit_kinds",)
# Accepted on import only: how to publish a changed file. Not part of the content, not exported.
PUBLISH_KEYS = ("change_note", "substantial")
REQUIRED_KEYS = ("slug", "title", "kind", "department")


class ContentError(Exception):
    def __init__(self, filename: str, reason: str):
        super().__init__(f"{filename}: {reason}")
        self.filename, self.reason = filename, reason


@dataclass
class ContentFile:
    filename: str
    slug: str
    title: str
    kind: str
    parent: str | None
    order: int
    department: str
    meta: dict
    body: str
    change_note: str | None = None
    substantial: bool = False


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)
    departments_created: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.refused


def parse_file(filename: str, text: str) -> ContentFile:
    """Validate one file completely before anything is stored."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n")
    if not text.startswith("---\n"):
        raise ContentError(filename, "filen måste börja med front matter: en rad med --- först.")
    end = text.find("\n---\n", 3)
    if end == -1 and text.rstrip().endswith("\n---"):
        end = len(text.rstrip()) - 4
    if end == -1:
        raise ContentError(filename, "front matter avslutas inte med en rad med ---.")
    try:
        data = yaml.safe_load(text[4:end + 1])
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (rad {mark.line + 2})" if mark else ""
        raise ContentError(filename, f"front matter är inte giltig YAML{where}: "
                                     f"{getattr(error, 'problem', None) or error}.")
    except (ValueError, TypeError, RecursionError) as error:  # e.g. a date like 2026-13-45
        raise ContentError(filename, f"front matter är inte giltig YAML: ett värde kan inte läsas ({error}).")
    if not isinstance(data, dict):
        raise ContentError(filename, "front matter ska vara nyckel: värde-par.")
    unknown = sorted(set(map(str, data)) - set(FRONT_MATTER_KEYS) - set(PUBLISH_KEYS))
    if unknown:
        raise ContentError(filename, f"okända nycklar i front matter: {', '.join(unknown)}. "
                                     f"Tillåtna: {', '.join(FRONT_MATTER_KEYS)}.")
    missing = [key for key in REQUIRED_KEYS if data.get(key) in (None, "")]
    if missing:
        raise ContentError(filename, f"saknar {', '.join(missing)} i front matter.")
    for key in ("slug", "title", "kind", "department"):
        if not isinstance(data[key], str):
            raise ContentError(filename, f"{key} ska vara text.")
    department = " ".join(data["department"].split())
    if len(department) > 200 or handbook.has_control_chars(department):
        raise ContentError(filename, "department får vara högst 200 tecken vanlig text.")
    parent = data.get("parent")
    if parent is not None:
        if not isinstance(parent, str):
            raise ContentError(filename, "parent ska vara ett dokuments adress (slug) eller null.")
        try:
            parent = handbook.validate_slug(parent)
        except ValidationError as error:
            raise ContentError(filename, f"parent: {error.message}")
    order = data.get("order", 0)
    if isinstance(order, bool) or not isinstance(order, int):
        raise ContentError(filename, "order ska vara ett heltal.")
    if not handbook.MIN_POSITION <= order <= handbook.MAX_POSITION:
        raise ContentError(filename, f"order ska vara ett heltal mellan {handbook.MIN_POSITION} "
                                     f"och {handbook.MAX_POSITION}.")
    if not isinstance(data.get("substantial", False), bool):
        raise ContentError(filename, "substantial ska vara true eller false.")
    change_note = data.get("change_note")
    if change_note is not None:
        if not isinstance(change_note, str):
            raise ContentError(filename, "change_note ska vara text (ändringsnoteringen vid publicering).")
        change_note = " ".join(change_note.split()) or None
        if change_note and (len(change_note) > handbook.MAX_CHANGE_NOTE_CHARS
                            or handbook.has_control_chars(change_note)):
            raise ContentError(filename, f"change_note får vara högst {handbook.MAX_CHANGE_NOTE_CHARS} "
                                         "tecken vanlig text.")
    try:
        slug = handbook.validate_slug(data["slug"])
        title = handbook.validate_title(data["title"])
        kind = handbook.validate_kind(data["kind"])
        meta = handbook.normalize_meta({key: data.get(key) for key in handbook.META_KEYS})
        body = handbook.normalize_body(text[end + 5:])
    except ValidationError as error:
        raise ContentError(filename, error.message)
    if Path(filename).stem != slug:
        raise ContentError(filename, f"filnamnet ska vara {slug}.md så att filen och adressen hör ihop.")
    if parent == slug:
        raise ContentError(filename, "ett dokument kan inte ligga under sig självt.")
    return ContentFile(filename=filename, slug=slug, title=title, kind=kind, parent=parent, order=order,
                       department=department, meta=meta, body=body, change_note=change_note,
                       substantial=data.get("substantial", False))


def read_directory(directory: Path) -> tuple[list[ContentFile], list[tuple[str, str]]]:
    files, refused = [], []
    for path in sorted(directory.glob("*.md")):
        try:
            files.append(parse_file(path.name, path.read_text(encoding="utf-8")))
        except UnicodeDecodeError:
            refused.append((path.name, "filen är inte UTF-8."))
        except ContentError as error:
            refused.append((error.filename, error.reason))
    return files, refused


def import_directory(actor, directory: Path, confirm_narrowing=()) -> ImportReport:
    """Import every file; `confirm_narrowing`: slugs whose narrowing of scope the operator has agreed to."""
    confirm_narrowing = set(confirm_narrowing)
    files, refused = read_directory(directory)
    report = ImportReport(refused=list(refused))
    refused_slugs = set()
    seen: dict[str, str] = {}
    for item in list(files):
        if item.slug in seen:
            report.refused.append((item.filename, f"samma adress ({item.slug}) som {seen[item.slug]}."))
            files.remove(item)
        seen[item.slug] = item.filename
    for item in _parents_first(files, report):
        if item.parent and item.parent in refused_slugs:
            report.refused.append((item.filename, f"överordnat dokument {item.parent} kunde inte importeras."))
            refused_slugs.add(item.slug)
            continue
        try:
            _import_one(actor, item, report, item.slug in confirm_narrowing)
        except (ContentError, DomainError) as error:  # DomainError: ValidationError, EditConflict …
            db.session.rollback()
            report.refused.append((item.filename, getattr(error, "reason", None) or error.message))
            refused_slugs.add(item.slug)
        except (DataError, IntegrityError):
            # Not expected after the checks above; still the file's refusal, not a traceback.
            db.session.rollback()
            report.refused.append((item.filename, "databasen kunde inte spara filen (ett värde passar inte, "
                                                  "eller en samtidig ändring krockade). Inget från filen är "
                                                  "sparat; försök igen."))
            refused_slugs.add(item.slug)
    return report


def _parents_first(files: list[ContentFile], report: ImportReport) -> list[ContentFile]:
    by_slug = {f.slug: f for f in files}
    ordered, placed, visiting = [], set(), set()

    def place(item: ContentFile):
        if item.slug in placed:
            return
        if item.slug in visiting:
            raise ContentError(item.filename, "dokumenten ligger under varandra i en ring (parent).")
        visiting.add(item.slug)
        if item.parent in by_slug:
            place(by_slug[item.parent])
        visiting.discard(item.slug)
        placed.add(item.slug)
        ordered.append(item)

    for item in files:
        try:
            place(item)
        except ContentError as error:
            report.refused.append((error.filename, error.reason))
            placed.add(item.slug)
    return ordered


def _department(actor, name: str, created: list[str]) -> Department:
    department = org.find_department(name)
    if department is None:
        department = org.add_department(actor, name)
        created.append(name)
    return department


def _import_one(actor, item: ContentFile, report: ImportReport, narrowing_confirmed: bool) -> None:
    """One file in one transaction: the report hears of it only once it is committed."""
    departments_created: list[str] = []
    outcome, document = _write_one(actor, item, departments_created, narrowing_confirmed)
    if outcome == "unchanged":
        db.session.commit()  # departments named by an unchanged file may still be new
    else:
        handbook.commit_visible_change(document)
    report.departments_created.extend(departments_created)
    getattr(report, outcome).append(item.slug)


def _write_one(actor, item: ContentFile, departments_created: list[str],
               narrowing_confirmed: bool = False) -> tuple[str, Document]:
    parent = None
    if item.parent:
        parent = db.session.scalar(select(Document).where(Document.slug == item.parent))
        if parent is None:
            raise ContentError(item.filename, f"överordnat dokument ”{item.parent}” finns inte.")
    for name in item.meta["applies_to"]:
        _department(actor, name, departments_created)
    department = _department(actor, item.department, departments_created)
    # A file may still use a department's former name (see portal/org/services.py): it means the
    # renamed department, so it is stored, and compared, as the current name.
    names = org.department_names()
    meta = _with_current_names(item.meta, names)
    document = db.session.scalar(select(Document).where(Document.slug == item.slug))
    # Readers see the note (history, the start page's latest changes), so it names no file; an
    # update's draft comment does ("Import av …").
    created_note = item.change_note or "Första versionen i portalen"
    if document is None:
        document = handbook.add_document(
            actor, slug=item.slug, title=item.title, kind=item.kind, department=department, parent=parent,
            position=item.order, body=item.body, meta=meta)
        handbook.stamp_published(document, handbook.latest_revision(document), actor, created_note,
                                 item.substantial)
        return "created", document
    if document.is_archived:
        raise ContentError(item.filename, "dokumentet är arkiverat i portalen; ta tillbaka det där först.")
    changed = False
    if (document.parent_id, document.position, document.kind, document.department_id) != \
            (parent.id if parent else None, item.order, item.kind, department.id):
        handbook.set_structure(actor, document, parent=parent, position=item.order, kind=item.kind,
                               department=department)
        changed = True
    current = document.current_revision
    if current is None or (current.title, current.body, _with_current_names(current.meta, names)) \
            != (item.title, item.body, meta):
        if handbook.pending_draft(document) is not None:
            raise ContentError(item.filename, "dokumentet har ett opublicerat utkast i portalen. Publicera "
                                              "eller ersätt utkastet där först, så att inget arbete går förlorat.")
        revision = handbook.add_draft(actor, document, base_number=document.latest_number, title=item.title,
                                      body=item.body, meta=meta, note=f"Import av {item.filename}")
        loss = handbook.revision_scope_loss(document, revision)
        if loss is not None and not narrowing_confirmed:
            raise ContentError(item.filename, f"{loss.message} Vid import: kör om med "
                                              f"--confirm-narrowing {item.slug} för att bekräfta.")
        handbook.stamp_published(document, revision, actor,
                                 item.change_note or "Uppdaterad från handbokens grundtext", item.substantial,
                                 confirmed_removal=loss.token.split(",") if loss else ())
        changed = True
    return ("updated" if changed else "unchanged"), document


def _with_current_names(meta: dict, names: dict[str, str]) -> dict:
    return {**meta, "applies_to": org.current_department_names(meta.get("applies_to") or [], names)}


# --- Export -------------------------------------------------------------------------------------

def to_file_text(document: Document, names: dict[str, str] | None = None) -> str:
    """The file of the document's published version; departments by their current names."""
    revision = document.current_revision
    meta = revision.meta
    front = {
        "slug": document.slug, "title": revision.title, "kind": document.kind,
        "parent": document.parent.slug if document.parent else None, "order": document.position,
        "department": document.department.name,
        "applies_to": org.current_department_names(meta.get("applies_to", []), names),
        # Only when chosen: a file without it (every shipped file before the field) means every type.
        **({"unit_kinds": list(meta["unit_kinds"])} if meta.get("unit_kinds") else {}),
        "decided_by": meta.get("decided_by"), "decided_on": _as_date(meta.get("decided_on")),
        "review_by": _as_date(meta.get("review_by")), "owner": meta.get("owner"),
        "legal_refs": meta.get("legal_refs", []), "tags": meta.get("tags", []),
    }
    dumped = yaml.safe_dump(front, allow_unicode=True, sort_keys=False, default_flow_style=False, width=100)
    return f"---\n{dumped}---\n\n{revision.body}"


def _as_date(value):
    return date.fromisoformat(value) if value else None


def export_directory(directory: Path) -> list[str]:
    directory.mkdir(parents=True, exist_ok=True)
    written, names = [], org.department_names()
    for document in handbook.list_documents(include_archived=False):
        if document.current_revision is None:
            continue
        (directory / f"{document.slug}.md").write_text(to_file_text(document, names), encoding="utf-8")
        written.append(document.slug)
    return written
