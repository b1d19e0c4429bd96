"""Tables for user accounts, role grants and login throttling."""
import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, Column, ForeignKey, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.clock import utcnow
from portal.extensions import db
from portal.org.models import Department, Unit

# Every active account may read; these roles add to that. Order is the order shown in the UI.
ROLES = {
    "reader": "Läsare",
    "unit_head": "Rektor/enhetschef",
    "editor": "Redaktör",
    "admin": "Administratör",
}
GRANTABLE_ROLES = ("unit_head", "editor", "admin")

unit_heads = Table(
    "unit_heads",
    db.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("unit_id", ForeignKey("units.id", ondelete="CASCADE"), primary_key=True),
)

editor_departments = Table(
    "editor_departments",
    db.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("department_id", ForeignKey("departments.id", ondelete="CASCADE"), primary_key=True),
)


def new_session_token() -> str:
    return secrets.token_urlsafe(16)


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    # Part of the login cookie's identity: rotating it ends every open session of the account.
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]

    unit: Mapped[Unit | None] = relationship()
    grants: Mapped[list["RoleGrant"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )
    # Scopes load when a policy rule or a page asks for them (a reader's pages never do): loading
    # them with every user would cost two queries per request.
    headed_units: Mapped[list[Unit]] = relationship(secondary=unit_heads, order_by=Unit.name)
    editor_departments: Mapped[list[Department]] = relationship(
        secondary=editor_departments, order_by=Department.name)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    @property
    def roles(self) -> set[str]:
        return {"reader"} | {grant.role for grant in self.grants}

    def has_role(self, role: str) -> bool:
        return role in self.roles

    @property
    def role_labels(self) -> list[str]:
        return [label for role, label in ROLES.items() if role in self.roles]

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class RoleGrant(db.Model):
    __tablename__ = "role_grants"
    __table_args__ = (
        UniqueConstraint("user_id", "role"),
        CheckConstraint("role IN ('unit_head', 'editor', 'admin')", name="known_role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(back_populates="grants")


class LoginThrottle(db.Model):
    """Failed logins per e-mail address typed, whether or not an account has it (no enumeration)."""

    __tablename__ = "login_throttles"

    email: Mapped[str] = mapped_column(String(254), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    last_failure_at: Mapped[datetime]
