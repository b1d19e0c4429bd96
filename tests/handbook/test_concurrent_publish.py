"""Publishes of one draft that race each other: the first one wins, a published revision never changes."""
import threading

import pytest
from sqlalchemy import func, select

from portal.audit import AuditEvent
from portal.errors import EditConflict
from portal.extensions import db
from portal.handbook import services
from portal.handbook.models import Document, Revision
from tests.conftest import PASSWORD, table_snapshot


def _draft(document, system):
    return services.save_draft(system, document, base_number=document.latest_number, title=document.title,
                               body="Ny text i version 2.\n", meta=document.current_revision.meta)


def _published_events(document) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "document.published", AuditEvent.target_id == document.id))


def test_publishing_a_revision_someone_just_published_is_a_conflict_and_changes_nothing(
        app, make_document, system):
    document = make_document()
    draft = _draft(document, system)
    assert not draft.is_published  # this request has read the draft …
    with app.app_context():  # … while another request publishes it and commits
        other = db.session.get(Document, document.id)
        services.publish(other, services.latest_revision(other), system, "Den första", True)
        before = table_snapshot()
    with pytest.raises(EditConflict) as conflict:
        services.publish(document, draft, system, "Den andra", False)
    assert "Version 2 har redan publicerats" in conflict.value.message
    db.session.rollback()
    assert table_snapshot() == before
    revision = db.session.scalar(select(Revision).where(Revision.document_id == document.id,
                                                        Revision.number == 2))
    assert (revision.change_note, revision.substantial) == ("Den första", True)


def test_a_second_publish_post_of_the_same_draft_changes_nothing(client, login_as, make_document, system):
    document = make_document()
    _draft(document, system)
    login_as("editor")
    data = {"number": "2", "change_note": "Väsentlig ändring av rutinen", "change_kind": "substantial"}
    assert client.post("/handbok/orosanmalan/publicera", data=data).status_code == 302
    before = table_snapshot()
    response = client.post("/handbok/orosanmalan/publicera",
                           data={"number": "2", "change_note": "Bara språket", "change_kind": "minor"})
    assert response.status_code == 302
    assert table_snapshot() == before
    revision = db.session.get(Document, document.id).current_revision
    assert (revision.number, revision.change_note, revision.substantial) == (2, "Väsentlig ändring av rutinen", True)


def test_simultaneous_publish_posts_publish_once(app, make_document, make_user, system, monkeypatch):
    # Real threads, each request with its own app context, session and connection (PostgreSQL: row
    # locks; SQLite file: serialised writers), as under several gunicorn workers.
    document = make_document()
    _draft(document, system)
    editor = make_user("editor")
    clients = []
    for _ in range(4):
        client = app.test_client()
        client.post("/logga-in", data={"email": editor.email, "password": PASSWORD})
        clients.append(client)
    # Every request has read the draft as unpublished before any of them publishes.
    barrier = threading.Barrier(len(clients), timeout=20)
    original = services.publish

    def publish_after_all_have_read(*args, **kwargs):
        barrier.wait()
        return original(*args, **kwargs)

    monkeypatch.setattr(services, "publish", publish_after_all_have_read)
    choices = [("substantial", "Väsentlig 0"), ("minor", "Språklig 1"), ("minor", "Språklig 2"),
               ("minor", "Språklig 3")]
    results = [None] * len(clients)

    def post(i):
        kind, note = choices[i]
        response = clients[i].post("/handbok/orosanmalan/publicera",
                                   data={"number": "2", "change_note": note, "change_kind": kind})
        results[i] = (response.status_code, response.get_data(as_text=True))

    threads = [threading.Thread(target=post, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    statuses = sorted(status for status, _ in results)
    assert statuses == [302, 409, 409, 409]
    winner = next(i for i, (status, _) in enumerate(results) if status == 302)
    assert all("Version 2 har redan publicerats" in page for status, page in results if status == 409)
    db.session.expire_all()
    revision = db.session.get(Document, document.id).current_revision
    kind, note = choices[winner]
    assert (revision.number, revision.change_note, revision.substantial) == (2, note, kind == "substantial")
    assert _published_events(document) == 2  # version 1 and version 2, once each
