"""A document's tables in Chromium: on a 375 px phone each row is a card whose cells keep their words
whole under their column's heading; on a desktop they are tables as before, words whole too."""
import pytest
from playwright.sync_api import expect

PHONE = {"width": 375, "height": 740}

# For each table of the document's text: how far it reaches past its box and past the screen, and the
# words of its cells that the browser broke over two lines other than after a hyphen ("Telef/on").
TABLES = r"""() => [...document.querySelectorAll('.prose table')].map(table => {
    const broken = [];
    for (const cell of table.querySelectorAll('td, th')) {
        if (!cell.getClientRects().length) continue;  // not shown (an empty cell, the hidden header row)
        const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            for (const word of node.data.matchAll(/[\p{L}\p{N}-]+/gu)) {
                let top = null;
                for (let i = 0; i < word[0].length; i++) {
                    const range = document.createRange();
                    range.setStart(node, word.index + i);
                    range.setEnd(node, word.index + i + 1);
                    const y = range.getBoundingClientRect().top;
                    if (top !== null && y > top + 2 && word[0][i - 1] !== '-') { broken.push(word[0]); break; }
                    top = y;
                }
            }
        }
    }
    const box = table.parentElement.getBoundingClientRect(), own = table.getBoundingClientRect();
    return {broken, pastBox: Math.round(own.right - box.right),
            pastScreen: Math.round(own.right - window.innerWidth), display: getComputedStyle(table).display};
})"""
PAGE_WIDTH = "() => document.documentElement.scrollWidth - window.innerWidth"


def _labels_shown(page, row) -> list[str]:
    return row.locator("td").evaluate_all("""cells => cells.filter(c => c.getClientRects().length)
        .map(c => getComputedStyle(c, '::before').content)""")


@pytest.mark.parametrize("path", ["/handbok/kontaktvagar", "/handbok/anmala-och-agera",
                                  "/handbok/kontaktvagar/version/1"])
def test_on_a_phone_a_documents_tables_keep_their_words_whole_and_fit(page, live_server, login, path):
    login("reader")
    page.set_viewport_size(PHONE)
    page.goto(live_server(path))
    tables = page.evaluate(TABLES)
    assert tables, f"{path} has no table in its text"
    assert [t["broken"] for t in tables if t["broken"]] == [], f"words broken inside on {path}"
    assert all(t["pastBox"] <= 0 and t["pastScreen"] <= 0 for t in tables), tables
    assert page.evaluate(PAGE_WIDTH) <= 0


def test_on_a_phone_each_row_is_a_card_with_its_column_headings(page, live_server, login):
    login("reader")
    page.set_viewport_size(PHONE)
    page.goto(live_server("/handbok/kontaktvagar"))
    table = page.get_by_role("region", name="Tabell: Socialförvaltningen dagtid").locator("table")
    expect(table.locator("thead")).to_have_count(1)
    assert table.locator("thead").bounding_box()["height"] <= 1  # the labels stand in for it
    row = table.locator("tbody tr").first
    assert _labels_shown(page, row) == ['"Vad gäller det?"', '"Vem du kontaktar"', '"När"', '"Telefon"',
                                        '"E-post eller e-tjänst"']
    # The cells are stacked: each starts below the one before, at the card's left edge.
    boxes = row.locator("td").evaluate_all("cells => cells.map(c => c.getBoundingClientRect().toJSON())")
    assert all(below["top"] >= above["bottom"] - 1 and abs(below["left"] - boxes[0]["left"]) < 1
               for above, below in zip(boxes, boxes[1:])), boxes
    # "Telefon" and the number's blank are each on one line (no "Telef/on").
    phone = row.locator("td[data-label=Telefon]")
    expect(phone).to_contain_text("Uppgift saknas (telefonnummer)")
    line = phone.evaluate("c => parseFloat(getComputedStyle(c).lineHeight)")
    value_lines = phone.evaluate("""c => { const r = document.createRange(); r.selectNodeContents(c);
        return [...r.getClientRects()].filter(x => x.width > 0).map(x => Math.round(x.top)); }""")
    assert max(value_lines) - min(value_lines) < line / 2, value_lines
    assert phone.bounding_box()["height"] < 3 * line  # the label's line and the value's line


def test_on_a_phone_the_links_of_the_start_table_are_whole(page, live_server, login):
    login("reader")
    page.set_viewport_size(PHONE)
    page.goto(live_server("/handbok/anmala-och-agera"))
    link = page.locator(".prose table").get_by_role("link", name="Orosanmälan – när och hur")
    expect(link).to_be_visible()
    word = link.evaluate("""a => { const text = a.firstChild, r = document.createRange();
        r.setStart(text, 0); r.setEnd(text, 'Orosanmälan'.length);
        return [...r.getClientRects()].filter(x => x.width > 0).length; }""")
    assert word == 1  # not "Orosanmäl/an"
    assert _labels_shown(page, page.locator(".prose table tbody tr").first) == ['"Din situation"', '"Läs"']


def test_on_a_desktop_the_tables_are_tables_with_whole_words(page, live_server, login):
    login("reader")
    page.goto(live_server("/handbok/kontaktvagar"))
    tables = page.evaluate(TABLES)
    assert {t["display"] for t in tables} == {"table"}
    assert [t["broken"] for t in tables if t["broken"]] == []
    assert all(t["pastBox"] <= 0 for t in tables), tables  # at 1280 px every table fits its column
    row = page.locator(".prose table tbody tr").first
    assert set(_labels_shown(page, row)) == {"none"}  # the header row names the columns
    expect(page.locator(".prose table thead").first).to_be_visible()
