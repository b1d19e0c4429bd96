"""A document printed from Chromium (print media emulated): the links of its text are followed by
their address, the page's own links are not, and tables are printed whole."""

from tests.browser.test_tables_on_phones import TABLES

AFTER = "el => getComputedStyle(el, '::after').content"
# An A4 page less Chromium's default margins (about 1 cm each side), in CSS pixels.
A4 = {"width": 718, "height": 1016}


def test_printed_links_of_the_text_are_followed_by_their_address(page, live_server, login):
    login("reader")
    page.goto(live_server("/handbok/anmala-och-agera"))
    link = page.locator(".prose p").get_by_role("link", name="Kontaktvägar")
    assert link.evaluate(AFTER) == "none"  # on the screen nothing is added
    page.emulate_media(media="print")
    assert link.evaluate(AFTER) == '" (/handbok/kontaktvagar)"'
    in_table = page.locator(".prose table").get_by_role("link", name="Orosanmälan – när och hur")
    assert in_table.evaluate(AFTER) == '" (/handbok/orosanmalan)"'
    # Not the page's own links: navigation, breadcrumbs, the document's actions.
    for outside in page.locator("a:not(.prose a)").all():
        assert outside.evaluate(AFTER) == "none", outside.evaluate("a => a.outerHTML")
    # A table printed whole, not cut at the edge of its scrolling box.
    assert page.locator(".prose .table-wrap").first.evaluate("el => getComputedStyle(el).overflowX") == "visible"


def test_a_printed_link_within_the_page_gets_no_address(page, live_server, login):
    login("reader")
    page.goto(live_server("/handbok/samverkan-styrning-struktur-samsyn"))
    page.emulate_media(media="print")
    anchors = page.locator('.prose a[href^="#"]')
    assert anchors.count() >= 1
    assert set(anchors.evaluate_all("links => links.map(a => getComputedStyle(a, '::after').content)")) == {"none"}


def test_a_printed_table_fits_the_page_with_whole_words(page, live_server, login):
    login("reader")
    page.set_viewport_size(A4)
    page.goto(live_server("/handbok/kontaktvagar"))
    page.emulate_media(media="print")
    tables = page.evaluate(TABLES)
    assert {t["display"] for t in tables} == {"table"}
    assert [t["broken"] for t in tables if t["broken"]] == []
    assert all(t["pastBox"] <= 0 and t["pastScreen"] <= 0 for t in tables), tables
