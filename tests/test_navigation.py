"""The main navigation: entries by role, and exactly one marked as where the user is."""
import re

from tests.handbook.conftest import ROUTINE_BODY, make_document, system  # noqa: F401  (fixtures)


def nav(client, path):
    page = client.get(path).get_data(as_text=True)
    menu = page[page.index('aria-label="Huvudmeny"'):page.index('class="nav-account"')]
    entries = re.findall(r'<a href="[^"]*"(?: aria-current="(\w+)")?>([^<]+)</a>', menu)
    return [(label, current or None) for current, label in entries]


def test_reader_sees_reading_entries_only(client, login_as):
    login_as("reader")
    assert nav(client, "/sok?q=sip") == [("Handbok", None), ("Sök", "page")]


def test_unit_head_pages_mark_one_entry(client, login_as, make_document):
    make_document(meta={"applies_to": ["Bildningsförvaltningen"]})
    user = login_as("unit_head")
    unit_id = user.headed_units[0].id
    assert nav(client, "/min-enhet") == [("Handbok", None), ("Sök", None), ("Min enhet", "page"),
                                         ("Införande", None)]
    assert dict(nav(client, "/inforande"))["Införande"] == "page"
    assert dict(nav(client, "/inforande"))["Min enhet"] is None
    under = dict(nav(client, f"/min-enhet/{unit_id}/orosanmalan"))
    assert under["Min enhet"] == "true" and under["Införande"] is None
    assert dict(nav(client, "/handbok/orosanmalan"))["Handbok"] == "true"


def test_editor_tools_are_marked_under_redaktor(client, login_as):
    login_as("editor")
    marked = [label for label, current in nav(client, "/sok/synonymer") if current]
    assert marked == ["Redaktör"]
    assert [label for label, current in nav(client, "/redaktor") if current] == ["Redaktör"]


def test_admin_sees_every_entry(client, login_as):
    login_as("admin")
    labels = [label for label, _ in nav(client, "/admin/anvandare")]
    assert labels == ["Handbok", "Sök", "Min enhet", "Införande", "Redaktör", "Administration"]
    assert dict(nav(client, "/admin/anvandare"))["Administration"] == "true"


def test_every_page_names_the_portals_own_icon(client):
    """Without a declared icon the browser asks for /favicon.ico, a 404 on every first page."""
    page = client.get("/logga-in").get_data(as_text=True)
    href = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', page).group(1)
    icon = client.get(href)
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml" and b"<svg" in icon.data
