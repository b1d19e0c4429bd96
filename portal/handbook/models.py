"""Tables for documents, their immutable revisions, slug redirects and internal links."""
from datetime import date, datetime

from sqlalchemy import (JSON, CheckConstraint, Column, ForeignKey, String, Table, Text, select,
                        UniqueConstraint, event)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.clock import utcnow
from portal.extensions import db
from portal.org.models import UNIT_KINDS, Department

KINDS = {"section": "Avsnitt", "routine": "Rutin", "agreement": "Överenskommelse"}
# Routines and agreements are styrdokument and carry document-control metadata.
CONTROLLED_KINDS = ("routine", "agreement")

document_applies_to = Table(
    "document_applies_to",
    db.metadata,
    Column("document_id", ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True),
    Column("department_id", ForeignKey("departments.id", ondelete="CASCADE"), primary_key=True),
)


class Document(db.Model):
    """A handbook page's identity and place in the tree; its content lives in revisions."""

    __tablename__ = "documents"
    __table_args__ = (
        CheckConstraint("kind IN ('section', 'routine', 'agreement')", name="known_kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    # The title of the current published revision (or of the first draft), for lists and links.
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    current_revision_id: Mapped[int | None] = mapped_column(
        ForeignKey("revisions.id", use_alter=True, name="fk_documents_current_revision_id_revisions"))
    # Number of the newest revision; a save based on an older one is a conflict.
    latest_number: Mapped[int] = mapped_column(default=0)
    archived_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    department: Mapped[Department] = relationship(lazy="joined")
    parent: Mapped["Document | None"] = relationship(remote_side="Document.id", back_populates="children")
    children: Mapped[list["Document"]] = relationship(back_populates="parent",
                                                      order_by="(Document.position, Document.title)")
    current_revision: Mapped["Revision | None"] = relationship(foreign_keys=[current_revision_id],
                                                               post_update=True)
    applies_to: Mapped[list[Department]] = relationship(secondary=document_applies_to,
                                                        order_by=Department.name)

    @property
    def kind_label(self) -> str:
        return KINDS[self.kind]

    @property
    def is_published(self) -> bool:
        return self.current_revision_id is not None

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    @property
    def unit_kinds(self) -> tuple[str, ...]:
        """The unit types of the published version's "gäller för" (() = every type)."""
        return unit_kinds_of(self.current_revision.meta) if self.current_revision is not None else ()

    def __repr__(self) -> str:
        return f"<Document {self.slug}>"


def unit_kinds_of(meta: dict | None) -> tuple[str, ...]:
    """The unit types a version's "gäller för enhetstyper" names (`unit_kinds`); () means every type.
    Versions written before the field existed have no such key and so apply to every type."""
    return tuple((meta or {}).get("unit_kinds") or ())


def unit_kind_labels(kinds) -> list[str]:
    return [UNIT_KINDS.get(k, k) for k in kinds or []]


def scope_includes(department_ids, unit_kinds, unit) -> bool:
    """The one rule of who must adopt a routine: the unit's department is in "gäller för" and, when
    the version names unit types, the unit is of one of them."""
    return unit.department_id in department_ids and (not unit_kinds or unit.kind in unit_kinds)


# Readers see these instead of a command's label (the audit log and the API keep the label itself).
SYSTEM_AUTHOR_NAMES = {"innehall-import": "Handbokens grundtext (import)"}


class Revision(db.Model):
    """An immutable snapshot of a document's title, metadata and Markdown, numbered per document.

    Publishing stamps the publication fields once; content and rendering never change after insert.
    """

    __tablename__ = "revisions"
    __table_args__ = (UniqueConstraint("document_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    meta: Mapped[dict] = mapped_column(JSON, default=dict)
    html: Mapped[str] = mapped_column(Text)
    toc: Mapped[list] = mapped_column(JSON, default=list)
    based_on_number: Mapped[int | None]
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    author_label: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    save_note: Mapped[str] = mapped_column(String(500), default="")
    # Publication, stamped once.
    published_at: Mapped[datetime | None] = mapped_column(index=True)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    change_note: Mapped[str | None] = mapped_column(String(1000))
    substantial: Mapped[bool | None]

    document: Mapped[Document] = relationship(foreign_keys=[document_id])
    author = relationship("User", foreign_keys=[author_id], lazy="joined")
    published_by = relationship("User", foreign_keys=[published_by_id], lazy="joined")
    links: Mapped[list["RevisionLink"]] = relationship(cascade="all, delete-orphan")

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    @property
    def author_name(self) -> str:
        """Who wrote it, by name: the account's name, or for an account that is gone its stored label
        (an e-mail); work done by a command (portal.policy.SystemActor) is named in Swedish."""
        name = self.author.name if self.author is not None else None
        return name or SYSTEM_AUTHOR_NAMES.get(self.author_label, self.author_label)

    @property
    def is_first_published(self) -> bool:
        """Published with no published version before it (a document's drafts before its first publication
        do not count): there is nothing it changes."""
        if not self.is_published:
            return False
        if self.number == 1:
            return True
        earlier = db.session.scalar(select(Revision.id).where(
            Revision.document_id == self.document_id, Revision.number < self.number,
            Revision.published_at.is_not(None)).limit(1))
        return earlier is None

    @property
    def change_kind_label(self) -> str:
        if self.substantial is None:
            return "–"
        if self.is_first_published:  # nothing earlier to differ from: neither kind of change says anything
            return "Första versionen"
        return "Väsentlig ändring" if self.substantial else "Språklig ändring"

    def meta_date(self, key: str) -> date | None:
        value = (self.meta or {}).get(key)
        return date.fromisoformat(value) if value else None

    def __repr__(self) -> str:
        return f"<Revision {self.document_id}#{self.number}>"


IMMUTABLE_REVISION_FIELDS = ("document_id", "number", "title", "body", "meta", "html", "toc",
                             "based_on_number", "author_id", "created_at")
ONCE_FIELDS = ("published_at", "published_by_id", "change_note", "substantial")


@event.listens_for(Revision, "before_update")
def _revisions_are_immutable(mapper, connection, revision):
    state = db.inspect(revision)
    for name in IMMUTABLE_REVISION_FIELDS:
        if state.attrs[name].history.has_changes():
            raise RuntimeError(f"Revision {revision.id} is immutable ({name} changed)")
    for name in ONCE_FIELDS:
        history = state.attrs[name].history
        if history.has_changes() and any(v is not None for v in history.deleted):
            raise RuntimeError(f"Revision {revision.id} was already published ({name})")


class RevisionLink(db.Model):
    """An internal link from a revision to a document slug, for backlinks and broken-link reports."""

    __tablename__ = "revision_links"

    revision_id: Mapped[int] = mapped_column(ForeignKey("revisions.id", ondelete="CASCADE"),
                                             primary_key=True)
    target_slug: Mapped[str] = mapped_column(String(80), primary_key=True, index=True)


class SlugRedirect(db.Model):
    """An old address of a renamed document; /handbok/<old> redirects to the current slug."""

    __tablename__ = "slug_redirects"

    old_slug: Mapped[str] = mapped_column(String(80), primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DocumentChange(db.Model):
    """One row per change readers can see (publish, move, rename, archive), written in the change's
    own transaction. Search indexes on every worker follow this log from their own watermark."""

    __tablename__ = "document_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class ContentVersion(db.Model):
    """At most one row (id 1): a random token replaced in the same transaction as every change readers
    can see. A process that rendered pages under one token knows with one small read whether they are
    still current. A random token rather than a counter: a database restored from a backup cannot
    bring back a number that a running process has already seen with other content.

    The row is created by the first change (not by the migration: a restore needs empty tables)."""

    __tablename__ = "content_versions"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    token: Mapped[str] = mapped_column(String(32))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
