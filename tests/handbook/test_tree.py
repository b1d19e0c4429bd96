"""The handbook tree on /handbok and the start page: whole when small, top levels with closed branches
when large, every branch reachable by plain links (no JavaScript)."""
import re

import pytest

from portal.handbook import services


@pytest.fixture
def large_handbook(make_document, monkeypatch):
    """Two sections of five routines each and one of two, with a budget of six entries."""
    monkeypatch.setattr(services, "TREE_BUDGET", 6)
    sections = {}
    for name, count in (("forskola", 5), ("skola", 5), ("fritid", 2)):
        section = make_document(name, f"Avsnitt {name}", kind="section", body="Text.\n")
        sections[name] = section
        for n in range(count):
            make_document(f"{name}-rutin-{n}", f"Rutin {n} för {name}", parent=section, body="Gör så här.\n")
    return sections


def _tree_part(page):
    """The tree, without the start page's recent changes."""
    return page.split('id="senaste"')[0]


def _links(page):
    return re.findall(r'href="(/handbok[^"]*)"', page)


def test_a_small_handbook_is_shown_whole(client, login_as, make_document):
    section = make_document("avsnitt", "Avsnittet", kind="section", body="Text.\n")
    child = make_document("rutin", "Rutinen", parent=section)
    make_document("underrutin", "Underrutinen", parent=child)
    login_as("reader")
    for path in ("/handbok", "/"):
        page = client.get(path).get_data(as_text=True)
        assert page.index("Avsnittet") < page.index("Rutinen") < page.index("Underrutinen")
        assert "underdokument" not in page


def test_a_large_handbook_opens_only_what_fits_and_links_the_rest(client, login_as, large_handbook):
    login_as("reader")
    for path in ("/handbok", "/"):
        page = _tree_part(client.get(path).get_data(as_text=True))
        # Three sections and the small one's two routines fit in six entries; five more would not.
        assert "Avsnitt forskola" in page and "Avsnitt skola" in page and "Rutin 1 för fritid" in page
        assert "Rutin 0 för forskola" not in page and "Rutin 0 för skola" not in page
        assert 'href="/handbok?gren=forskola">Visa 5 underdokument' in page
        assert 'href="/handbok?gren=skola">Visa 5 underdokument' in page
        assert "?gren=fritid" not in page


def test_a_closed_branch_opens_on_its_own_page(client, login_as, large_handbook):
    login_as("reader")
    page = client.get("/handbok?gren=forskola").get_data(as_text=True)
    assert "<h1>Avsnitt forskola</h1>" in page
    assert [link for link in _links(page) if "rutin" in link] == [f"/handbok/forskola-rutin-{n}" for n in range(5)]
    assert "Avsnitt skola" not in page
    assert 'aria-label="Brödsmulor"' in page and 'href="/handbok/forskola">Avsnitt forskola</a>' in page


def test_a_long_level_is_paged(client, login_as, large_handbook, monkeypatch):
    monkeypatch.setattr(services, "TREE_PAGE_SIZE", 3)
    login_as("reader")
    first = client.get("/handbok?gren=skola").get_data(as_text=True)
    second = client.get("/handbok?gren=skola&sida=2").get_data(as_text=True)
    assert "Rutin 2 för skola" in first and "Rutin 3 för skola" not in first
    assert "Rutin 3 för skola" in second and "Rutin 4 för skola" in second and "Rutin 2 för skola" not in second
    assert re.search(r'href="/handbok\?(sida=2&amp;gren=skola|gren=skola&amp;sida=2)"', first)
    assert "Sida 1 av 2" in first


def test_a_document_page_lists_its_first_children_and_links_to_all(client, login_as, large_handbook, monkeypatch):
    monkeypatch.setattr(services, "CHILDREN_SHOWN", 3)
    login_as("reader")
    page = client.get("/handbok/skola").get_data(as_text=True)
    assert "Rutin 2 för skola" in page and "Rutin 3 för skola" not in page
    assert 'href="/handbok?gren=skola">Alla 5 underdokument</a>' in page


def test_branch_pages_hide_what_readers_may_not_see(client, login_as, make_document, large_handbook):
    make_document("utkast", "Hemligt utkast", kind="section", body="Text.\n", publish=False)
    make_document("under-utkast", "Utkastets barn", parent=services.find_document("utkast")[0], publish=False)
    login_as("reader")
    assert client.get("/handbok?gren=utkast").status_code == 404
    assert client.get("/handbok?gren=finns-inte").status_code == 404
    assert "Hemligt utkast" not in client.get("/handbok").get_data(as_text=True)


def test_a_renamed_branch_redirects(client, login_as, large_handbook, system):
    services.rename_slug(system, large_handbook["skola"], "grundskola")
    login_as("reader")
    response = client.get("/handbok?gren=skola")
    assert response.status_code == 301 and response.headers["Location"] == "/handbok?gren=grundskola"


def test_an_odd_page_number_shows_the_first_page(client, login_as, large_handbook):
    login_as("reader")
    for value in ("0", "-1", "x", "9" * 40):
        response = client.get(f"/handbok?gren=skola&sida={value}")
        assert response.status_code == 200 and "Rutin 0 för skola" in response.get_data(as_text=True)
