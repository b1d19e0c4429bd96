"""Adoption rules: which units must adopt which routines, ticking items, confirming, status,
dashboards, exports and evidence at a date.

Status is derived, never stored: from the routine's published revisions, the unit's item progress
and its confirmations. A confirmation is stale once a substantial revision newer than the
confirmed one has been published; minor revisions keep it valid.

Rule on confirming with items left undone (issue 5, point 3): allowed only with a written reason of
at least MIN_REASON_CHARS characters, which is stored with the confirmation and shown in reports.
"""
import csv
import difflib
import hashlib
import io
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from portal import audit
from portal.adoption.models import Adoption, AdoptionDeadline, Confirmation, ItemProgress, item_key
from portal import clock
from portal.clock import check_date, utcnow
from portal.auth.models import User
from portal.errors import EditConflict, NotFound, ValidationError
from portal.extensions import db
from portal.handbook.markdown import extract_checklist
from portal.handbook.models import (CONTROLLED_KINDS, Document, Revision, document_applies_to, scope_includes,
                                    unit_kinds_of)
from portal.org import services as org
from portal.org.models import Department, Unit, UnitActivation
from portal.policy import authorize, can

MIN_REASON_CHARS = 10
MAX_COMMENT_CHARS = 2000

STATUSES = {
    "adopted": ("Införd", "ok"),
    "stale": ("Behöver bekräftas igen", "warn"),
    "overdue": ("Försenad", "danger"),
    "in_progress": ("Pågår", "neutral"),
    "not_started": ("Ej påbörjad", "neutral"),
}
# The order a unit head should act in: what needs them most comes first.
ACTION_ORDER = ["stale", "overdue", "in_progress", "not_started", "adopted"]

for _action, _label in {
    "adoption.item_done": "Checkpunkt klar",
    "adoption.item_undone": "Checkpunkt ej klar",
    "adoption.item_comment": "Kommentar på checkpunkt",
    "adoption.confirmed": "Införande bekräftat",
    "adoption.deadline_set": "Sista dag för införande ändrad",
    "adoption.items_reworded": "Checkpunkt omformulerad",
}.items():
    audit.register_action(_action, _label)


@lru_cache(maxsize=4096)
def _checklist_of(revision_id: int, body: str) -> tuple[str, ...]:
    return tuple(extract_checklist(body))


def checklist(revision: Revision) -> list[str]:
    """The checklist of a revision (revisions are immutable, so it is parsed once per process)."""
    return list(_checklist_of(revision.id, revision.body))


@dataclass
class ChecklistItem:
    index: int
    text: str
    done: bool = False
    comment: str = ""
    updated_by: str = ""
    updated_at: datetime | None = None

    @property
    def stamp(self) -> str:
        """What a form for the item was based on: its last change ("" while untouched)."""
        return item_stamp(self.updated_at)

    @property
    def fingerprint(self) -> str:
        return item_fingerprint(self.done, self.comment)


def item_stamp(updated_at: datetime | None) -> str:
    return updated_at.isoformat(timespec="microseconds") if updated_at else ""


def item_fingerprint(done: bool, comment: str) -> str:
    """What a form showed of an item, so that a save can tell what the user changed from what they
    left as it was (and someone else may have changed meanwhile)."""
    return hashlib.sha256(f"{int(done)}:{comment}".encode("utf-8")).hexdigest()[:16]


def count_items(n: int) -> str:
    return f"{n} punkt" if n == 1 else f"{n} punkter"


def undone_text(n: int) -> str:
    """"1 punkt är inte klar", "2 punkter är inte klara"."""
    return f"{count_items(n)} är inte {'klar' if n == 1 else 'klara'}"


@dataclass
class UnitStatus:
    document: Document
    unit: Unit
    revision: Revision
    items: list[ChecklistItem]
    confirmation: Confirmation | None
    deadline: date | None
    stale: bool
    overdue: bool
    adoption: Adoption | None = None

    @property
    def done(self) -> int:
        return sum(1 for item in self.items if item.done)

    @property
    def total(self) -> int:
        return len(self.items)

    @property
    def status(self) -> str:
        if self.confirmation is not None and not self.stale:
            return "adopted"
        if self.stale:
            return "stale"
        if self.overdue:
            return "overdue"
        if self.done or any(item.comment for item in self.items):
            return "in_progress"
        return "not_started"

    @property
    def label(self) -> str:
        return STATUSES[self.status][0]

    @property
    def badge(self) -> str:
        return STATUSES[self.status][1]

    @property
    def undone_text(self) -> str:
        return undone_text(self.total - self.done)

    @property
    def unticked_since_confirmation(self) -> int:
        """How many fewer items are done now than when the still valid confirmation was given.

        The confirmation keeps what was true then (README, Införande); this is what the pages warn of.
        Items a minor revision took out of the checklist since are not counted as unticked: at most as
        many items as the checklist has now can have been unticked.
        """
        if self.confirmation is None or self.stale:
            return 0
        return max(0, min(self.confirmation.items_done, self.total) - self.done)

    @property
    def unticked_text(self) -> str:
        n = self.unticked_since_confirmation
        return f"{count_items(n)} {'urbockad' if n == 1 else 'urbockade'} efter bekräftelsen"

    @property
    def confirmed_current(self) -> bool:
        return self.confirmation is not None and self.confirmation.revision_number == self.revision.number


# --- Which routines apply to which units ----------------------------------------------------------

def routine_documents() -> list[Document]:
    """Published, unarchived routines and agreements that name departments to adopt them."""
    return list(db.session.scalars(
        select(Document).join(document_applies_to, document_applies_to.c.document_id == Document.id)
        .where(Document.kind.in_(CONTROLLED_KINDS), Document.current_revision_id.is_not(None),
               Document.archived_at.is_(None))
        .options(selectinload(Document.current_revision), selectinload(Document.applies_to))
        .distinct().order_by(Document.position, Document.title)))


def routines_at(end: datetime) -> list[Document]:
    """Routines and agreements published before `end` (a stored UTC time) and not archived by then,
    whatever their "gäller för" says today."""
    published = select(Revision.document_id).where(Revision.published_at < end)
    return list(db.session.scalars(
        select(Document).where(Document.kind.in_(CONTROLLED_KINDS), Document.id.in_(published),
                               Document.archived_at.is_(None) | (Document.archived_at >= end))
        .order_by(Document.position, Document.title)))


def is_followed_up(document: Document) -> bool:
    """Units adopt it now: a published, unarchived routine or agreement that applies to someone."""
    return (document.kind in CONTROLLED_KINDS and document.is_published and not document.is_archived
            and bool(document.applies_to))


def has_evidence(document: Document) -> bool:
    """It can have been in force at some date: a routine or agreement that was ever published, archived
    ones and ones no department must adopt today included (an inspection asks how things were then)."""
    return document.kind in CONTROLLED_KINDS and db.session.scalar(
        select(Revision.id).where(Revision.document_id == document.id, Revision.published_at.is_not(None))
        .limit(1)) is not None


def get_routine(slug: str) -> Document:
    document = db.session.scalar(select(Document).where(Document.slug == slug))
    if document is None or not is_followed_up(document):
        raise NotFound("Rutinen finns inte eller ska inte införas av några enheter.")
    return document


def get_routine_for_evidence(slug: str) -> Document:
    document = db.session.scalar(select(Document).where(Document.slug == slug))
    if document is None or not has_evidence(document):
        raise NotFound("Rutinen finns inte eller har aldrig publicerats.")
    return document


def get_unit(unit_id: int) -> Unit:
    unit = db.session.get(Unit, unit_id)
    if unit is None:
        raise NotFound("Enheten finns inte.")
    return unit


def applies(document: Document, unit: Unit) -> bool:
    """The unit must adopt the published routine: it is active, its department is in "gäller för" and,
    when the published version names unit types, it is of one of them (scope_includes, the one rule)."""
    return unit.active and scope_includes([d.id for d in document.applies_to], document.unit_kinds, unit)


def _active_units() -> list[Unit]:
    return list(db.session.scalars(select(Unit).where(Unit.active.is_(True))
                                   .options(selectinload(Unit.department)).order_by(Unit.name)))


def acting_units(user) -> list[Unit]:
    """Units whose checklists the user may tick: their own as unit head; every unit for admins."""
    return [u for u in _active_units() if can(user, "adoption.act", u)]


def may_view(user, document: Document, unit: Unit) -> bool:
    """A row of adoption follow-up is visible to the unit's people and to the routine's editors."""
    return can(user, "adoption.view_unit", unit) or can(user, "document.edit", document)


# --- Status ---------------------------------------------------------------------------------------

def _last_substantial(document_ids) -> dict[int, int]:
    rows = db.session.execute(
        select(Revision.document_id, func.max(Revision.number))
        .where(Revision.document_id.in_(document_ids), Revision.published_at.is_not(None),
               Revision.substantial.is_(True))
        .group_by(Revision.document_id))
    return dict(rows.all())


def statuses(pairs: list[tuple[Document, Unit]], today: date | None = None) -> list[UnitStatus]:
    """Status of many (routine, unit) pairs in a handful of queries."""
    if not pairs:
        return []
    today = today or clock.today()
    document_ids = {d.id for d, _ in pairs}
    unit_ids = {u.id for _, u in pairs}
    adoptions = {(a.document_id, a.unit_id): a for a in db.session.scalars(
        select(Adoption).where(Adoption.document_id.in_(document_ids), Adoption.unit_id.in_(unit_ids)))}
    deadlines = {d.document_id: d.deadline for d in db.session.scalars(
        select(AdoptionDeadline).where(AdoptionDeadline.document_id.in_(document_ids)))}
    substantial = _last_substantial(document_ids)
    # Who last changed an item, by name as the confirmation names its signer (one query for all).
    editor_ids = {p.updated_by_id for a in adoptions.values() for p in a.items if p.updated_by_id}
    names = dict(db.session.execute(select(User.id, User.name).where(User.id.in_(editor_ids))).all()) \
        if editor_ids else {}
    result = []
    for document, unit in pairs:
        revision = document.current_revision
        adoption = adoptions.get((document.id, unit.id))
        progress = {p.item_key: p for p in adoption.items} if adoption else {}
        items = []
        for index, text in enumerate(checklist(revision)):
            p = progress.get(item_key(text))
            items.append(ChecklistItem(index, text, p.done, p.comment,
                                       names.get(p.updated_by_id) or p.updated_by_label, p.updated_at)
                         if p else ChecklistItem(index, text))
        confirmation = adoption.confirmations[-1] if adoption and adoption.confirmations else None
        stale = confirmation is not None and confirmation.revision_number < substantial.get(document.id, 0)
        deadline = deadlines.get(document.id)
        overdue = deadline is not None and deadline < today and (confirmation is None or stale)
        result.append(UnitStatus(document, unit, revision, items, confirmation, deadline, stale, overdue,
                                 adoption))
    return result


def unit_status(document: Document, unit: Unit) -> UnitStatus:
    return statuses([(document, unit)])[0]


def my_unit_overview(unit: Unit) -> list[UnitStatus]:
    """Every routine that applies to the unit, what needs the unit head first."""
    rows = statuses([(d, unit) for d in routine_documents() if applies(d, unit)])
    return sorted(rows, key=lambda s: (ACTION_ORDER.index(s.status), s.document.position, s.document.title))


def todo_for(user) -> list[UnitStatus]:
    """What the user's units must act on now: stale confirmations and overdue routines."""
    if not can(user, "adoption.act"):  # heads no unit: no queries (the start page asks for everyone)
        return []
    units = [u for u in _active_units() if any(h.id == u.id for h in getattr(user, "headed_units", []))]
    pairs = [(d, u) for d in routine_documents() for u in units if applies(d, u)]
    return [s for s in statuses(pairs) if s.status in ("stale", "overdue")]


# --- Acting ---------------------------------------------------------------------------------------

def _check_current(document: Document, unit: Unit, revision_number: int) -> Revision:
    if not applies(document, unit):
        raise NotFound("Rutinen gäller inte den här enheten.")
    current = document.current_revision
    if revision_number > current.number:  # not a page of an older version: a changed or broken form
        raise ValidationError(f"Rutinen har ingen version {revision_number} (gällande version är {current.number}). "
                              "Ingenting sparades. Ladda om sidan och gör om ändringen.")
    if revision_number != current.number:
        raise EditConflict(f"Rutinen har fått en ny version (version {current.number}) sedan du öppnade sidan. "
                           "Ingenting sparades. Checklistan nedan är den aktuella – gör om ändringen där.")
    return current


def _adoption_for(document: Document, unit: Unit) -> Adoption:
    """The unit's adoption of the routine, created if needed, and held until commit.

    Ticks and confirmations of one adoption queue on its row, so each re-reads what the one before
    it committed: a double submit then finds its twin's work instead of writing it again. PostgreSQL
    locks the row (SELECT … FOR UPDATE). SQLite has no row locks and starts its write transaction
    only at the first write, so there a no-op UPDATE takes the database's write lock instead.
    """
    adoption = db.session.scalar(select(Adoption).where(Adoption.document_id == document.id,
                                                        Adoption.unit_id == unit.id))
    if adoption is None:
        adoption = Adoption(document=document, unit=unit)
        db.session.add(adoption)
        db.session.flush()  # a concurrent first tick raises IntegrityError here; the caller retries
    elif db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(update(Adoption).where(Adoption.id == adoption.id)
                           .values(created_at=Adoption.created_at).execution_options(synchronize_session=False))
    else:
        db.session.execute(select(Adoption.id).where(Adoption.id == adoption.id).with_for_update())
    return adoption


def normalize_newlines(text: str | None) -> str | None:
    """A browser sends a textarea's line breaks as CRLF but counts each as one character for
    maxlength: stored and counted as one "\n", the limit means what the browser showed."""
    return text.replace("\r\n", "\n").replace("\r", "\n") if text else text


def _invisible(char: str) -> bool:
    # Spaces and format characters: a zero-width space, a byte-order mark or a direction mark, as a
    # paste from another program can bring, look like nothing at all.
    return char.isspace() or unicodedata.category(char) == "Cf"


def visible_length(text: str) -> int:
    """How many characters a reader sees (what a minimum length is about)."""
    return sum(not _invisible(c) for c in text)


def _strip_invisible(text: str) -> str:
    # Only at the ends: inside a text a format character can matter (a zero-width non-joiner in a
    # Persian name, the joiner of an emoji).
    start, end = 0, len(text)
    while start < end and _invisible(text[start]):
        start += 1
    while end > start and _invisible(text[end - 1]):
        end -= 1
    return text[start:end]


def _clean_text(text: str, limit: int, what: str, field_name: str) -> str:
    text = _strip_invisible(normalize_newlines(text or ""))
    if len(text) > limit:
        raise ValidationError(f"{what} får vara högst {limit} tecken.", field=field_name)
    if any(ord(c) < 32 and c not in "\n\t" for c in text):
        raise ValidationError(f"{what} innehåller otillåtna tecken.", field=field_name)
    return text


def _retrying(operation):
    """Run a write; if a concurrent request inserted the same row first, run it again on top."""
    for attempt in range(3):
        try:
            return operation()
        except IntegrityError:
            db.session.rollback()
            if attempt == 2:
                raise


@dataclass
class ItemEdit:
    """One checklist item as a form sent it back.

    `based_on` is the item's stamp (ChecklistItem.stamp) the form was rendered with: when the item has
    changed since, saving it is refused instead of undoing the other person's work; None skips the
    check (callers without a form, such as the demo data). `shown` is the fingerprint of what the form
    showed (ChecklistItem.fingerprint): an item sent back as it was shown is one the user left alone,
    so it is neither saved nor checked; None counts the item as changed.
    """
    index: int
    done: bool
    comment: str = ""
    based_on: str | None = None
    shown: str | None = None


def _clean_comment(comment: str) -> str:
    return _clean_text(comment, MAX_COMMENT_CHARS, "Kommentaren", "comment")


def _edited(edit: ItemEdit, comment: str) -> bool:
    return edit.shown is None or edit.shown != item_fingerprint(edit.done, comment)


def edited(edits: list[ItemEdit]) -> list[ItemEdit]:
    """The items a form changed from what it showed (what a refused save must give back)."""
    result = []
    for edit in edits:
        try:
            comment = _clean_comment(edit.comment)
        except ValidationError:
            comment = edit.comment
        if _edited(edit, comment):
            result.append(edit)
    return result


def _conflict_text(progress: ItemProgress, actor) -> str:
    saved = (f"markerade den som {'klar' if progress.done else 'inte klar'} "
             + (f"med kommentaren ”{progress.comment}”" if progress.comment else "utan kommentar"))
    if progress.updated_by_id is not None and progress.updated_by_id == getattr(actor, "id", None):
        return f"du {saved} i en annan flik eller ett annat fönster ({clock.local_text(progress.updated_at)})"
    # By name, as the checklist names who last changed an item (statuses); the label for a removed account.
    user = db.session.get(User, progress.updated_by_id) if progress.updated_by_id else None
    return f"{user.name if user else progress.updated_by_label} {saved} ({clock.local_text(progress.updated_at)})"


def save_checklist(actor, document: Document, unit: Unit, *, revision_number: int,
                   edits: list[ItemEdit]) -> list[ChecklistItem]:
    """Save the items of a routine's checklist that the user changed, all or none, in one transaction.

    Each changed item gets its progress row and its audit events; an item sent back as it was shown,
    or as it already is (a double submit), changes nothing. When someone else has changed an item
    that this save changes too, nothing is saved: EditConflict names the items, with their stamps now
    (details `stamps`, index -> stamp) and what the other person saved (`conflicts`, index -> text).
    Returns the saved items as they are now.
    """
    authorize(actor, "adoption.act", unit)
    current = _check_current(document, unit, revision_number)
    items = checklist(current)
    indexes = [edit.index for edit in edits]
    if any(not 0 <= index < len(items) for index in indexes):
        raise NotFound("Punkten finns inte i checklistan.")
    if len(set(indexes)) != len(indexes):
        raise ValidationError("Samma punkt kom med två gånger. Ladda om sidan och gör om ändringen.")
    cleaned, errors = [], {}
    for edit in edits:
        try:
            comment = _clean_comment(edit.comment)
        except ValidationError as error:
            errors[edit.index] = error.message
            continue
        if _edited(edit, comment):
            cleaned.append((edit, items[edit.index], comment))
    if errors:
        named = ", ".join(f"”{items[index]}”" for index in sorted(errors))
        raise ValidationError(
            f"{'Kommentaren' if len(errors) == 1 else 'Kommentarerna'} till {named} kunde inte sparas: "
            + " ".join(dict.fromkeys(errors.values())) + " Ingenting sparades.", field="comment", items=errors)
    if not cleaned:
        return []  # nothing changed: not even the unit's adoption row is created

    def write():
        adoption = _adoption_for(document, unit)
        stored = {p.item_key: p for p in db.session.scalars(
            select(ItemProgress).where(ItemProgress.adoption_id == adoption.id)
            .execution_options(populate_existing=True))}
        changes, conflicts, stamps = [], {}, {}
        by_others = False
        for edit, text, comment in cleaned:
            key = item_key(text)
            progress = stored.get(key)
            now = (progress.done, progress.comment) if progress is not None else (False, "")
            if now == (edit.done, comment):
                continue  # already so: a double submit, or someone else did the same
            if edit.based_on is not None and progress is not None and edit.based_on != item_stamp(progress.updated_at):
                conflicts[edit.index] = _conflict_text(progress, actor)
                if progress.updated_by_id is None or progress.updated_by_id != getattr(actor, "id", None):
                    by_others = True
                stamps[edit.index] = item_stamp(progress.updated_at)
                continue
            changes.append((edit, text, key, comment, progress))
        if conflicts:
            raise EditConflict(_conflict_message(items, conflicts, by_others), stamps=stamps, conflicts=conflicts)
        if not changes:
            db.session.commit()  # release the adoption's lock
            return []
        at = utcnow()
        for edit, text, key, comment, progress in changes:
            was_done = progress.done if progress is not None else False
            old_comment = progress.comment if progress is not None else ""
            values = {"done": edit.done, "comment": comment, "revision_number": current.number,
                      "updated_by_id": getattr(actor, "id", None),
                      "updated_by_label": getattr(actor, "email", str(actor)), "updated_at": at}
            if progress is None:
                db.session.add(ItemProgress(adoption=adoption, item_key=key, item_text=text, **values))
            else:
                for name, value in values.items():
                    setattr(progress, name, value)
            if was_done != edit.done:
                audit.record(actor, "adoption.item_done" if edit.done else "adoption.item_undone", adoption,
                             f"”{text}”: {'ej klar → klar' if edit.done else 'klar → ej klar'} "
                             f"(version {current.number})", target_label=adoption.label)
            if old_comment != comment:
                audit.record(actor, "adoption.item_comment", adoption,
                             f"”{text}”: kommentar ”{old_comment or '–'}” → ”{comment or '–'}”",
                             target_label=adoption.label)
        db.session.commit()
        return [edit.index for edit, *_ in changes]

    try:
        saved = _retrying(write)
    except EditConflict:
        db.session.rollback()  # release the adoption's lock; nothing was written
        raise
    if not saved:
        return []
    now = unit_status(document, unit).items
    return [now[index] for index in sorted(saved)]


def _conflict_message(items: list[str], conflicts: dict[int, str], by_others: bool = True) -> str:
    who = "Någon annan har ändrat" if by_others else "Du har själv ändrat"
    if len(conflicts) == 1:
        (index, what), = conflicts.items()
        return (f"{who} punkten ”{items[index]}” sedan du öppnade sidan: {what}. "
                "Ingenting sparades. Det du skrev finns kvar i formuläret – spara igen om det ska gälla i stället.")
    return (f"{who} {count_items(len(conflicts))} sedan du öppnade sidan: "
            + "; ".join(f"”{items[index]}”: {what}" for index, what in sorted(conflicts.items()))
            + ". Ingenting sparades, inte heller dina andra punkter. Det du skrev finns kvar i formuläret – "
            "spara igen om det ska gälla i stället.")


def reworded_items(old: list[str], new: list[str], min_similarity: float = 0.7) -> list[tuple[str, str]]:
    """(old text, new text) of the items that a new version of a checklist words differently: within each
    run of items the new version replaced, the pairs whose texts are most alike (difflib's ratio at least
    `min_similarity`: "för nyanställda" → "för alla nyanställda", not a different item in its place),
    each item used once."""
    norm_old, norm_new = [" ".join(t.split()) for t in old], [" ".join(t.split()) for t in new]
    pairs = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, norm_old, norm_new, autojunk=False).get_opcodes():
        if tag != "replace":
            continue
        scored = sorted(((difflib.SequenceMatcher(None, norm_old[i], norm_new[j], autojunk=False).ratio(), i, j)
                         for i in range(i1, i2) for j in range(j1, j2)), key=lambda t: (-t[0], t[1], t[2]))
        used_old, used_new = set(), set()
        for ratio, i, j in scored:
            if ratio >= min_similarity and i not in used_old and j not in used_new:
                used_old.add(i)
                used_new.add(j)
                pairs.append((old[i], new[j]))
    return pairs


def carry_over_reworded_items(actor, document: Document, previous: Revision | None, revision: Revision,
                              substantial: bool) -> int:
    """After a minor revision ("språklig ändring": same meaning, nothing to do again), a unit's tick and
    comment on an item that the revision words differently stay with the item: progress follows an
    item's text, so the reworded text gets a copy of the old text's progress (who and when as they
    were), and the unit's history says so. A substantial revision carries nothing over: its reworded
    items are asked again, with the confirmation. Runs in the publish's transaction; returns how many
    units kept progress."""
    if previous is None or substantial or document.kind not in CONTROLLED_KINDS:
        return 0
    pairs = [(item_key(o), item_key(n), o, n) for o, n in reworded_items(checklist(previous), checklist(revision))]
    if not pairs:
        return 0
    keys = {old_key for old_key, *_ in pairs} | {new_key for _, new_key, *_ in pairs}
    progress: dict[int, dict[str, ItemProgress]] = defaultdict(dict)
    for row in db.session.scalars(select(ItemProgress).join(Adoption, Adoption.id == ItemProgress.adoption_id)
                                  .where(Adoption.document_id == document.id, ItemProgress.item_key.in_(keys))):
        progress[row.adoption_id][row.item_key] = row
    kept = 0
    for adoption_id, rows in progress.items():
        carried = []
        for old_key, new_key, old_text, new_text in pairs:
            old = rows.get(old_key)
            if old is None or new_key in rows or not (old.done or old.comment):
                continue
            db.session.add(ItemProgress(
                adoption_id=adoption_id, item_key=new_key, item_text=new_text, done=old.done, comment=old.comment,
                revision_number=old.revision_number, updated_by_id=old.updated_by_id,
                updated_by_label=old.updated_by_label, updated_at=old.updated_at))
            rows[new_key] = old  # taken: a checklist with the same new text twice gets it once
            carried.append(f"”{old_text}” → ”{new_text}”")
        if carried:
            kept += 1
            adoption = db.session.get(Adoption, adoption_id)
            audit.record(actor, "adoption.items_reworded", adoption,
                         f"Version {revision.number} (språklig ändring) formulerar om "
                         f"{count_items(len(carried))}; bock och kommentar följer med: " + "; ".join(carried),
                         target_label=adoption.label)
    return kept


def set_item(actor, document: Document, unit: Unit, *, revision_number: int, index: int, done: bool,
             comment: str, based_on: str | None = None) -> ChecklistItem:
    """Tick or untick one item and set its comment (save_checklist for a single item)."""
    save_checklist(actor, document, unit, revision_number=revision_number,
                   edits=[ItemEdit(index, done, comment, based_on)])
    return unit_status(document, unit).items[index]


def current_index(document: Document, revision_number: int, index: int) -> int | None:
    """Where item `index` of version `revision_number` stands in the current checklist (by its
    text, as progress follows it), or None when that item is not in it."""
    revision = db.session.scalar(select(Revision).where(Revision.document_id == document.id,
                                                        Revision.number == revision_number))
    old = checklist(revision) if revision is not None else []
    if not 0 <= index < len(old):
        return None
    keys = [item_key(text) for text in checklist(document.current_revision)]
    key = item_key(old[index])
    return keys.index(key) if key in keys else None


def _confirmation_of(adoption_id: int, revision_number: int) -> Confirmation | None:
    return db.session.scalar(select(Confirmation).where(Confirmation.adoption_id == adoption_id,
                                                        Confirmation.revision_number == revision_number)
                             .execution_options(populate_existing=True))


def confirm(actor, document: Document, unit: Unit, *, revision_number: int, reason: str = "") -> Confirmation:
    authorize(actor, "adoption.act", unit)
    current = _check_current(document, unit, revision_number)
    reason = _clean_text(reason, MAX_COMMENT_CHARS, "Motiveringen", "reason")

    def write():
        adoption = _adoption_for(document, unit)
        existing = _confirmation_of(adoption.id, current.number)
        if existing is not None and existing.reason == reason:
            db.session.commit()
            return existing  # a double submit changes nothing
        if existing is not None:  # another tab or person was first, with other words: say so
            raise EditConflict(
                f"Rutinen är redan bekräftad för version {current.number}: {_who(existing)} bekräftade den "
                f"{clock.local_text(existing.confirmed_at)} "
                + (f"med motiveringen ”{existing.reason}”." if existing.reason else "utan motivering.")
                + " Din bekräftelse sparades inte; det du skrev finns kvar nedan.")
        # Progress read under the adoption's lock, so the stored counts are those confirmed.
        db.session.expire(adoption, ["items", "confirmations"])
        status = unit_status(document, unit)
        if status.done < status.total and visible_length(reason) < MIN_REASON_CHARS:
            left = status.total - status.done
            raise ValidationError(
                f"{left} av {status.total} punkter är inte {'klar' if left == 1 else 'klara'}. Bocka av "
                f"{'den' if left == 1 else 'dem'}, eller skriv varför rutinen ändå är införd "
                f"(minst {MIN_REASON_CHARS} tecken).", field="reason")
        confirmation = Confirmation(
            adoption=adoption, revision_id=current.id, revision_number=current.number,
            confirmed_by_id=getattr(actor, "id", None), confirmed_by_label=getattr(actor, "email", str(actor)),
            items_done=status.done, items_total=status.total, reason=reason)
        db.session.add(confirmation)
        db.session.flush()
        audit.record(actor, "adoption.confirmed", adoption,
                     f"Införd enligt version {current.number}; {status.done}/{status.total} punkter klara"
                     + (f"; motivering: {reason}" if reason else ""), target_label=adoption.label)
        db.session.commit()
        return confirmation

    # Should a twin still slip past the lock, the unique constraint refuses it and the retry
    # returns the twin's confirmation.
    try:
        return _retrying(write)
    except (ValidationError, EditConflict):
        db.session.rollback()  # release the adoption's lock; nothing was written
        raise


def set_deadline(actor, document: Document, deadline: date | None) -> None:
    authorize(actor, "adoption.set_deadline", document)
    if deadline is not None:
        check_date(deadline, field="deadline")
    existing = db.session.get(AdoptionDeadline, document.id)
    before = existing.deadline if existing else None
    if before == deadline:
        return
    if deadline is None:
        db.session.delete(existing)
    elif existing is None:
        db.session.add(AdoptionDeadline(document_id=document.id, deadline=deadline,
                                        set_by_label=getattr(actor, "email", str(actor))))
    else:
        existing.deadline, existing.set_by_label, existing.set_at = deadline, getattr(actor, "email", str(actor)), utcnow()
    audit.record(actor, "adoption.deadline_set", document, f"Införas senast: {before or '–'} → {deadline or '–'}")
    db.session.commit()


def deadline_of(document: Document) -> date | None:
    row = db.session.get(AdoptionDeadline, document.id)
    return row.deadline if row else None


def history(document: Document, unit: Unit) -> list:
    """The unit's adoption history of the routine, from the audit log, newest first."""
    adoption = db.session.scalar(select(Adoption).where(Adoption.document_id == document.id,
                                                        Adoption.unit_id == unit.id))
    if adoption is None:
        return []
    return list(db.session.scalars(
        select(audit.AuditEvent).where(audit.AuditEvent.target_type == "adoption",
                                       audit.AuditEvent.target_id == adoption.id)
        .order_by(audit.AuditEvent.at.desc(), audit.AuditEvent.id.desc())))


# --- Dashboards -----------------------------------------------------------------------------------

@dataclass
class Cell:
    department: Department
    counts: Counter = field(default_factory=Counter)
    total: int = 0


@dataclass
class MatrixRow:
    document: Document
    deadline: date | None
    cells: list[Cell]

    @property
    def counts(self) -> Counter:
        return sum((c.counts for c in self.cells), Counter())

    @property
    def total(self) -> int:
        return sum(c.total for c in self.cells)


def visible_statuses(user, documents=None, today: date | None = None) -> list[UnitStatus]:
    documents = documents if documents is not None else routine_documents()
    units = _active_units()
    pairs = [(d, u) for d in documents for u in units if applies(d, u) and may_view(user, d, u)]
    return statuses(pairs, today)


def matrix(user, status_filter: str = "", today: date | None = None) -> list[MatrixRow]:
    """Routine × department with counts per status, over the units the user may follow up."""
    by_document: dict[int, dict[int, Cell]] = defaultdict(dict)
    documents = {}
    for s in visible_statuses(user, today=today):
        documents[s.document.id] = s.document
        cell = by_document[s.document.id].setdefault(s.unit.department_id, Cell(s.unit.department))
        cell.counts[s.status] += 1
        if s.unticked_since_confirmation:  # still "Införd", but fewer items done than when confirmed
            cell.counts["unticked"] += 1
        cell.total += 1
    deadlines = {d.document_id: d.deadline for d in db.session.scalars(select(AdoptionDeadline))}
    rows = [MatrixRow(doc, deadlines.get(doc.id), sorted(by_document[doc.id].values(), key=lambda c: c.department.name))
            for doc in documents.values()]
    if status_filter:
        rows = [r for r in rows if r.counts[status_filter]]
    return sorted(rows, key=lambda r: (r.document.position, r.document.title))


def routine_units(user, document: Document, status_filter: str = "") -> list[UnitStatus]:
    rows = visible_statuses(user, [document])
    if status_filter:
        rows = [s for s in rows if s.status == status_filter]
    return sorted(rows, key=lambda s: (s.unit.department.name, s.unit.name))


def unit_routines(user, unit: Unit) -> list[UnitStatus]:
    return sorted([s for s in visible_statuses(user) if s.unit.id == unit.id],
                  key=lambda s: (s.document.position, s.document.title))


# --- Evidence at a date ---------------------------------------------------------------------------

@dataclass
class EvidenceRow:
    unit: Unit
    confirmation: Confirmation | None
    valid: bool

    @property
    def label(self) -> str:
        if self.confirmation is None:
            return "Ej bekräftad"
        return "Införd" if self.valid else "Behöver bekräftas igen"


@dataclass
class Evidence:
    document: Document
    day: date
    revision: Revision | None
    rows: list[EvidenceRow]
    archived_then: bool = False  # archived before the end of `day`: nothing was in force


def _units_active_at(end: datetime) -> list[Unit]:
    """The units that existed and were active just before `end` (a stored UTC time)."""
    active = {}
    for unit_id, state in db.session.execute(
            select(UnitActivation.unit_id, UnitActivation.active).where(UnitActivation.at < end)
            .order_by(UnitActivation.at, UnitActivation.id)):
        active[unit_id] = state
    units = db.session.scalars(select(Unit).where(Unit.created_at < end)
                               .options(selectinload(Unit.department)).order_by(Unit.name))
    return [u for u in units if active.get(u.id, True)]  # active from creation until a change


FUTURE_DAY_MESSAGE = "Läget kan bara visas för i dag eller ett tidigare datum – ange ett datum som inte är efter {today}."


def future_day_message(day: date) -> str | None:
    """Evidence tells how things were: a day after today (where the portal's people are) has no
    state yet, and showing today's state under its date would mislead an inspection."""
    today = clock.today()
    return FUTURE_DAY_MESSAGE.format(today=today.isoformat()) if day > today else None


def check_evidence_day(day: date) -> date:
    check_date(day, field="datum")
    message = future_day_message(day)
    if message:
        raise ValidationError(message, field="datum")
    return day


def evidence_at(user, document: Document, day: date, units_then: list[Unit] | None = None) -> Evidence:
    """Which version was in force at the end of `day`, and which units had confirmed which version.

    As things were then: the units of the departments the version in force named in "gäller för" and
    of the unit types it named (every type when none), among the units that existed and were active
    that day (`units_then`, for many routines at once). A unit's type is taken as it is now: the
    portal keeps no history of types.
    """
    check_evidence_day(day)
    end = clock.day_start(day + timedelta(days=1))  # the end of the day where the units are
    published = list(db.session.scalars(
        select(Revision).where(Revision.document_id == document.id, Revision.published_at.is_not(None),
                               Revision.published_at < end).order_by(Revision.number)))
    archived_then = document.archived_at is not None and document.archived_at < end
    in_force = published[-1] if published and not archived_then else None
    last_substantial = max((r.number for r in published if r.substantial), default=0)
    departments = set()
    for name in (in_force.meta or {}).get("applies_to", []) if in_force else []:
        department = org.find_department(name)  # also by a former name, should it have been renamed
        if department is not None:
            departments.add(department.id)
    units_then = _units_active_at(end) if units_then is None else units_then
    kinds = unit_kinds_of(in_force.meta) if in_force else ()
    units = [u for u in units_then if scope_includes(departments, kinds, u) and may_view(user, document, u)]
    adoptions = {a.unit_id: a for a in db.session.scalars(
        select(Adoption).where(Adoption.document_id == document.id))}
    rows = []
    for unit in sorted(units, key=lambda u: (u.department.name, u.name)):
        adoption = adoptions.get(unit.id)
        confirmations = [c for c in (adoption.confirmations if adoption else []) if c.confirmed_at < end]
        confirmation = confirmations[-1] if confirmations else None
        rows.append(EvidenceRow(unit, confirmation,
                                confirmation is not None and confirmation.revision_number >= last_substantial))
    return Evidence(document, day, in_force, rows, archived_then)


# --- Exports --------------------------------------------------------------------------------------

EXPORT_HEADER = ["Rutin", "Adress", "Gällande version", "Förvaltning", "Enhet", "Status", "Bekräftad version",
                 "Bekräftad den", "Bekräftad av", "Punkter klara vid bekräftelsen",
                 "Punkter totalt vid bekräftelsen", "Punkter klara", "Punkter totalt", "Införas senast",
                 "Motivering"]
DATE_COLUMNS = {"Bekräftad den", "Införas senast"}


def export_rows(user, day: date | None = None) -> list[list]:
    """One row per routine × unit the user may follow up; at a date when `day` is given.

    Values keep their types (text, numbers, dates, None for empty); each file format writes them.
    "Punkter klara" is the checklist now, so it is empty at a date: only the counts stored with the
    confirmation are known for then.
    """
    rows = []
    if day is None:
        for s in sorted(visible_statuses(user), key=lambda s: (s.document.title, s.unit.department.name, s.unit.name)):
            c = s.confirmation
            rows.append([s.document.title, s.document.slug, s.revision.number, s.unit.department.name, s.unit.name,
                         s.label, *_confirmation_cells(c), s.done, s.total, s.deadline, c.reason if c else None])
        return rows
    check_evidence_day(day)
    end = clock.day_start(day + timedelta(days=1))
    units_then = _units_active_at(end)
    for document in routines_at(end):
        evidence = evidence_at(user, document, day, units_then)
        deadline = deadline_of(document)
        for row in evidence.rows:
            c = row.confirmation
            rows.append([document.title, document.slug, evidence.revision.number if evidence.revision else None,
                         row.unit.department.name, row.unit.name, row.label, *_confirmation_cells(c),
                         None, None, deadline, c.reason if c else None])
    return rows


def _confirmation_cells(c: Confirmation | None) -> list:
    if c is None:
        return [None] * 5
    return [c.revision_number, clock.local(c.confirmed_at).date(), _who(c), c.items_done, c.items_total]


def _who(confirmation) -> str:
    if confirmation is None:
        return ""
    user = confirmation.confirmed_by
    return f"{user.name} ({user.email})" if user else confirmation.confirmed_by_label


# A cell starting with one of these is run as a formula by Excel, LibreOffice and Google Sheets
# (OWASP "CSV injection"); reasons, comments and names are typed by users.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(value):
    """One export value as CSV text; text that a spreadsheet would run gets OWASP's leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def export_csv(user, day: date | None = None) -> bytes:
    buffer = io.StringIO()
    # Semicolons and a BOM: what Swedish Excel opens correctly with å, ä, ö.
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(EXPORT_HEADER)
    writer.writerows([_csv_cell(value) for value in row] for row in export_rows(user, day))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def export_xlsx(user, day: date | None = None) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Införande"
    sheet.append(EXPORT_HEADER)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    dates = {i for i, name in enumerate(EXPORT_HEADER) if name in DATE_COLUMNS}
    for row in export_rows(user, day):
        sheet.append(row)
        for i, cell in enumerate(sheet[sheet.max_row]):
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text stays text: openpyxl would store "=…" as a formula
            elif i in dates and cell.value is not None:
                cell.number_format = "yyyy-mm-dd"
    sheet.freeze_panes = "A2"
    widths = (40, 24, 10, 30, 34, 24, 10, 14, 34, 12, 12, 10, 10, 14, 40)
    for column, width in zip("ABCDEFGHIJKLMNO", widths):
        sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
