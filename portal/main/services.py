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
    urgent = {slug: db.session.scalar(select(Document).where(
        Document.slug == slug, Document.current_revision_id.is_not(None), Document.archived_at.is_(None)))
        for slug in (URGENT_SLUG, CONTACTS_SLUG)}
    return {"urgent": urgent[URGENT_SLUG], "contacts": urgent[CONTACTS_SLUG],
            "roots": handbook.tree(user), "recent": handbook.recent_changes(8),
            "todo": adoption.todo_for(user)}


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
