"""What the start page shows, and the health of the database and the search index."""
from pathlib import Path

from sqlalchemy import select, text

from portal.adoption import services as adoption
from portal.extensions import db
from portal.handbook import services as handbook
from portal.handbook.models import Document

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
    index_dir = Path(config["SEARCH_INDEX_DIR"])
    if not index_dir.exists():
        report["search_index"] = {"status": "missing", "detail": "Index saknas; kör flask search reindex."}
    return report
