"""Restoring an old version over an unpublished draft asks first, naming the draft; without a pending
draft it stays one click."""
from portal import clock
from portal.extensions import db
from portal.handbook import services
from portal.handbook.models import Document
from tests.conftest import table_snapshot


def _with_colleagues_draft(make_document, make_user):
    document = make_document()
    published = services.save_draft(make_user("editor"), document, base_number=1, title=document.title,
                                    body="Version två.\n", meta=document.current_revision.meta)
    services.publish(document, published, make_user("editor"), "Två", False)
    colleague = make_user("editor", email="karin@test.se")
    colleague.name = "Karin Kollega"
    db.session.commit()
    draft = services.save_draft(colleague, document, base_number=2, title=document.title,
                                body="Karins utkast.\n", meta=document.current_revision.meta)
    return document, draft


def test_restore_over_a_colleagues_draft_shows_a_confirmation_and_changes_nothing(
        client, login_as, make_document, make_user):
    document, draft = _with_colleagues_draft(make_document, make_user)
    login_as("editor")
    before = table_snapshot()
    response = client.post("/handbok/orosanmalan/version/1/aterstall")
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert table_snapshot() == before
    assert "Återställ version 1 över ett opublicerat utkast?" in page
    assert (f"Version 3 är ett opublicerat utkast, sparat {clock.local(draft.created_at).strftime('%Y-%m-%d')}" in page
            and "av Karin Kollega" in page)
    assert "version 3 finns kvar i historiken" in page
    assert 'name="over_draft" type="hidden" value="3"' in page
    assert "Återställ version 1 ändå</button>" in page and 'href="/handbok/orosanmalan/historik">Avbryt' in page


def test_confirmed_restore_puts_the_old_version_on_top_and_keeps_the_draft(client, login_as, make_document,
                                                                          make_user):
    document, draft = _with_colleagues_draft(make_document, make_user)
    login_as("editor")
    response = client.post("/handbok/orosanmalan/version/1/aterstall", data={"over_draft": "3"})
    assert response.status_code == 302
    latest = services.latest_revision(db.session.get(Document, document.id))
    assert latest.number == 4 and latest.save_note == "Återställd från version 1"
    assert services.get_revision(latest.author, document, 3).body == "Karins utkast.\n"


def test_a_confirmation_for_an_older_draft_asks_again_about_the_newer_one(client, login_as, make_document,
                                                                         make_user):
    document, draft = _with_colleagues_draft(make_document, make_user)
    services.save_draft(draft.author, document, base_number=3, title=document.title, body="Karins andra.\n",
                        meta=draft.meta)
    login_as("editor")
    before = table_snapshot()
    response = client.post("/handbok/orosanmalan/version/1/aterstall", data={"over_draft": "3"})
    assert response.status_code == 409 and "Version 4 är ett opublicerat utkast" in response.get_data(as_text=True)
    assert table_snapshot() == before


def test_restore_over_ones_own_draft_also_asks(client, login_as, make_document):
    document = make_document()
    editor = login_as("editor")
    services.save_draft(editor, document, base_number=1, title=document.title, body="Mitt utkast.\n",
                        meta=document.current_revision.meta)
    response = client.post("/handbok/orosanmalan/version/1/aterstall")
    assert response.status_code == 409 and "av dig" in response.get_data(as_text=True)


def test_restore_without_a_pending_draft_is_one_click(client, login_as, make_document, make_user):
    document = make_document()
    services.publish(document, services.save_draft(make_user("editor"), document, base_number=1,
                                                   title=document.title, body="Två.\n",
                                                   meta=document.current_revision.meta),
                     make_user("editor"), "Två", False)
    login_as("editor")
    response = client.post("/handbok/orosanmalan/version/1/aterstall")
    assert response.status_code == 302 and response.headers["Location"] == "/handbok/orosanmalan/redigera"
    assert services.latest_revision(db.session.get(Document, document.id)).number == 3
