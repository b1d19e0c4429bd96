"""API tokens (issue, revoke, authenticate) and the JSON shapes of documents, revisions, adoption."""
import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select

from portal import audit
from portal.adoption import services as adoption
from portal.api.models import ApiToken
from portal.auth.services import refuse_control_characters
from portal.clock import utcnow
from portal.errors import NotFound, ValidationError
from portal.extensions import db
from portal.handbook import services as handbook
from portal.handbook.markdown import without_editor_notes
from portal.policy import authorize, can

TOKEN_PREFIX = "svp_"

for _action, _label in {"api.token_issued": "API-nyckel utfärdad", "api.token_revoked": "API-nyckel återkallad"}.items():
    audit.register_action(_action, _label)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(actor, user, name: str) -> tuple[ApiToken, str]:
    """Create a token for `user`; the plain token is returned once and never stored."""
    authorize(actor, "admin.access")
    name = " ".join((name or "").split())
    if not name or len(name) > 100:
        raise ValidationError("Ge nyckeln ett namn (högst 100 tecken), t.ex. ”Rapportverktyg”.", field="name")
    refuse_control_characters(name, "name")
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, token_hash=_hash(plain), prefix=plain[:12],
                     created_by_label=getattr(actor, "email", str(actor)))
    db.session.add(token)
    db.session.flush()
    audit.record(actor, "api.token_issued", user, f"Nyckel ”{name}” ({token.prefix}…)")
    db.session.commit()
    return token, plain


def revoke_token(actor, token: ApiToken) -> bool:
    """Revoke the key; False (and nothing logged) when it was revoked already."""
    authorize(actor, "admin.access")
    if token.revoked_at is not None:
        return False
    token.revoked_at = utcnow()
    audit.record(actor, "api.token_revoked", token.user, f"Nyckel ”{token.name}” ({token.prefix}…)")
    db.session.commit()
    return True


def tokens_of(user) -> list[ApiToken]:
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)
                                   .order_by(ApiToken.created_at.desc())))


def get_token(token_id: int) -> ApiToken:
    token = db.session.get(ApiToken, token_id)
    if token is None:
        raise NotFound("API-nyckeln finns inte.")
    return token


def user_for_token(plain: str):
    """The active user behind a bearer token, or None; notes when it was last used."""
    if not plain.startswith(TOKEN_PREFIX) or len(plain) > 200:
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _hash(plain)))
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    if token.last_used_at is None or utcnow() - token.last_used_at > timedelta(minutes=5):
        token.last_used_at = utcnow()
        db.session.commit()
    return token.user


# --- Documents and routines at an address ------------------------------------------------------

def _at_address(slug: str):
    """handbook.find_document, with (None, False) where nothing is or was at the slug."""
    try:
        return handbook.find_document(slug)
    except NotFound:
        return None, False


def find_document(user, slug: str):
    """The published document at `slug`, or at an old slug it was renamed from (second value True).

    One NotFound for every document the caller may not read through the API (none at all, a draft,
    an archived one), whether asked for by its slug or an old one: an old address reveals nothing.
    """
    document, moved = _at_address(slug)
    if document is None or not document.is_published or document.is_archived \
            or not handbook.visible_to(user, document):
        raise NotFound("Dokumentet finns inte.")
    return document, moved


def find_routine(slug: str):
    """The followed-up routine at `slug`, or at an old slug it was renamed from (second value True);
    NotFound alike for any address of a routine no unit adopts."""
    document, moved = _at_address(slug)
    return adoption.get_routine(document.slug if moved else slug), moved


# --- JSON shapes ----------------------------------------------------------------------------------

def document_summary(document) -> dict:
    revision = document.current_revision
    return {"slug": document.slug, "title": document.title, "kind": document.kind,
            "department": document.department.name, "parent": document.parent.slug if document.parent else None,
            "version": revision.number if revision else None,
            "published_at": revision.published_at.isoformat() + "Z" if revision else None,
            "url": f"/handbok/{document.slug}"}


def revision_json(user, revision, *, content: bool) -> dict:
    """A version as JSON; with content its metadata, Markdown and HTML. The Markdown keeps the notes to
    the editors only for those who may read the source (as the compare page's source view)."""
    data = {"version": revision.number, "title": revision.title, "published": revision.is_published,
            "published_at": revision.published_at.isoformat() + "Z" if revision.published_at else None,
            "created_at": revision.created_at.isoformat() + "Z", "author": revision.author_label,
            "change_note": revision.change_note,
            "change_kind": None if revision.substantial is None else ("substantial" if revision.substantial else "minor")}
    if content:
        markdown = revision.body if can(user, "document.read_source", revision.document) \
            else without_editor_notes(revision.body)
        data.update({"metadata": revision.meta, "markdown": markdown, "html": revision.html})
    return data


def list_documents(user) -> list[dict]:
    return [document_summary(d) for d in handbook.list_documents(include_archived=False)
            if d.is_published]


def adoption_rows(user, routine=None, unit_id: int | None = None) -> list[dict]:
    rows = adoption.visible_statuses(user, [routine] if routine is not None else None)
    if unit_id is not None:
        rows = [s for s in rows if s.unit.id == unit_id]
    return [{"routine": s.document.slug, "routine_title": s.document.title, "current_version": s.revision.number,
             "department": s.unit.department.name, "unit_id": s.unit.id, "unit": s.unit.name, "status": s.status,
             "status_label": s.label, "items_done": s.done, "items_total": s.total,
             "confirmed_version": s.confirmation.revision_number if s.confirmation else None,
             "confirmed_at": s.confirmation.confirmed_at.isoformat() + "Z" if s.confirmation else None,
             "deadline": s.deadline.isoformat() if s.deadline else None, "overdue": s.overdue}
            for s in sorted(rows, key=lambda s: (s.document.slug, s.unit.department.name, s.unit.name))]
