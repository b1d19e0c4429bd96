"""What the start page shows, and the health of the database and the search index."""
from sqlalchemy import select, text

from portal.adoption import services as adoption
from portal.extensions import db
from portal.handbook import services as handbook
from portal.handbook.models import Document
from portal.search import services as search
from portal.usercache import user_cache

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
    report["user_cache"] = user_cache_state()
    return report


def user_cache_state() -> dict:
    """What this worker's user cache rests on (portal/usercache.py, portal/changenotify.py). Never an
    error: without it every page reads its user from the database, which is slower, not wrong."""
    cache = user_cache()
    if cache is None:
        return {"status": "off"}
    if cache.listener is None:
        return {"status": "this machine", "detail": "Ändringar räknas på den här maskinen; andra maskiners "
                                                    "ändringar syns när de sparade användarna löper ut."}
    cache.listener.state()  # starts the listener in this process if it has not yet
    if cache.listener.listening:
        return {"status": "listening"}
    return {"status": "not listening", "detail": "Arbetsprocessen lyssnar inte efter ändringar just nu: "
                                                 "varje sida läser användaren från databasen."}
