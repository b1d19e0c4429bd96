"""A published document is never placed under a never-published draft, and no reader's breadcrumb
leads to a draft (a document published under a draft parent is shown at the top, as in the tree)."""
from sqlalchemy import select

from portal.extensions import db
from portal.handbook import services
from portal.handbook.models import Document
from tests.conftest import table_snapshot


def _doc(slug):
    return db.session.scalar(select(Document).where(Document.slug == slug))


def _structure(parent, document):
    return {"struktur-parent": str(parent.id), "struktur-position": "5", "struktur-kind": document.kind,
            "struktur-department": str(document.department_id)}


def test_a_published_document_cannot_be_moved_under_a_never_published_draft(client, login_as, make_document):
    draft = make_document("nytt-avsnitt", "Nytt avsnitt", kind="section", body="Text.\n", publish=False)
    document = make_document()
    login_as("editor")
    settings = client.get("/handbok/orosanmalan/installningar").get_data(as_text=True)
    assert "Nytt avsnitt (nytt-avsnitt) – ej publicerad</option>" in settings
    before = table_snapshot()
    response = client.post("/handbok/orosanmalan/installningar", data=_structure(draft, document))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "”Nytt avsnitt” är inte publicerat än, och ett publicerat dokument kan inte ligga under ett " \
           "opublicerat" in page and "Publicera ”Nytt avsnitt” först, eller välj en annan placering." in page
    assert table_snapshot() == before
    assert _doc("orosanmalan").parent_id is None


def test_a_draft_may_be_placed_under_a_draft_and_a_published_document_under_a_published_one(
        client, login_as, make_document):
    draft_parent = make_document("nytt-avsnitt", "Nytt avsnitt", kind="section", body="Text.\n", publish=False)
    draft = make_document("ny-rutin", "Ny rutin", publish=False)
    published_parent = make_document("avsnitt", "Avsnitt", kind="section", body="Text.\n")
    document = make_document()
    login_as("editor")
    assert client.post("/handbok/ny-rutin/installningar", data=_structure(draft_parent, draft)).status_code == 302
    assert client.post("/handbok/orosanmalan/installningar",
                       data=_structure(published_parent, document)).status_code == 302
    assert _doc("ny-rutin").parent_id == draft_parent.id and _doc("orosanmalan").parent_id == published_parent.id


def test_readers_breadcrumbs_stop_below_an_unpublished_parent(client, login_as, make_document, system):
    draft_parent = make_document("nytt-avsnitt", "Nytt avsnitt", kind="section", body="Text.\n", publish=False)
    child = make_document(parent=draft_parent, publish=False)
    services.publish(child, services.latest_revision(child), system, "Första", False)
    login_as("reader")
    for url in ("/handbok/orosanmalan", "/handbok/orosanmalan/historik", "/handbok/orosanmalan/version/1"):
        page = client.get(url).get_data(as_text=True)
        assert "/handbok/nytt-avsnitt" not in page and "Nytt avsnitt" not in page, url
    assert client.get("/handbok/nytt-avsnitt").status_code == 404


def test_editors_who_may_see_the_draft_parent_still_see_it_in_the_trail(client, login_as, make_document, system):
    draft_parent = make_document("nytt-avsnitt", "Nytt avsnitt", kind="section", body="Text.\n", publish=False)
    child = make_document(parent=draft_parent, publish=False)
    services.publish(child, services.latest_revision(child), system, "Första", False)
    login_as("editor")
    assert '<a href="/handbok/nytt-avsnitt">Nytt avsnitt</a>' in client.get("/handbok/orosanmalan").get_data(
        as_text=True)
