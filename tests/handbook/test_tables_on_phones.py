"""A document's tables are readable on a phone: when a page is shown (never in the stored HTML) every
body cell gets its column's heading as a plain-text label (data-label), which portal.css shows above
the cell when each row becomes a card; the table sits in a box of its own."""
from html.parser import HTMLParser

from portal.handbook import services
from portal.handbook.markdown import render, table_cards
from portal.handbook.rendered_diff import compare_texts
from tests.handbook.conftest import edit_data

CONTACTS = """Vem ringer jag?

## Socialtjänsten dagtid

| Vad gäller det? | Vem du kontaktar | När | Telefon | E-post eller e-tjänst |
|---|---|---|---|---|
| Göra en orosanmälan | Mottagningsgruppen barn och unga | [fyll i telefontider] | [fyll i telefonnummer] | [fyll i adress till e-tjänsten för orosanmälan] |
| Rådgöra utan att nämna barnets namn | Mottagningsgruppen barn och unga | Vardagar 8–16 | 08-123 456 | – |
"""


class Cells(HTMLParser):
    """Each table's body cells as (attributes, text), and every element's attributes in order."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[tuple[dict, str]]]] = []
        self.elements: list[tuple[str, dict]] = []
        self._cell = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        assert len(attributes) == len(attrs), f"an attribute given twice: {attrs}"
        self.elements.append((tag, attributes))
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag == "td":
            self._cell = (attributes, [])

    def handle_endtag(self, tag):
        if tag == "td":
            self.tables[-1][-1].append((self._cell[0], " ".join("".join(self._cell[1]).split())))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell[1].append(data)

    def body_rows(self, table: int = 0) -> list[list[tuple[dict, str]]]:
        return [row for row in self.tables[table] if row]


def labels(html: str, table: int = 0) -> list[list[str | None]]:
    return [[attributes.get("data-label") for attributes, _text in row] for row in Cells(html).body_rows(table)]


def cards(markdown: str) -> str:
    return table_cards(render(markdown).html)


def test_every_body_cell_is_labelled_by_its_column_heading():
    parsed = Cells(cards(CONTACTS))
    rows = parsed.body_rows()
    assert [[attributes["data-label"] for attributes, _ in row] for row in rows] == \
        [["Vad gäller det?", "Vem du kontaktar", "När", "Telefon", "E-post eller e-tjänst"]] * 2
    assert rows[1][3] == ({"data-label": "Telefon"}, "08-123 456")


def test_the_table_is_marked_and_sits_in_a_named_box_of_its_own():
    elements = Cells(cards(CONTACTS)).elements
    index = next(i for i, (tag, _) in enumerate(elements) if tag == "table")
    assert elements[index] == ("table", {"class": "doc-table"})
    assert elements[index - 1] == ("div", {"class": "table-wrap", "role": "region", "tabindex": "0",
                                           "aria-label": "Tabell: Socialtjänsten dagtid"})
    assert cards(CONTACTS).count("</table></div>") == 1


def test_a_table_without_a_heading_above_is_named_by_its_columns():
    html = cards("| Din situation | Läs |\n|---|---|\n| Orolig | [Orosanmälan](orosanmalan) |\n")
    assert 'aria-label="Tabell: Din situation, Läs"' in html


def test_alignment_classes_are_kept_beside_the_label():
    html = cards("| Vad | Antal |\n|:---|---:|\n| Anmälningar | 12 |\n")
    assert Cells(html).body_rows()[0] == [({"class": "align-left", "data-label": "Vad"}, "Anmälningar"),
                                          ({"class": "align-right", "data-label": "Antal"}, "12")]


def test_headings_with_links_emphasis_and_code_become_plain_text_labels():
    html = cards("| **Vem** du [kontaktar](sip) | Tele`fon` | *När* ~~inte~~ | Not[^1] |\n|---|---|---|---|\n"
                 "| a | b | c | d |\n\n[^1]: Fotnot.\n")
    assert labels(html) == [["Vem du kontaktar", "Telefon", "När inte", "Not"]]
    assert "<strong>Vem</strong>" in html  # the heading row itself is left as written


def test_a_heading_is_escaped_once_in_the_attribute_and_cannot_add_one():
    heading = "\"><script>alert(1)</script> & 'x' onmouseover=\"alert(2)"
    html = cards(f"| {heading} | B |\n|---|---|\n| a | b |\n")
    cell = Cells(html).body_rows()[0][0]
    assert cell == ({"data-label": heading}, "a")  # the attribute reads back as the heading's own text
    assert "<script>" not in html and 'onmouseover="' not in html
    assert 'data-label="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#39;x&#39; onmouseover=&#34;alert(2)"' \
        in html


def test_text_the_renderer_escaped_is_not_escaped_twice():
    html = cards("| A &amp; B < C |\n|---|\n| x |\n")
    assert labels(html) == [["A & B < C"]]
    assert 'data-label="A &amp; B &lt; C"' in html


def test_a_table_without_header_text_gets_no_labels_but_is_still_a_card():
    html = cards("| | |\n|---|---|\n| Socialjouren | 112 |\n")
    assert labels(html) == [[None, None]]
    assert '<table class="doc-table">' in html and 'aria-label="Tabell"' in html


def test_only_the_columns_with_a_heading_are_labelled():
    html = cards("| Vad | | Telefon |\n|---|---|---|\n| Polisen | dygnet runt | 114 14 |\n| Kort rad |\n")
    assert labels(html) == [["Vad", None, "Telefon"], ["Vad", None, "Telefon"]]


def test_several_tables_each_have_their_own_labels():
    html = cards("## Ett\n\n| A | B |\n|---|---|\n| 1 | 2 |\n\n## Två\n\n| C |\n|---|\n| 3 |\n")
    assert labels(html, 0) == [["A", "B"]] and labels(html, 1) == [["C"]]
    assert 'aria-label="Tabell: Ett"' in html and 'aria-label="Tabell: Två"' in html


def test_a_table_in_a_list_or_quote_is_labelled_too():
    html = cards("- Punkt\n\n  | A | B |\n  |---|---|\n  | 1 | 2 |\n\n> | C |\n> |---|\n> | 3 |\n")
    assert labels(html, 0) == [["A", "B"]] and labels(html, 1) == [["C"]]


def test_text_without_a_table_is_returned_as_it_is():
    html = render("## Rubrik\n\nText med **fetstil** och [länk](sip).\n").html
    assert table_cards(html) == html


def test_everything_but_the_tables_is_left_as_the_renderer_wrote_it():
    html = render(CONTACTS).html
    shown = table_cards(html)
    undone = (shown.replace('<div class="table-wrap" role="region" tabindex="0" aria-label="Tabell: '
                            'Socialtjänsten dagtid">', "").replace("</table></div>", "</table>")
              .replace(' class="doc-table"', ""))
    for label in ("Vad gäller det?", "Vem du kontaktar", "När", "Telefon", "E-post eller e-tjänst"):
        undone = undone.replace(f' data-label="{label}"', "")
    assert undone == html


def test_the_comparison_labels_a_changed_heading_by_its_new_words():
    old = "| Vad | Telefon |\n|---|---|\n| Polisen | 114 14 |\n"
    new = "| Vad gäller det | Telefonnummer |\n|---|---|\n| Polisen | 114 14 |\n"
    changed = [block for block in compare_texts(old, new) if block.kind == "changed"]
    assert len(changed) == 1 and "<del>" in changed[0].html  # the words marked inside the header row
    assert labels(table_cards(changed[0].html)) == [["Vad gäller det", "Telefonnummer"]]


def test_the_comparison_labels_a_removed_table_by_its_headings():
    old = "Text.\n\n| Vad | Telefon |\n|---|---|\n| Polisen | 114 14 |\n"
    removed = [block for block in compare_texts(old, "Text.\n") if block.kind == "removed"]
    assert len(removed) == 1
    shown = table_cards(f'<del class="cmp-content">{removed[0].html}</del>')
    assert labels(shown) == [["Vad", "Telefon"]]


# --- The pages ------------------------------------------------------------------------------------

def test_the_document_page_labels_its_table_cells(client, login_as, make_document):
    document = make_document(body=CONTACTS)
    login_as("reader")
    page = client.get("/handbok/orosanmalan").get_data(as_text=True)
    assert labels(page)[0] == ["Vad gäller det?", "Vem du kontaktar", "När", "Telefon", "E-post eller e-tjänst"]
    assert '<td data-label="Telefon"><span class="blank">Uppgift saknas (telefonnummer)</span></td>' in page
    # The stored HTML is the renderer's, unchanged: the labels are added when the page is shown.
    assert "data-label" not in document.current_revision.html and "doc-table" not in document.current_revision.html


def test_the_cached_document_page_keeps_its_labels(client, login_as, make_document):
    make_document(body=CONTACTS)
    login_as("reader")
    first = client.get("/handbok/orosanmalan").get_data(as_text=True)
    again = client.get("/handbok/orosanmalan").get_data(as_text=True)
    assert labels(again) == labels(first) and labels(again)[0][3] == "Telefon"


def test_an_editor_sees_the_labels_too(client, login_as, make_document):
    make_document(body=CONTACTS)
    login_as("editor")
    page = client.get("/handbok/orosanmalan").get_data(as_text=True)
    assert '<td data-label="Telefon"><span class="blank">[fyll i telefonnummer]</span></td>' in page


def test_an_old_version_labels_its_table_cells(client, login_as, make_document, system):
    document = make_document(body=CONTACTS)
    latest = services.latest_revision(document)
    services.save_and_publish(system, document, base_number=latest.number, title=latest.title,
                              body="Inga tabeller längre.\n", meta=latest.meta, note="Tabellen borttagen",
                              substantial=False)
    login_as("reader")
    page = client.get("/handbok/orosanmalan/version/1").get_data(as_text=True)
    assert "Det här är inte den gällande versionen." in page
    assert labels(page)[0][3] == "Telefon"


def test_a_draft_labels_its_table_cells(client, login_as, make_document):
    make_document(body=CONTACTS, publish=False)
    login_as("editor")
    page = client.get("/handbok/orosanmalan/utkast").get_data(as_text=True)
    assert labels(page)[0][3] == "Telefon"


def test_the_editors_preview_shows_the_tables_as_the_page_does(client, login_as, make_document):
    document = make_document(body=CONTACTS)
    login_as("editor")
    live = client.post("/handbok/forhandsgranska", data={"body": CONTACTS}).get_json()["html"]
    assert labels(live)[0][3] == "Telefon"
    data = edit_data(document, services.latest_revision(document), action="preview")
    form = client.post("/handbok/orosanmalan/redigera", data=data).get_data(as_text=True)
    assert labels(form.split('id="preview-output"', 1)[1])[0][3] == "Telefon"


def test_the_stylesheet_makes_rows_cards_on_a_phone_and_keeps_words_whole(client):
    css = client.get("/static/css/portal.css").get_data(as_text=True)
    phone = css[css.index("On a phone a document's table is one card per row"):]
    phone = phone[:phone.index("\n}\n")]
    assert "td[data-label]::before { content: attr(data-label);" in phone
    assert ".prose .doc-table tr {" in phone and "display: block;" in phone
    assert "overflow-wrap: break-word; word-break: normal; hyphens: manual;" in css
