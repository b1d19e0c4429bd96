"""Organising the handbook: move, rename with redirects, archive, and the editor's overview."""
from datetime import timedelta

from sqlalchemy import select

from portal import clock
from portal.extensions import db
from portal.handbook import services
from portal.handbook.models import Document, SlugRedirect
from tests.conftest import table_snapshot


def _doc(slug):
    return db.session.scalar(select(Document).where(Document.slug == slug))


def test_rename_slug_redirects_old_addresses_including_subpages(client, login_as, make_document):
    make_document()
    login_as("editor")
    response = client.post("/handbok/orosanmalan/installningar", data={"adress-slug": "anmal-oro"})
    assert response.status_code == 302
    assert _doc("anmal-oro") is not None and db.session.get(SlugRedirect, "orosanmalan") is not None
    old = client.get("/handbok/orosanmalan")
    assert old.status_code == 301 and old.headers["Location"] == "/handbok/anmal-oro"
    assert client.get("/handbok/orosanmalan/historik").headers["Location"] == "/handbok/anmal-oro/historik"
    assert client.get("/handbok/orosanmalan/jamfor?fran=1&till=1").headers["Location"] == \
        "/handbok/anmal-oro/jamfor?fran=1&till=1"


def test_renaming_back_to_an_old_address_works(client, login_as, make_document):
    make_document()
    login_as("editor")
    client.post("/handbok/orosanmalan/installningar", data={"adress-slug": "anmal-oro"})
    client.post("/handbok/anmal-oro/installningar", data={"adress-slug": "orosanmalan"})
    assert client.get("/handbok/orosanmalan").status_code == 200
    assert client.get("/handbok/anmal-oro").headers["Location"] == "/handbok/orosanmalan"


def test_rename_cannot_take_another_documents_address_or_old_address(client, login_as, make_document):
    make_document()
    make_document("sip", "SIP", body="SIP.\n")
    login_as("editor")
    client.post("/handbok/sip/installningar", data={"adress-slug": "samordnad-plan"})
    before = table_snapshot()
    for taken in ("samordnad-plan", "sip"):  # the other document's current and old address
        response = client.post("/handbok/orosanmalan/installningar", data={"adress-slug": taken})
        assert response.status_code == 400 and "används redan" in response.get_data(as_text=True)
    assert table_snapshot() == before


def test_move_document_in_tree_and_refuse_cycles(client, login_as, make_document):
    parent = make_document("avsnitt", "Avsnitt", kind="section", body="Text.\n")
    child = make_document()
    login_as("editor")
    data = {"struktur-parent": str(parent.id), "struktur-position": "5", "struktur-kind": "routine",
            "struktur-department": str(child.department_id)}
    assert client.post("/handbok/orosanmalan/installningar", data=data).status_code == 302
    child = _doc("orosanmalan")
    assert child.parent_id == parent.id and child.position == 5
    before = table_snapshot()
    cycle = {**data, "struktur-parent": str(child.id), "struktur-department": str(parent.department_id),
             "struktur-kind": "section"}
    response = client.post("/handbok/avsnitt/installningar", data=cycle)
    assert response.status_code == 400
    assert "Ett dokument kan inte ligga under ett av sina egna underdokument." in response.get_data(as_text=True)
    assert table_snapshot() == before
    crumbs = client.get("/handbok/orosanmalan").get_data(as_text=True)
    assert '<li><a href="/handbok/avsnitt">Avsnitt</a></li>' in crumbs


def test_archive_removes_from_tree_but_keeps_history_and_page(client, login_as, make_document):
    make_document()
    login_as("editor")
    assert client.post("/handbok/orosanmalan/arkivera").status_code == 302
    document = _doc("orosanmalan")
    assert document.archived_at is not None and document.current_revision is not None
    assert "Orosanmälan" not in client.get("/handbok").get_data(as_text=True)
    assert "/handbok/orosanmalan" not in client.get("/").get_data(as_text=True)
    page = client.get("/handbok/orosanmalan").get_data(as_text=True)
    assert "Arkiverat dokument." in page
    assert client.get("/handbok/orosanmalan/historik").status_code == 200
    assert client.get("/handbok/orosanmalan/redigera").status_code == 302  # sent to settings
    assert client.post("/handbok/orosanmalan/ateruppta").status_code == 302
    assert _doc("orosanmalan").archived_at is None


def test_archive_refuses_a_document_with_children_and_names_them(client, login_as, make_document, system,
                                                                  organisation):
    parent = make_document("avsnitt", "Avsnitt", kind="section", body="Text.\n")
    make_document(parent=parent)
    login_as("editor")
    before = table_snapshot()
    response = client.post("/handbok/avsnitt/arkivera", follow_redirects=True)
    assert ("Dokumentet har ett underdokument: ”Orosanmälan – när och hur” (/handbok/orosanmalan). "
            "Flytta eller arkivera det först.") in response.get_data(as_text=True)
    assert _doc("avsnitt").archived_at is None and table_snapshot() == before
    # A child that is only a draft is not in the tree: the message says so, or the editor could not find it.
    services.add_document(system, slug="utkast-barn", title="Nytt avsnitt", kind="section", body="Utkast.\n",
                          department=organisation["social_dept"], parent=_doc("avsnitt"))
    db.session.commit()
    page = client.post("/handbok/avsnitt/arkivera", follow_redirects=True).get_data(as_text=True)
    assert ("Dokumentet har underdokument: ”Orosanmälan – när och hur” (/handbok/orosanmalan) och "
            "”Nytt avsnitt” (/handbok/utkast-barn, bara ett utkast). Flytta eller arkivera dem först.") in page
    assert _doc("avsnitt").archived_at is None


def test_editor_overview_lists_documents_due_for_review(client, login_as, make_document):
    today = clock.today()
    make_document("forsenad", "Försenad rutin", meta={"review_by": (today - timedelta(days=3)).isoformat()})
    make_document("snart", "Snart dags", meta={"review_by": (today + timedelta(days=30)).isoformat()})
    make_document("langt-bort", "Långt bort", meta={"review_by": (today + timedelta(days=200)).isoformat()})
    login_as("editor")
    page = client.get("/redaktor").get_data(as_text=True)
    assert "Försenad rutin" in page and "Försenad 3 dagar" in page
    assert "Snart dags" in page and "Om 30 dagar" in page
    assert "Långt bort" not in page


def test_editor_overview_lists_broken_internal_links(client, login_as, make_document, system):
    make_document("sip", "SIP", body="SIP.\n")
    make_document("orosanmalan", body="Se [SIP](sip), [saknas](finns-inte) och [BUS](bus).\n")
    make_document("bus", "BUS", body="BUS.\n", publish=False)
    login_as("editor")
    page = client.get("/redaktor").get_data(as_text=True)
    assert "<code>finns-inte</code></td><td>Dokumentet finns inte" in page
    assert "<code>bus</code></td><td>Dokumentet är inte publicerat" in page
    assert "<code>sip</code>" not in page


def test_unpublished_drafts_are_listed_for_editors(client, login_as, make_document, system):
    document = make_document()
    services.save_draft(system, document, base_number=1, title="Arbetstitel", body="Utkast.\n",
                        meta=document.current_revision.meta)
    login_as("editor")
    page = client.get("/redaktor").get_data(as_text=True)
    assert "Arbetstitel</a> – version 2" in page


def test_settings_offer_only_departments_the_editor_may_use(client, login_as, make_document, organisation):
    """An editor of one department sees it (and the document's own) as owners; another department
    posted anyway is a field message with the form kept, not a bare 403, and changes nothing."""
    make_document()  # owned by the social department, which the default editor edits
    login_as("editor")
    page = client.get("/handbok/orosanmalan/installningar").get_data(as_text=True)
    owners = page.split('name="struktur-department"', 1)[1].split("</select>", 1)[0]
    assert organisation["social_dept"].name in owners and organisation["school_dept"].name not in owners
    before = table_snapshot()
    response = client.post("/handbok/orosanmalan/installningar", data={
        "struktur-parent": "0", "struktur-position": "7", "struktur-kind": "routine",
        "struktur-department": str(organisation["school_dept"].id)})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'id="struktur-department-fel">Välj ett av alternativen i listan.' in page
    assert 'name="struktur-position" required type="number" value="7"' in page  # the rest of the form kept
    assert table_snapshot() == before


def test_renaming_to_the_current_address_says_nothing_changed(client, login_as, make_document):
    make_document()
    login_as("editor")
    before = table_snapshot()
    page = client.post("/handbok/orosanmalan/installningar", data={"adress-slug": "orosanmalan"},
                       follow_redirects=True).get_data(as_text=True)
    assert "Adressen är redan /handbok/orosanmalan: ingenting ändrades." in page
    assert "Den gamla adressen leder hit" not in page
    assert table_snapshot() == before


def test_taking_back_a_document_that_is_not_archived_says_so(client, login_as, make_document):
    make_document()
    login_as("editor")
    page = client.post("/handbok/orosanmalan/ateruppta", follow_redirects=True).get_data(as_text=True)
    assert "Dokumentet är inte arkiverat" in page and "är tillbaka i handboken" not in page


def test_an_old_address_of_a_document_the_reader_may_not_see_names_no_new_address(client, login_as, make_document):
    make_document()
    make_document("utkast", "Utkast", body="Hemligt utkast.\n", publish=False)
    login_as("editor")
    assert client.post("/handbok/utkast/installningar", data={"adress-slug": "nytt-namn"},
                       follow_redirects=True).status_code == 200
    client.post("/logga-ut")
    login_as("reader")
    for path in ("/handbok/utkast", "/handbok/utkast/historik", "/handbok/utkast/version/1"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "nytt-namn" not in response.get_data(as_text=True) and "Location" not in response.headers
    client.post("/logga-ut")
    anonymous = client.get("/handbok/utkast/historik")
    assert anonymous.status_code == 302 and "nytt-namn" not in anonymous.headers["Location"]


def test_an_archived_documents_draft_is_shown_without_a_publish_form(client, login_as, make_document, system):
    document = make_document()
    services.save_draft(system, document, base_number=1, title=document.title,
                        body=document.current_revision.body + "Tillägg.\n", meta=document.current_revision.meta)
    login_as("editor")
    page = client.get("/handbok/orosanmalan/utkast").get_data(as_text=True)
    assert "Gällande version är 1. <a href=\"/handbok/orosanmalan/redigera\">Redigera utkastet</a>" in page
    assert 'action="/handbok/orosanmalan/publicera"' in page
    assert client.post("/handbok/orosanmalan/arkivera").status_code == 302
    page = client.get("/handbok/orosanmalan/utkast").get_data(as_text=True)
    assert 'action="/handbok/orosanmalan/publicera"' not in page and "Redigera utkastet" not in page
    assert "Dokumentet är arkiverat, så utkastet kan inte publiceras. Ta tillbaka dokumentet under" in page
    document_page = client.get("/handbok/orosanmalan").get_data(as_text=True)
    assert "Granska och publicera utkastet" not in document_page
    assert "ta tillbaka dokumentet från arkivet under Placering och adress för att kunna publicera det" in document_page
