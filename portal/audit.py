"""The audit log: record(actor, action, target, summary) and its table."""
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.clock import check_date, utcnow
from portal.extensions import db

# Swedish labels of the actions, for the admin's log page and its filter.
ACTIONS = {
    "auth.login": "Inloggning",
    "auth.login_failed": "Misslyckad inloggning",
    "auth.logout": "Utloggning",
    "auth.password_changed": "Bytt lösenord",
    "user.created": "Användare skapad",
    "user.disabled": "Användare inaktiverad",
    "user.enabled": "Användare aktiverad",
    "user.updated": "Användare ändrad",
    "user.password_set": "Nytt lösenord satt",
    "user.role_granted": "Roll tilldelad",
    "user.role_revoked": "Roll borttagen",
    "user.scope_changed": "Behörighetsomfång ändrat",
    "department.created": "Förvaltning skapad",
    "department.updated": "Förvaltning ändrad",
    "unit.created": "Enhet skapad",
    "unit.updated": "Enhet ändrad",
}


class AuditEvent(db.Model):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    # A copy of who it was, so the log stays readable whatever happens to the account later.
    actor_label: Mapped[str] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(60), index=True)
    target_type: Mapped[str] = mapped_column(String(40), index=True)
    target_id: Mapped[int | None]
    target_label: Mapped[str] = mapped_column(String(300), default="")
    summary: Mapped[str] = mapped_column(Text, default="")

    actor = relationship("User", lazy="joined")

    @property
    def action_label(self) -> str:
        return ACTIONS.get(self.action, self.action)


def register_action(action: str, label: str) -> None:
    """Domains add their own actions and labels at import time of their services."""
    ACTIONS[action] = label


def record(actor, action: str, target=None, summary: str = "", *, target_type: str | None = None,
           target_label: str | None = None) -> AuditEvent:
    """Add an audit event to the current transaction; the calling service commits it."""
    event = AuditEvent(
        actor_id=getattr(actor, "id", None),
        actor_label=getattr(actor, "email", None) or (actor if isinstance(actor, str) else "system"),
        action=action,
        target_type=target_type or (type(target).__name__.lower() if target is not None else "system"),
        target_id=getattr(target, "id", None),
        target_label=(target_label if target_label is not None else _label(target))[:300],
        summary=summary,
    )
    db.session.add(event)
    return event


def _label(target) -> str:
    if target is None:
        return ""
    for attr in ("email", "title", "name", "slug"):
        value = getattr(target, attr, None)
        if value:
            return str(value)
    return str(target)


TARGET_TYPES = {
    "user": "Användare",
    "department": "Förvaltning",
    "unit": "Enhet",
    "document": "Dokument",
    "revision": "Version",
    "adoption": "Införande",
    "synonyms": "Synonymer",
    "system": "System",
}


def search_events(*, q: str = "", action: str = "", target_type: str = "", from_date=None,
                  to_date=None, page: int = 1, per_page: int = 50):
    """The audit log, newest first, filtered; returns a Flask-SQLAlchemy pagination."""
    from datetime import timedelta

    from sqlalchemy import or_, select

    from portal.clock import day_start

    stmt = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if q:
        # % and _ are searched for as themselves (e-mail addresses often contain an underscore).
        like = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(or_(AuditEvent.actor_label.ilike(like, escape="\\"),
                              AuditEvent.target_label.ilike(like, escape="\\"),
                              AuditEvent.summary.ilike(like, escape="\\")))
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    if target_type:
        stmt = stmt.where(AuditEvent.target_type == target_type)
    for day, name in ((from_date, "from_date"), (to_date, "to_date")):
        if day:
            check_date(day, field=name)
    # Whole days where the portal's people are, as the log shows its times.
    if from_date:
        stmt = stmt.where(AuditEvent.at >= day_start(from_date))
    if to_date:
        stmt = stmt.where(AuditEvent.at < day_start(to_date + timedelta(days=1)))
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)
