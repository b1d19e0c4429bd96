"""Reading the handbook: document pages, tree, start page, old versions, drafts hidden from readers."""
import re

from sqlalchemy import select

from portal.extensions import db
from portal.handbook import services
from portal.handbook.models import Document


def test_document_page_shows_rendered_text_and_metadata(client, login_as, make_document):
    make_document()
    login_as("reader")
    page = client.get("/handbok/orosanmalan").get_data(as_text=True)
    assert "<h1 id=\"dokumentrubrik\">Orosanmälan – när och hur</h1>" in page
    assert "<li>Anmäl genast till socialtjänsten.</li>" in page
    assert "Beslutad av</dt><dd>Socialchef" in page
    assert "Gäller för</dt><dd>Bildningsförvaltningen" in page
    assert "Socialtjänstlagen (2025:400)" in page
    assert "Version</dt><dd>1, publicerad" in page
    assert "Första versionen" in page


def test_long_document_gets_a_table_of_contents(client, login_as, make_document):
    make_document()
    login_as("reader")
    page = client.get("/handbok/orosanmalan").get_data(as_text=True)
    assert 'aria-labelledby="toc-rubrik"' in page
    assert '<a href="#gor-sa-har">Gör så här</a>' in page


def test_page_prints_with_title_version_and_address(client, login_as, make_document):
    make_document()
    login_as("reader")
    page = client.get("/handbok/orosanmalan").get_data(as_text=True)
    assert 'href="/static/css/print.css" media="print"' in page
    assert "Utskriven från http://localhost/handbok/orosanmalan · version 1" in page


def test_unpublished_document_is_not_found_for_readers(client, login_as, make_document):
    make_document("utkast", "Hemligt utkast", publish=False)
    login_as("reader")
    response = client.get("/handbok/utkast")
    assert response.status_code == 404
    assert "Hemligt utkast" not in client.get("/handbok").get_data(as_text=True)


def test_unpublished_document_is_shown_as_draft_to_editor_in_scope(client, login_as, make_document):
    make_document("utkast", "Nytt utkast", publish=False)
    login_as("editor")
    response = client.get("/handbok/utkast")
    assert response.status_code == 302 and response.headers["Location"].endswith("/handbok/utkast/utkast")
    page = client.get("/handbok/utkast/utkast").get_data(as_text=True)
    assert "Version 1 är ett utkast och syns inte för läsare" in page


def test_tree_lists_published_documents_in_editor_order(client, login_as, make_document, system):
    parent = make_document("sekretess", "Sekretess", kind="section", body="Text.\n")
    make_document("b-rutin", "B-rutin", parent=parent)
    make_document("a-rutin", "A-rutin", parent=parent)
    document = db.session.scalar(select(Document).where(Document.slug == "b-rutin"))
    services.update_structure(system, document, parent=parent, position=1, kind="routine",
                              department=document.department)
    login_as("reader")
    page = client.get("/handbok").get_data(as_text=True)
    assert page.index("Sekretess") < page.index("B-rutin") < page.index("A-rutin")


def test_start_page_reaches_orosanmalan_in_one_click(client, login_as, make_document):
    make_document()
    login_as("reader")
    page = client.get("/").get_data(as_text=True)
    assert "Orolig för ett barn?" in page
    assert '<a class="button primary big" href="/handbok/orosanmalan">Orosanmälan – när och hur</a>' in page


def test_start_page_lists_recent_changes_with_notes(client, login_as, make_document):
    make_document(note="Ny rutin efter lagändringen")
    login_as("reader")
    page = client.get("/").get_data(as_text=True)
    assert "Senaste ändringar" in page and "Ny rutin efter lagändringen" in page


def test_backlinks_and_outgoing_links(client, login_as, make_document):
    make_document("sip", "SIP", body="Om SIP.\n")
    make_document("orosanmalan", body="Se även [SIP](sip).\n")
    login_as("reader")
    sip_page = client.get("/handbok/sip").get_data(as_text=True)
    assert "Hänvisar hit" in sip_page and 'href="/handbok/orosanmalan">Orosanmälan' in sip_page
    page = client.get("/handbok/orosanmalan").get_data(as_text=True)
    assert '<a href="/handbok/sip">SIP</a>' in page
    assert "Det här dokumentet hänvisar till" in page


def test_old_version_is_marked_as_not_current(client, login_as, make_document, system):
    document = make_document()
    revision = services.save_draft(system, document, base_number=1, title=document.title,
                                   body="Ny text.\n", meta=services.latest_revision(document).meta)
    services.publish(document, revision, system, "Omskriven", True)
    login_as("reader")
    page = client.get("/handbok/orosanmalan/version/1").get_data(as_text=True)
    assert "Det här är inte den gällande versionen." in page
    assert "Anmäl genast till socialtjänsten." in page
    assert client.get("/handbok/orosanmalan").get_data(as_text=True).count("Ny text.") == 1


def test_reader_cannot_see_draft_versions_or_draft_history(client, login_as, make_document, system):
    document = make_document()
    services.save_draft(system, document, base_number=1, title=document.title, body="Utkasttext.\n",
                        meta=services.latest_revision(document).meta)
    login_as("reader")
    assert client.get("/handbok/orosanmalan/version/2").status_code == 404
    history = client.get("/handbok/orosanmalan/historik").get_data(as_text=True)
    assert "Version 1" in history and "Version 2" not in history
    assert "Utkasttext" not in client.get("/handbok/orosanmalan").get_data(as_text=True)


def test_unknown_document_and_version_give_swedish_404(client, login_as, make_document):
    make_document()
    login_as("reader")
    for url in ("/handbok/finns-inte", "/handbok/orosanmalan/version/99", "/handbok/" + "x" * 3000,
                "/handbok/%C3%A5%C3%A4%C3%B6", "/handbok/orosanmalan/version/99999999999999999999"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Sidan finns inte" in response.get_data(as_text=True) or "finns inte" in response.get_data(as_text=True)


def test_anonymous_visitor_is_sent_to_login(client, make_document):
    make_document()
    response = client.get("/handbok/orosanmalan")
    assert response.status_code == 302
    assert response.headers["Location"] == "/logga-in?next=/handbok/orosanmalan"


def test_history_counts_its_versions_in_swedish(client, login_as, make_document, system):
    document = make_document()
    login_as("reader")
    assert "<caption>1 version, nyast först</caption>" in client.get("/handbok/orosanmalan/historik").get_data(as_text=True)
    services.save_and_publish(system, document, base_number=1, title=document.title, body="Ny.\n",
                              meta=document.current_revision.meta, note="Ny", substantial=False)
    assert "<caption>2 versioner, nyast först</caption>" in client.get("/handbok/orosanmalan/historik").get_data(as_text=True)


def test_a_first_publication_after_several_drafts_is_the_first_version_too(client, login_as, make_document,
                                                                            system):
    document = make_document(publish=False)
    for text in ("Andra utkastet.\n", "Tredje utkastet.\n"):
        services.save_draft(system, document, base_number=document.latest_number, title=document.title,
                            body=text, meta=services.latest_revision(document).meta)
    services.publish(document, services.latest_revision(document), system, "Nu gäller den", False)
    login_as("reader")
    rows = re.findall(r"<tr>(.*?)</tr>", client.get("/handbok/orosanmalan/historik").get_data(as_text=True), re.S)
    [third] = [row for row in rows if "Version 3<" in row]
    assert "Första versionen" in third and "Språklig ändring" not in third
    page = client.get("/handbok/orosanmalan").get_data(as_text=True)
    assert "Nu gäller den" in page and "(språklig ändring)" not in page
