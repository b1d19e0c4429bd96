"""A document's address typed another way – with å/ä/ö, in capitals, with a slash at the end – leads to
the document when the user may read it, and is the ordinary 404 otherwise; former addresses still lead on."""
import pytest

from portal.handbook import services


def _location(response) -> str:
    assert response.status_code == 302, (response.status_code, response.get_data(as_text=True)[:300])
    return response.headers["Location"]


def _not_found(response) -> str:
    page = response.get_data(as_text=True)
    assert response.status_code == 404, response.status_code
    assert "Dokumentet finns inte" in page
    return page


@pytest.mark.parametrize("typed", ["/handbok/orosanmälan", "/handbok/ORosanmalan", "/handbok/orosanmalan/",
                                   "/handbok/Orosanmälan/", "/handbok/orosanmalan%20", "/handbok/OROSANMÄLAN"])
def test_another_spelling_of_an_address_leads_to_the_document(client, login_as, make_document, typed):
    make_document()
    login_as("reader")
    response = client.get(typed)
    assert _location(response) == "/handbok/orosanmalan"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<h1 id=\"dokumentrubrik\">Orosanmälan – när och hur</h1>" in page


def test_the_query_string_is_kept(client, login_as, make_document):
    make_document()
    login_as("reader")
    assert _location(client.get("/handbok/ORosanmalan?a=1&a=2&b=%C3%A5%20%26")) == \
        "/handbok/orosanmalan?a=1&a=2&b=%C3%A5+%26"


@pytest.mark.parametrize("typed, canonical", [
    ("/handbok/Orosanmalan/historik", "/handbok/orosanmalan/historik"),
    ("/handbok/orosanmalan/historik/", "/handbok/orosanmalan/historik"),
    ("/handbok/orosanmälan/version/1", "/handbok/orosanmalan/version/1"),
    ("/handbok/orosanmalan/version/1/", "/handbok/orosanmalan/version/1"),
    ("/handbok/OROSANMALAN/jamfor?fran=1&till=1", "/handbok/orosanmalan/jamfor?fran=1&till=1"),
    ("/handbok/orosanmalan/jamfor/?fran=1&till=1", "/handbok/orosanmalan/jamfor?fran=1&till=1"),
])
def test_the_sub_pages_lead_to_their_own_address(client, login_as, make_document, typed, canonical):
    make_document()
    login_as("reader")
    response = client.get(typed)
    assert _location(response) == canonical
    assert client.get(canonical).status_code == 200


@pytest.mark.parametrize("typed", ["/handbok/finns-inte", "/handbok/Finns-Inte", "/handbok/finns-inte/",
                                   "/handbok/fínns-ínte/historik", "/handbok/Finns-Inte/version/1",
                                   "/handbok/finns-inte/jamfor/?fran=1&till=2"])
def test_an_address_that_names_no_document_is_the_ordinary_404(client, login_as, make_document, typed):
    make_document()
    login_as("reader")
    _not_found(client.get(typed))


@pytest.mark.parametrize("typed", ["/handbok/---", "/handbok/%C3%A5%C3%A4%C3%B6-%FF", "/handbok/a%20%20b",
                                   "/handbok/" + "Orosanmalan" * 40, "/handbok/ny/", "/handbok/%E2%80%8B/"])
def test_odd_addresses_are_a_404_not_an_error(client, login_as, make_document, typed):
    make_document()
    login_as("reader")
    response = client.get(typed)
    assert response.status_code == 404, (typed, response.status_code)
    assert "finns inte" in response.get_data(as_text=True)


def test_a_long_address_is_not_taken_for_a_document_named_by_its_start(client, login_as, make_document):
    # slug_from_text cuts at 60 characters: what it made of a longer address is only its beginning.
    start = "a" * 58
    make_document(start, "Lång adress")
    login_as("reader")
    assert _location(client.get(f"/handbok/{start.upper()}")) == f"/handbok/{start}"
    _not_found(client.get(f"/handbok/{start.upper()}-och-mer-text-efter"))


def test_a_draft_is_a_404_for_a_reader_at_any_spelling(client, login_as, make_document):
    make_document("utkast-rutin", "Utkast", publish=False)
    login_as("reader")
    for typed in ("/handbok/Utkast-Rutin", "/handbok/utkast-rutin/", "/handbok/UTKAST-RUTIN/historik"):
        page = _not_found(client.get(typed))
        assert "utkast-rutin" not in page.split("<main", 1)[1]  # the 404 names no address


def test_an_editor_who_may_see_the_draft_is_led_to_it(client, login_as, make_document):
    make_document("utkast-rutin", "Utkast", publish=False)
    login_as("editor")  # edits for Socialförvaltningen, which owns the draft
    assert _location(client.get("/handbok/Utkast-Rutin")) == "/handbok/utkast-rutin"
    assert _location(client.get("/handbok/utkast-rutin/")) == "/handbok/utkast-rutin"
    assert _location(client.get("/handbok/utkast-rutin")) == "/handbok/utkast-rutin/utkast"


def test_an_editor_of_another_department_gets_the_404(client, login_as, make_document, organisation):
    make_document("utkast-rutin", "Utkast", publish=False)
    login_as("editor", departments=[organisation["school_dept"]])
    _not_found(client.get("/handbok/Utkast-Rutin"))
    _not_found(client.get("/handbok/utkast-rutin/"))


def test_an_archived_document_leads_where_its_own_address_does(client, login_as, make_document, system):
    document = make_document()
    services.set_archived(system, document, True)
    login_as("reader")
    # Readers may still read an archived document (marked as archived), so its spellings lead to it.
    assert client.get("/handbok/orosanmalan").status_code == 200
    assert _location(client.get("/handbok/ORosanmalan")) == "/handbok/orosanmalan"
    assert "Arkiverat dokument." in client.get("/handbok/orosanmalan").get_data(as_text=True)


def test_an_archived_draft_is_a_404_for_a_reader(client, login_as, make_document, system):
    document = make_document("utkast-rutin", "Utkast", publish=False)
    services.set_archived(system, document, True)
    login_as("reader")
    _not_found(client.get("/handbok/Utkast-Rutin"))


def test_a_former_address_typed_another_way_leads_to_the_new_one_in_one_step(client, login_as, make_document,
                                                                             system):
    document = make_document()
    services.rename_slug(system, document, "anmal-oro")
    login_as("reader")
    old = client.get("/handbok/orosanmalan")  # the renamed document's own redirect is unchanged
    assert old.status_code == 301 and old.headers["Location"] == "/handbok/anmal-oro"
    assert client.get("/handbok/orosanmalan/historik").headers["Location"] == "/handbok/anmal-oro/historik"
    assert _location(client.get("/handbok/Orosanmälan")) == "/handbok/anmal-oro"
    assert _location(client.get("/handbok/orosanmalan/")) == "/handbok/anmal-oro"
    assert _location(client.get("/handbok/ANMAL-ORO/historik/")) == "/handbok/anmal-oro/historik"


def test_a_cached_page_is_not_served_at_another_address(client, login_as, make_document):
    make_document()
    login_as("reader")
    assert client.get("/handbok/orosanmalan").status_code == 200  # now in the page cache
    assert _location(client.get("/handbok/orosanmalan/")) == "/handbok/orosanmalan"
    assert _location(client.get("/handbok/Orosanmalan")) == "/handbok/orosanmalan"


def test_a_visitor_who_is_not_logged_in_goes_to_the_login_page_first(client, make_document):
    make_document()
    for typed in ("/handbok/ORosanmalan", "/handbok/orosanmalan/", "/handbok/Finns-Inte/historik"):
        response = client.get(typed)
        assert response.status_code == 302 and response.headers["Location"].startswith("/logga-in?next=")


def test_the_redirect_never_leaves_the_document(client, login_as, make_document):
    make_document()
    login_as("reader")
    for typed in ("/handbok/ORosanmalan?next=//evil.example/", "/handbok/ORosanmalan?slug=annat",
                  "/handbok/orosanmalan/?_external=1&_scheme=javascript"):
        location = _location(client.get(typed))
        assert location.startswith("/handbok/orosanmalan?"), location


def test_a_form_sent_to_another_spelling_changes_nothing(client, login_as, make_document):
    make_document()
    login_as("editor")
    response = client.post("/handbok/ORosanmalan/arkivera", data={})
    assert response.status_code == 404
    assert not services.find_document("orosanmalan")[0].is_archived
