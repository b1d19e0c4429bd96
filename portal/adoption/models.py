"""Tables for a unit's adoption of a routine: checklist progress and version-bound confirmations."""
import hashlib
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.clock import utcnow
from portal.extensions import db
from portal.handbook.models import Document
from portal.org.models import Unit


def item_key(text: str) -> str:
    """Progress follows an item's text: unchanged text keeps its progress across versions."""
    return hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()[:40]


class Adoption(db.Model):
    """One unit's work on one routine; created at the first tick or confirmation."""

    __tablename__ = "adoptions"
    __table_args__ = (UniqueConstraint("document_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    document: Mapped[Document] = relationship()
    unit: Mapped[Unit] = relationship()
    items: Mapped[list["ItemProgress"]] = relationship(back_populates="adoption", lazy="selectin")
    confirmations: Mapped[list["Confirmation"]] = relationship(
        back_populates="adoption", order_by="Confirmation.confirmed_at", lazy="selectin")

    @property
    def label(self) -> str:
        return f"{self.document.title} – {self.unit.name}"


class ItemProgress(db.Model):
    __tablename__ = "adoption_items"
    __table_args__ = (UniqueConstraint("adoption_id", "item_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    adoption_id: Mapped[int] = mapped_column(ForeignKey("adoptions.id"), index=True)
    item_key: Mapped[str] = mapped_column(String(40))
    item_text: Mapped[str] = mapped_column(Text)
    done: Mapped[bool] = mapped_column(default=False)
    comment: Mapped[str] = mapped_column(Text, default="")
    revision_number: Mapped[int]
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_by_label: Mapped[str] = mapped_column(String(254))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    adoption: Mapped[Adoption] = relationship(back_populates="items")


class Confirmation(db.Model):
    """"Rutinen är införd", bound to the version the unit head confirmed. Never changed afterwards."""

    __tablename__ = "adoption_confirmations"
    # A unit confirms a version once: a double submit must find the first confirmation, not add one.
    __table_args__ = (UniqueConstraint("adoption_id", "revision_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    adoption_id: Mapped[int] = mapped_column(ForeignKey("adoptions.id"), index=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("revisions.id"))
    revision_number: Mapped[int]
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    confirmed_by_label: Mapped[str] = mapped_column(String(254))
    confirmed_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    items_done: Mapped[int]
    items_total: Mapped[int]
    # Required when items are left undone: why the unit still counts the routine as adopted.
    reason: Mapped[str] = mapped_column(Text, default="")

    adoption: Mapped[Adoption] = relationship(back_populates="confirmations")
    confirmed_by = relationship("User", lazy="joined")


class AdoptionDeadline(db.Model):
    """"Införas senast" for a routine, set by its editors."""

    __tablename__ = "adoption_deadlines"

    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True)
    deadline: Mapped[date] = mapped_column(Date)
    set_by_label: Mapped[str] = mapped_column(String(254))
    set_at: Mapped[datetime] = mapped_column(default=utcnow)
