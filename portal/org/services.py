"""Rules for departments and units, including the CSV import of an organisation.

Renaming a department: documents name departments (the owner, and "gäller för" in the metadata of
immutable revisions; the front matter of innehall/ files kept in git), while the links that matter
(document owner, which units must adopt a routine, editors' scopes) are by id and do not change.
So a rename keeps the old name as a former name, and every lookup by name (`department_by_name`,
`find_department`) also finds the department by its former names: old versions, drafts saved
before the rename, old innehall/ files and the CLI keep working, and no import recreates the old
name as a new department. What the portal writes from now on (export, the edit form) uses the
current name (`current_department_names`). The short code (`Department.code`) never changes.
"""
import csv
import io
import re
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import SimpleNamespace

from sqlalchemy import exists, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from portal import audit
from portal.errors import NotFound, ValidationError
from portal.extensions import db
from portal.handbook.models import Document, DocumentChange, scope_includes
from portal.org.models import UNIT_KINDS, Department, DepartmentFormerName, Unit, UnitActivation


def slugify(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:60]


def list_departments() -> list[Department]:
    return list(db.session.scalars(
        select(Department).options(selectinload(Department.units)).order_by(Department.name)))


def list_units() -> list[Unit]:
    return list(db.session.scalars(
        select(Unit).join(Unit.department).options(selectinload(Unit.department))
        .order_by(Department.name, Unit.name)))


def get_department(department_id: int) -> Department:
    department = db.session.get(Department, department_id)
    if department is None:
        raise NotFound("Förvaltningen finns inte.")
    return department


def get_unit(unit_id: int) -> Unit:
    unit = db.session.get(Unit, unit_id)
    if unit is None:
        raise NotFound("Enheten finns inte.")
    return unit


def find_department(name_or_code: str) -> Department | None:
    """The department with this name or code, or that had this name before a rename."""
    value = (name_or_code or "").strip()
    return db.session.scalar(select(Department).where(
        (Department.name == value) | (Department.code == value))) or _by_former_name(value)


def department_by_name(name: str) -> Department | None:
    """The department with this name now, or that had it before a rename (no codes: for names
    written in documents)."""
    value = (name or "").strip()
    return db.session.scalar(select(Department).where(Department.name == value)) or _by_former_name(value)


def _by_former_name(name: str) -> Department | None:
    return db.session.scalar(select(Department).join(Department.former_names)
                             .where(DepartmentFormerName.name == name))


def department_names() -> dict[str, str]:
    """Every name a department has or had -> its current name (two queries, for many lookups)."""
    names = {former: current for former, current in db.session.execute(
        select(DepartmentFormerName.name, Department.name).join(DepartmentFormerName.department))}
    names.update({name: name for name in db.session.scalars(select(Department.name))})
    return names


def current_department_names(names: list[str], known: dict[str, str] | None = None) -> list[str]:
    """The names as the departments are called now: a former name becomes the current one (order
    kept, duplicates dropped); a name no department has or had stays as it is."""
    known = department_names() if known is None else known
    result = []
    for name in names:
        current = known.get(name, name)
        if current not in result:
            result.append(current)
    return result


def _clean_name(name: str, what: str, field_name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError(f"Ange ett namn på {what}.", field=field_name)
    if len(name) > 200:
        raise ValidationError(f"Namnet på {what} får vara högst 200 tecken.", field=field_name)
    if any(unicodedata.category(c) == "Cc" for c in name):
        raise ValidationError("Namnet innehåller otillåtna tecken.", field=field_name)
    return name


def comparable_name(name: str) -> str:
    """What makes two department names the same name to people: the letters and digits, whatever
    their case, accents, punctuation and spacing ("Kultur och fritidsforvaltningen" is
    "Kultur- och fritidsförvaltningen", "Bildningsförvaltningen." and "Bildnings förvaltningen" are
    "Bildningsförvaltningen"). Creating, renaming and former names all compare so. A name with no
    letters or digits is compared as typed, but for case and spacing."""
    folded = unicodedata.normalize("NFKD", " ".join((name or "").split()).casefold())
    letters = re.sub(r"[\W_]+", "", "".join(c for c in folded if not unicodedata.combining(c)))
    return letters or " ".join((name or "").split()).casefold()


def _refuse_former_name(name: str, department: Department | None = None) -> None:
    key = comparable_name(name)
    former = next((f for f in db.session.scalars(select(DepartmentFormerName)
                                                 .options(selectinload(DepartmentFormerName.department)))
                   if f.department is not department and comparable_name(f.name) == key), None)
    if former is None:
        return
    other = former.department
    same = f"”{name}” är ett tidigare namn" if former.name == name else \
        f"”{name}” är samma namn som ”{former.name}”, ett tidigare namn"
    raise ValidationError(f"{same} på {other.name}. Dokument och filer som nämner det namnet hör till "
                          f"{other.name}, så välj ett annat namn.", field="name")


def _department_named_like(name: str, other_than: Department | None = None) -> Department | None:
    """Another department whose name is this one to people (comparable_name)."""
    key = comparable_name(name)
    return next((d for d in db.session.scalars(select(Department))
                 if d is not other_than and comparable_name(d.name) == key), None)


def _refuse_taken_name(taken: Department) -> None:
    raise ValidationError(f"Det finns redan en förvaltning som heter ”{taken.name}”.", field="name")


def _unit_named_like(department: Department, name: str, other_than: Unit | None = None) -> Unit | None:
    """A unit of the department whose name is this one but for case, as departments compare."""
    return next((u for u in department.units if u is not other_than and u.name.casefold() == name.casefold()),
                None)


def _refuse_taken_unit_name(department: Department, name: str, other_than: Unit | None = None) -> None:
    taken = _unit_named_like(department, name, other_than)
    if taken is not None:
        raise ValidationError(f"Det finns redan en enhet som heter ”{taken.name}” i {department.name}.",
                              field="name")


def _add_department(actor, name: str) -> Department:
    name = _clean_name(name, "förvaltningen", "name")
    _refuse_former_name(name)
    code = slugify(name) or "forvaltning"
    # A name that differs only in case, accents or punctuation ("socialforvaltningen") is the same
    # department to people; the code, made from the name, may also be that of a renamed department.
    taken = _department_named_like(name) or db.session.scalar(select(Department).where(Department.code == code))
    if taken is not None:
        _refuse_taken_name(taken)
    department = Department(name=name, code=code)
    db.session.add(department)
    db.session.flush()
    audit.record(actor, "department.created", department, f"Förvaltning {name}")
    return department


def _add_unit(actor, department: Department, name: str, kind: str) -> Unit:
    name = _clean_name(name, "enheten", "name")
    if kind not in UNIT_KINDS:
        raise ValidationError(f"Okänd enhetstyp ”{kind}”. Välj en av: {', '.join(UNIT_KINDS)}.",
                              field="kind")
    _refuse_taken_unit_name(department, name)
    unit = Unit(department=department, name=name, kind=kind)
    db.session.add(unit)
    db.session.flush()
    audit.record(actor, "unit.created", unit, f"Enhet {name} ({UNIT_KINDS[kind]}) i {department.name}",
                 target_label=unit.name_with_department)
    return unit


def add_department(actor, name: str) -> Department:
    """create_department in the caller's transaction (flushes, never commits): the content import."""
    return _add_department(actor, name)


def create_department(actor, name: str) -> Department:
    with _name_taken_meanwhile("förvaltning", name):
        department = _add_department(actor, name)
        db.session.commit()
    return department


@contextmanager
def _name_taken_meanwhile(what: str, name: str):
    """The database's unique name keys (portal/org/models.py name_key) refuse what another admin saved
    between our check and our commit: say so instead of failing."""
    try:
        yield
    except IntegrityError:
        db.session.rollback()
        name = " ".join((name or "").split())
        raise ValidationError(f"Namnet ”{name}” har just tagits av en annan {what}. Välj ett annat namn.",
                              field="name") from None


def rename_department(actor, department: Department, name: str) -> bool:
    """Give a department a new name; its old name stays a former name (see the module docstring).
    False when the name is the current one (nothing changes). Refused, as creating is, when another
    department has, or had, the same name to people (comparable_name)."""
    name = _clean_name(name, "förvaltningen", "name")
    old = department.name
    if name == old:
        return False
    _refuse_former_name(name, department)
    taken = _department_named_like(name, other_than=department)
    if taken is not None:
        _refuse_taken_name(taken)
    # The search index stores each document's owner by name: let every index catch up.
    owned = list(db.session.scalars(select(Document.id).where(Document.department_id == department.id)))
    with _name_taken_meanwhile("förvaltning", name):
        for former in list(department.former_names):
            if former.name == name:  # renamed back: the name is current again
                department.former_names.remove(former)
        department.former_names.append(DepartmentFormerName(name=old))
        department.name = name
        db.session.add_all(DocumentChange(document_id=document_id) for document_id in owned)
        from portal.handbook.services import mark_visible_change  # handbook's services import this module

        mark_visible_change()  # pages show the owner and "gäller för" by name
        audit.record(actor, "department.updated", department, f"Namn: {old} → {name}")
        db.session.commit()
    if owned:
        from portal.handbook.services import document_changed  # handbook's services import these

        document_changed.send(owned[0])
    return True


def create_unit(actor, department: Department, name: str, kind: str) -> Unit:
    with _name_taken_meanwhile("enhet", name):
        unit = _add_unit(actor, department, name, kind)
        db.session.commit()
    return unit


# How many routines a refusal names before "med flera".
ROUTINES_NAMED = 5


@dataclass
class RoutineLoss:
    """Routines that a change of a unit's type, or making it inactive, takes from the unit while it
    has adoption work on them (ticked or commented items, confirmations): they leave its Min enhet,
    the follow-up pages, the exports and the API. The work stays stored and shows again if the change
    is undone. The admin's counterpart of the editors' ScopeLoss (portal/handbook/services.py)."""

    unit: Unit
    documents: list[Document]
    new_kind: str
    deactivating: bool

    @property
    def token(self) -> str:
        """What the admin's confirmation carries: these routines, no others."""
        return ",".join(str(i) for i in sorted(d.id for d in self.documents))

    @property
    def _routines(self) -> str:
        titles = [f"”{d.title}”" for d in self.documents[:ROUTINES_NAMED]]
        more = len(self.documents) - len(titles)
        named = _and_list(titles) if not more else ", ".join(titles) + f" och {more} till"
        return ("rutinen " if len(self.documents) == 1 else f"{len(self.documents)} rutiner: ") + named

    @property
    def message(self) -> str:
        one = len(self.documents) == 1
        they, them = ("den", "den") if one else ("de", "dem")
        if self.deactivating:
            change, undo = f"Blir enheten inaktiv försvinner {they}", "om enheten aktiveras igen"
        else:
            change = (f"Som {UNIT_KINDS[self.new_kind].lower()} ska enheten inte längre införa {them}: "
                      f"{they} försvinner")
            undo = f"om enheten får tillbaka typen {self.unit.kind_label.lower()}"
        return (f"{self.unit.name} har redan påbörjat eller bekräftat införandet av {self._routines}. {change} "
                f"ur enhetens Min enhet, införandeöversikten, exporterna och API:t. Det enheten har gjort sparas "
                f"och syns igen {undo}. Bekräfta ändringen, eller låt enheten vara som den är.")

    @property
    def confirm_label(self) -> str:
        what = "rutinen" if len(self.documents) == 1 else f"de {len(self.documents)} rutinerna"
        return f"Spara ändå: {what} försvinner ur enhetens listor (det som är gjort sparas)."


def _and_list(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} och {names[-1]}"


def routine_loss(unit: Unit, *, kind: str, active: bool) -> RoutineLoss | None:
    """What giving the unit this type and activity would take from it (see RoutineLoss); None when
    nothing: no change of either, an inactive unit (it has no routines now), or no work."""
    if not unit.active or (kind, active) == (unit.kind, unit.active):
        return None
    from portal.adoption import services as adoption  # adoption's services import this module
    from portal.adoption.models import Adoption, Confirmation, ItemProgress

    worked = or_(exists().where(Confirmation.adoption_id == Adoption.id),
                 exists().where(ItemProgress.adoption_id == Adoption.id,
                                or_(ItemProgress.done.is_(True), ItemProgress.comment != "")))
    started = set(db.session.scalars(select(Adoption.document_id).where(Adoption.unit_id == unit.id, worked)))
    if not started:
        return None
    after = SimpleNamespace(department_id=unit.department_id, kind=kind)
    lost = [d for d in adoption.routine_documents() if d.id in started and adoption.applies(d, unit)
            and not (active and scope_includes([x.id for x in d.applies_to], d.unit_kinds, after))]
    return RoutineLoss(unit, lost, kind, deactivating=not active) if lost else None


def update_unit(actor, unit: Unit, *, name: str, kind: str, active: bool, confirmed_loss: str = "") -> bool:
    """Change a unit's name, type and whether it is active; False when they are so already. A change
    that takes routines the unit has started on from it (routine_loss) is refused, with what it
    would take, unless `confirmed_loss` carries that RoutineLoss.token."""
    name = _clean_name(name, "enheten", "name")
    if kind not in UNIT_KINDS:
        raise ValidationError("Okänd enhetstyp.", field="kind")
    _refuse_taken_unit_name(unit.department, name, other_than=unit)
    if (unit.name, unit.kind, unit.active) == (name, kind, active):
        return False
    loss = routine_loss(unit, kind=kind, active=active)
    if loss is not None and not set(loss.token.split(",")) <= set((confirmed_loss or "").split(",")):
        raise ValidationError(loss.message, field="confirm_loss", loss=loss)
    before = f"{unit.name}, {unit.kind_label}, {'aktiv' if unit.active else 'inaktiv'}"
    if active != unit.active:
        db.session.add(UnitActivation(unit_id=unit.id, active=active))
    unit.name, unit.kind, unit.active = name, kind, active
    after = f"{unit.name}, {unit.kind_label}, {'aktiv' if unit.active else 'inaktiv'}"
    lost = (f"; gäller inte längre enheten (bekräftat): {', '.join(d.title for d in loss.documents)}"
            if loss is not None else "")
    audit.record(actor, "unit.updated", unit, f"{before} → {after}{lost}", target_label=unit.name_with_department)
    with _name_taken_meanwhile("enhet", name):
        db.session.commit()
    return True


# --- CSV import ---------------------------------------------------------------------------------

HEADER_ALIASES = {
    "förvaltning": "department", "forvaltning": "department", "department": "department",
    "enhet": "unit", "unit": "unit",
    "typ": "kind", "enhetstyp": "kind", "kind": "kind",
}
KIND_ALIASES = {slugify(label): kind for kind, label in UNIT_KINDS.items()} | {k: k for k in UNIT_KINDS}


@dataclass
class ImportReport:
    departments_created: list[str] = field(default_factory=list)
    units_created: list[str] = field(default_factory=list)
    unchanged: int = 0


def import_organisation(actor, text: str) -> ImportReport:
    """Create the departments and units a CSV lists (columns förvaltning, enhet, typ; comma or
    semicolon). Idempotent: rows already present change nothing. All or nothing: any bad row
    refuses the whole file, naming the row."""
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise ValidationError("Filen är tom.")
    try:
        dialect = csv.Sniffer().sniff(text.splitlines()[0], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect, strict=True)
    try:
        rows = list(reader)
    except csv.Error as error:  # e.g. a quotation mark that is never closed
        raise ValidationError(f"Filen är inte giltig CSV (fel vid rad {reader.line_num}). "
                              "Kontrollera citattecknen.") from error
    header = [HEADER_ALIASES.get(h.strip().lower()) for h in rows[0]]
    if "department" not in header:
        raise ValidationError("Rubrikraden måste ha kolumnen ”förvaltning” (och gärna ”enhet” och ”typ”).")
    report = ImportReport()
    try:
        for line_no, row in enumerate(rows[1:], start=2):
            if not any(cell.strip() for cell in row):
                continue
            values = {key: (row[i].strip() if i < len(row) else "") for i, key in enumerate(header) if key}
            try:
                _import_row(actor, values, report)
            except ValidationError as error:
                raise ValidationError(f"Rad {line_no}: {error.message}") from error
        db.session.commit()
    except ValidationError:
        db.session.rollback()
        raise
    except IntegrityError:  # another admin added one of the names between our checks and our commit
        db.session.rollback()
        raise ValidationError("Någon annan ändrade organisationen samtidigt, så ingenting importerades. "
                              "Läs in filen igen.") from None
    return report


def _import_row(actor, values: dict, report: ImportReport) -> None:
    department = find_department(values["department"])
    if department is None:
        department = _add_department(actor, values["department"])
        report.departments_created.append(department.name)
    unit_name = values.get("unit", "")
    if not unit_name:
        return
    kind_text = values.get("kind") or "annan"
    kind = KIND_ALIASES.get(slugify(kind_text))
    if kind is None:
        raise ValidationError(f"okänd enhetstyp ”{kind_text}” (använd t.ex. skola, förskola, fritidsgård).")
    if _unit_named_like(department, " ".join(unit_name.split())):
        report.unchanged += 1
        return
    unit = _add_unit(actor, department, unit_name, kind)
    report.units_created.append(f"{unit.name} ({department.name})")
