"""What the start page shows, and the health of the database and the search index."""
from pathlib import Path

from sqlalchemy import text

from portal.extensions import db


def start_page(user) -> dict:
    return {}


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
