"""What the start page shows, and the health of the database and the search index."""
from sqlalchemy import select, text

from portal.adoption import services as adoption
from portal.extensions import db
from portal.handbook import services as handbook
from portal.handbook.models import Document
from portal.search import services as search

# The routine a worried member of staff needs first; the start page links to it in one click.
URGENT_SLUG = "orosanmalan"
CONTACTS_SLUG = "kontaktvagar"


def start_page(user) -> dict:
    """What the start page shows everyone who sees the same handbook as `user`: the urgent routine and
    the contacts, the top of the tree and the recent changes (the page caches it per content version)."""
    urgent = {document.slug: document for document in db.session.scalars(select(Document).where(
        Document.slug.in_((URGENT_SLUG, CONTACTS_SLUG)), Document.current_revision_id.is_not(None),
        Document.archived_at.is_(None)))}
    return {"urgent": urgent.get(URGENT_SLUG), "contacts": urgent.get(CONTACTS_SLUG),
            "roots": handbook.tree(user), "recent": handbook.recent_changes(8)}


def todo_for(user) -> list:
    """The user's own items on the start page: what their units must act on now."""
    return adoption.todo_for(user)


def health(config) -> dict:
    report = {"status": "ok", "database": {"status": "ok"}, "search_index": {"status": "ok"}}
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as error:  # any driver error means the database is unreachable
        db.session.rollback()
        report["database"] = {"status": "error", "detail": type(error).__name__}
        report["status"] = "error"
    if report["database"]["status"] == "ok":
        report["search_index"] = search.status()
    else:
        report["search_index"] = {"status": "unknown", "detail": "Databasen svarar inte."}
    return report
