"""Search in the portal: the index follows the database, the results page, suggestions, synonyms."""
import os
import re
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from config import TestConfig
from portal import create_app
from portal.audit import AuditEvent
from portal.extensions import db
from portal.handbook import services as handbook
from portal.handbook.models import DocumentChange
from portal.search import engine, services
from portal.search.models import SynonymList
from tests.conftest import table_snapshot


@pytest.fixture
def reader(login_as):
    return login_as("reader")


def publish_new_version(document, system, body):
    draft = handbook.save_draft(system, document, title=document.title, body=body,
                                meta=handbook.latest_revision(document).meta,
                                base_number=document.latest_number)
    handbook.publish(document, draft, system, "Ny text", False)


# --- The index follows the database ---------------------------------------------------------------


def test_a_published_document_is_found_at_once(make_document, reader, hits):
    make_document()
    assert hits("orosanmälan") == ["orosanmalan"]


def test_drafts_are_never_found(make_document, reader, hits, system):
    make_document("utkast", "Hemlig rutin om skolskjuts", publish=False)
    document = make_document("franvaro", "Frånvaro", body="Om frånvaro.")
    handbook.save_draft(system, document, title="Frånvaro", body="Nytt utkast om skolskjuts.",
                        meta=handbook.latest_revision(document).meta, base_number=document.latest_number)
    assert hits("skolskjuts") == []
    assert hits("frånvaro") == ["franvaro"]


def test_a_new_version_replaces_the_old_text(make_document, reader, hits, system):
    document = make_document("franvaro", "Frånvaro", body="Om ogiltig frånvaro.")
    publish_new_version(document, system, "Om hemmasittare och långvarig frånvaro.")
    assert hits("ogiltig") == []
    assert hits("långvarig") == ["franvaro"]


def test_archived_documents_leave_search(make_document, reader, hits, system):
    document = make_document()
    handbook.set_archived(system, document, True)
    assert hits("orosanmälan") == []
    handbook.set_archived(system, document, False)
    assert hits("orosanmälan") == ["orosanmalan"]


def test_a_renamed_document_is_found_at_its_new_address(make_document, reader, hits, system):
    document = make_document()
    handbook.rename_slug(system, document, "anmal-oro")
    assert hits("orosanmälan") == ["anmal-oro"]


def test_another_worker_catches_up_from_the_database(app, make_document, system, tmp_path):
    """A second process with an index of its own finds what the first one published."""
    make_document("franvaro", "Frånvaro", body="Om frånvaro.")

    other = create_app(_config_like(app, tmp_path / "annat-index"))
    with other.app_context():
        assert _slugs(services.run_search("frånvaro")) == ["franvaro"]
    make_document("sip", "SIP", body="Samordnad individuell plan.")
    with other.app_context():
        services._state().checked = 0.0
        assert _slugs(services.run_search("samordnad")) == ["sip"]
        assert services.status()["pending_changes"] == 0


def test_a_late_committed_change_inside_the_rescan_window_is_applied(app, make_document, system):
    document = make_document("franvaro", "Frånvaro", body="Om frånvaro.")
    ix = services.get_index()
    # Simulate a change that committed after the index had moved its watermark past its id.
    engine.replace(ix, [document.id], [])
    engine.write_watermark(ix, db.session.scalar(select(func.max(DocumentChange.id))) + 5)
    db.session.add(DocumentChange(document_id=document.id))
    db.session.commit()
    services._state().checked = 0.0
    assert _slugs(services.run_search("frånvaro")) == ["franvaro"]


def test_a_replaced_database_makes_the_index_rebuild(app, make_document):
    make_document()
    ix = services.get_index()
    engine.write_watermark(ix, 10_000)  # the index saw more changes than this database has
    services._state().checked = 0.0
    assert _slugs(services.run_search("orosanmälan")) == ["orosanmalan"]
    assert engine.read_watermark(services.get_index()) < 10_000


def test_a_deleted_index_is_rebuilt_from_the_database(app, make_document, reader, hits):
    make_document()
    assert hits("orosanmälan") == ["orosanmalan"]
    shutil.rmtree(Path(app.config["SEARCH_INDEX_DIR"]).resolve())
    assert hits("orosanmälan") == ["orosanmalan"]


def test_a_large_damaged_index_is_rebuilt_in_the_background(app, client, make_document, reader):
    make_document()
    make_document("kontaktvagar", "Kontaktvägar", body="Socialjouren efter kontorstid.")
    services.get_index()
    app.config["SEARCH_SYNC_REBUILD_LIMIT"] = 0  # as if the handbook were too big to rebuild now
    for segment in Path(app.config["SEARCH_INDEX_DIR"]).resolve().glob("*.seg"):
        segment.write_bytes(b"garbage")
    services._state().checked = 0.0
    response = client.get("/sok?q=orosanmälan")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "byggs om" in html
    assert "/handbok/orosanmalan" in html  # titles are still searched in the database
    health = client.get("/healthz").get_json()
    assert health["status"] == "ok"
    services.wait_for_rebuild()
    assert client.get("/healthz").get_json()["search_index"]["status"] == "ok"
    assert 'id="sokresultat"' in client.get("/sok?q=orosanmälan").get_data(as_text=True)


def test_reindex_command(app, make_document):
    make_document()
    shutil.rmtree(Path(app.config["SEARCH_INDEX_DIR"]).resolve(), ignore_errors=True)
    result = app.test_cli_runner().invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    assert "1 dokument" in result.output
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "search.reindexed"))
    status = app.test_cli_runner().invoke(args=["search", "status"])
    assert "documents: 1" in status.output


def test_healthz_reports_the_index(app, client, make_document):
    make_document()
    services.get_index()
    report = client.get("/healthz").get_json()
    assert report["search_index"]["status"] == "ok"
    assert report["search_index"]["documents"] == 1
    # The test app keeps users and counts changes on this machine only (CHANGE_NOTIFY off).
    assert report["user_cache"]["status"] == "this machine"


def _config_like(app, index_dir):
    """The test app's settings with an index folder of its own: another worker or machine."""
    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]
        SEARCH_INDEX_DIR = str(index_dir)

    return Config


def _slugs(outcome):
    assert outcome.result is not None, outcome.unavailable
    return [hit.slug for hit in outcome.result.hits]


def test_a_document_moved_to_another_department_is_filtered_by_its_new_one(
        make_document, reader, hits, system, organisation):
    document = make_document(department=organisation["social_dept"])
    # A routine that stays, so that the old department and kind are still filter values.
    make_document("kvar", "Kvar hos socialtjänsten", body="Annan text.", department=organisation["social_dept"],
                  meta={"tags": ["annat"]})
    handbook.update_structure(system, document, parent=None, position=document.position,
                              kind="agreement", department=organisation["school_dept"])
    assert hits("orosanmälan", forvaltning="Bildningsförvaltningen", typ="agreement") == ["orosanmalan"]
    assert hits("orosanmälan", forvaltning="Socialförvaltningen") == []
    assert hits("orosanmälan", typ="routine") == []


def test_damaged_segments_are_reported_and_rebuilt_without_an_error(app, client, make_document, reader, system):
    document = make_document()
    client.get("/sok?q=orosanmälan")  # the index is built and this worker has a searcher open
    for segment in Path(app.config["SEARCH_INDEX_DIR"]).resolve().glob("*.seg"):
        segment.write_bytes(os.urandom(segment.stat().st_size))
    assert client.get("/healthz").get_json()["search_index"]["status"] == "unavailable"
    # A publish makes the next search write to the damaged index before it reads.
    publish_new_version(document, system, "Orosanmälan görs genast. Ny version.")
    services._state().checked = 0.0
    response = client.get("/sok?q=orosanmälan")
    assert response.status_code == 200
    assert 'href="/handbok/orosanmalan"' in response.get_data(as_text=True)
    services.wait_for_rebuild()
    assert client.get("/healthz").get_json()["search_index"]["status"] == "ok"
