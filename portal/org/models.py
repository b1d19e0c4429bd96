"""Tables for departments and units."""
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from portal.clock import utcnow
from portal.extensions import db

UNIT_KINDS = {
    "skola": "Skola",
    "forskola": "Förskola",
    "fritidsgard": "Fritidsgård",
    "socialtjanst": "Socialtjänstens enhet",
    "elevhalsa": "Elevhälsa",
    "annan": "Annan enhet",
}


def name_key(name: str) -> str:
    """What makes two names the same name to people: the letters, whatever their case (å ä ö
    included) and spacing. The database keeps it beside the name and refuses a second department,
    or a second unit in one department, with the same key (SQL's own lower() folds only ASCII in
    SQLite), so two admins saving "Ekbackens skola" and "ekbackens skola" at once cannot both win."""
    return " ".join(name.split()).casefold()


def _key_of_inserted_name(context) -> str:
    # Rows inserted without the ORM (a Core insert) get their key from their name as well.
    return name_key(context.get_current_parameters()["name"])


# casefold() may lengthen a name (ß -> ss), never more than three times.
_KEY_LENGTH = 600


class Department(db.Model):
    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    name_key: Mapped[str] = mapped_column(String(_KEY_LENGTH), index=True, unique=True,
                                          default=_key_of_inserted_name)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    units: Mapped[list["Unit"]] = relationship(
        back_populates="department", order_by="Unit.name", cascade="save-update, merge"
    )
    former_names: Mapped[list["DepartmentFormerName"]] = relationship(
        back_populates="department", order_by="DepartmentFormerName.renamed_at",
        cascade="all, delete-orphan"
    )

    @validates("name")
    def _keep_name_key(self, _key, value):
        self.name_key = name_key(value)
        return value

    def __repr__(self) -> str:
        return f"<Department {self.code}>"


class DepartmentFormerName(db.Model):
    """A name a department had before a rename. Documents refer to departments by name (owner and
    "gäller för" in immutable revisions, front matter of innehall/ files kept in git), so an old
    name must keep leading to the department; and no other department may take it."""

    __tablename__ = "department_former_names"

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    renamed_at: Mapped[datetime] = mapped_column(default=utcnow)

    department: Mapped[Department] = relationship(back_populates="former_names")


class Unit(db.Model):
    __tablename__ = "units"
    __table_args__ = (UniqueConstraint("department_id", "name"),
                      Index("ix_units_department_id_name_key", "department_id", "name_key", unique=True))

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(_KEY_LENGTH), default=_key_of_inserted_name)
    kind: Mapped[str] = mapped_column(String(30), default="annan")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    department: Mapped[Department] = relationship(back_populates="units")

    @validates("name")
    def _keep_name_key(self, _key, value):
        self.name_key = name_key(value)
        return value

    @property
    def kind_label(self) -> str:
        return UNIT_KINDS.get(self.kind, self.kind)

    @property
    def name_with_department(self) -> str:
        """The unit as lists, scopes and the log name it: two departments may have units of the
        same name ("Ekbackens skola (Bildningsförvaltningen)")."""
        return f"{self.name} ({self.department.name})"

    def __repr__(self) -> str:
        return f"<Unit {self.name}>"


class UnitActivation(db.Model):
    """A unit made inactive or active again, and when: follow-up at a past date lists the units
    that were active then. A unit is active from its creation until its first change here.
    (Changes before migration 0010 were taken over from the audit log.)"""

    __tablename__ = "unit_activations"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    active: Mapped[bool]
    at: Mapped[datetime] = mapped_column(default=utcnow)
