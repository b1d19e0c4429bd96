"""Comparing versions as readers see them: rendered text, changed blocks marked, changed words inside;
the Markdown source diff for editors; nothing from a version reaches the page unescaped."""
import re
from html.parser import HTMLParser

import pytest

from portal.handbook import services

BASE = """Inledning om rutinen.

## Gör så här

1. Anmäl genast till socialtjänsten.
2. Berätta för rektor.
3. Skriv ner vad du har sett.

| Vem | Telefon |
|---|---|
| Mottagningen | 08-123 456 |

Ett stycke som tas bort i nästa version.

Anmäl genast till socialtjänsten och berätta sedan för rektor.
"""


def publish(document, body, *, title=None, system):
    latest = services.latest_revision(document)
    return services.save_and_publish(system, document, base_number=latest.number, title=title or latest.title,
                                     body=body, meta=latest.meta, note="Ändrat", substantial=False)


def compared_text(page: str) -> str:
    """The rendered comparison: the part of the page after its legend."""
    assert 'class="compare-text prose"' in page, "not the rendered view"
    return page.split('class="compare-text prose"', 1)[1].split("</main>", 1)[0]


def block_of(kind: str, text: str, region: str) -> str:
    """The marked block (cmp-added, cmp-removed, cmp-changed) that holds `text`."""
    for part in region.split(f'<div class="cmp-block cmp-{kind}">')[1:]:
        if text in part.split('<div class="cmp-block')[0]:
            return part
    raise AssertionError(f"no {kind} block with {text!r}")


@pytest.fixture
def two_versions(make_document, system):
    document = make_document(body=BASE)
    body = (BASE.replace("## Gör så här", "## Gör så här i skolan")
            .replace("2. Berätta för rektor.\n", "")
            .replace("| 08-123 456 |", "| 08-123 999 |")
            .replace("Ett stycke som tas bort i nästa version.\n\n", "")
            .replace("Anmäl genast till socialtjänsten och", "Anmäl omedelbart till socialtjänsten och")
            + "\nEtt nytt stycke om socialjouren.\n")
    publish(document, body, system=system)
    return document


def test_the_rendered_view_is_the_default_and_shows_no_markdown_syntax(client, login_as, two_versions):
    login_as("reader")
    page = client.get("/handbok/orosanmalan/jamfor?fran=1&till=2").get_data(as_text=True)
    region = compared_text(page)
    for syntax in ("## ", "**", "|---", "| Mottagningen", "1. Anmäl", "- [ ]"):
        assert syntax not in region, syntax
    assert 'class="diff"' not in page  # not the source diff
    # The heading, the list item and the table cell changed: each shown as its element, words marked.
    heading = block_of("changed", "<h2>", region)
    assert re.search(r"<h2>Gör så här <ins><span class=\"visually-hidden\">\[tillagt:\] </span>i skolan", heading)
    assert "<td data-label=\"Telefon\">08-123 <del><span class=\"visually-hidden\">[borttaget:] </span>456" in region
    assert "<ins><span class=\"visually-hidden\">[tillagt:] </span>999" in region


def test_added_removed_and_changed_blocks_are_marked_with_words(client, login_as, two_versions):
    login_as("reader")
    region = compared_text(client.get("/handbok/orosanmalan/jamfor?fran=1&till=2").get_data(as_text=True))
    removed = block_of("removed", "Ett stycke som tas bort", region)
    assert removed.startswith('<p class="cmp-label cmp-label-removed">Borttaget</p>')
    assert '<del class="cmp-content"><p>Ett stycke som tas bort i nästa version.</p>' in removed
    added = block_of("added", "socialjouren", region)
    assert added.startswith('<p class="cmp-label cmp-label-added">Tillagt</p>')
    assert '<ins class="cmp-content"><p>Ett nytt stycke om socialjouren.</p>' in added
    assert block_of("changed", "omedelbart", region).startswith(
        '<p class="cmp-label cmp-label-changed">Ändrat</p>')
    # A removed step keeps its own number; the steps after it keep theirs in the new version.
    step = region.split('<li value="2">', 1)[1].split("</li>", 1)[0]
    assert '<span class="cmp-label cmp-label-removed">Borttaget</span>' in step
    assert '<del class="cmp-content">Berätta för rektor.</del>' in step
    assert '<li value="2">Skriv ner vad du har sett.</li>' in region
    # Unchanged blocks are shown as they are, unmarked.
    assert "<p>Inledning om rutinen.</p>" in region
    assert "Inledning" not in "".join(part.split("</div>")[0] for part in region.split('class="cmp-block')[1:])


def test_changed_words_are_marked_inside_the_paragraph(client, login_as, two_versions):
    login_as("reader")
    region = compared_text(client.get("/handbok/orosanmalan/jamfor?fran=1&till=2").get_data(as_text=True))
    paragraph = block_of("changed", "omedelbart", region)
    assert ('<p>Anmäl <del><span class="visually-hidden">[borttaget:] </span>genast<span class="visually-hidden">'
            ' [slut borttaget]</span></del> <ins><span class="visually-hidden">[tillagt:] </span>omedelbart'
            '<span class="visually-hidden"> [slut tillagt]</span></ins> till socialtjänsten och berätta sedan '
            'för rektor.</p>') in paragraph


def test_long_runs_of_unchanged_blocks_are_folded(client, login_as, make_document, system):
    paragraphs = [f"Stycke nummer {n} om rutinen." for n in range(1, 11)]
    document = make_document(body="\n\n".join(paragraphs) + "\n")
    publish(document, "\n\n".join(paragraphs[:5] + ["Stycke nummer 6 om den nya rutinen."] + paragraphs[6:]) + "\n",
            system=system)
    login_as("reader")
    region = compared_text(client.get("/handbok/orosanmalan/jamfor?fran=1&till=2").get_data(as_text=True))
    folded = region.split('<details class="cmp-fold"><summary>4 oförändrade stycken</summary>', 1)[1]
    assert "<p>Stycke nummer 1 om rutinen.</p>" in folded.split("</details>")[0]
    before_change = region.split("nya")[0]
    assert before_change.count("<details") == 1
    assert "<p>Stycke nummer 5 om rutinen.</p>" in before_change.split("</details>")[1]  # context stays
    assert '<summary>3 oförändrade stycken</summary>' in region.split("nya")[1]


NOTE_BODY = "Inledning.\n\n> **Kontrollera (redaktör):** paragrafnumret om zebrafink.\n\nSlutet.\n"


def test_notes_to_the_editors_never_reach_a_reader(client, login_as, make_document, system):
    document = make_document(body=NOTE_BODY)
    publish(document, NOTE_BODY.replace("zebrafink", "zebrafink och struts")
            + "\n> **Kontrollera (redaktör):** telefonnummer till gnuhjorden.\n", system=system)
    login_as("reader")
    for query in ("?fran=1&till=2", "?fran=2&till=1", "?fran=1&till=2&visa=kalla"):
        page = client.get("/handbok/orosanmalan/jamfor" + query).get_data(as_text=True)
        for secret in ("zebrafink", "struts", "gnuhjorden", "Kontrollera"):
            assert secret not in page, (query, secret)
        assert "Versionerna är likadana." in page  # as the reader reads it, nothing changed
    client.post("/logga-ut")
    login_as("editor")  # in scope: sees the notes, marked, and what changed in them
    region = compared_text(client.get("/handbok/orosanmalan/jamfor?fran=1&till=2").get_data(as_text=True))
    assert '<blockquote class="editor-note">' in block_of("added", "gnuhjorden", region)
    assert "<ins><span class=\"visually-hidden\">[tillagt:] </span>och struts" in block_of("changed", "struts", region)


def test_editors_can_switch_to_the_source_diff(client, login_as, two_versions):
    login_as("editor")
    page = client.get("/handbok/orosanmalan/jamfor?fran=1&till=2").get_data(as_text=True)
    assert 'href="/handbok/orosanmalan/jamfor?fran=1&amp;till=2&amp;visa=kalla">källtexten (Markdown)</a>' in page
    assert 'aria-current="page">texten som i handboken</a>' in page
    source = client.get("/handbok/orosanmalan/jamfor?fran=1&till=2&visa=kalla").get_data(as_text=True)
    assert 'class="compare-text' not in source
    diff = source.split('<div class="diff"', 1)[1].split("</div>", 1)[0]
    assert "## Gör så här" in diff and "| Mottagningen |" in diff
    assert "<del><span class=\"visually-hidden\">[borttaget:] </span>genast" in diff
    assert '<input type="hidden" name="visa" value="kalla">' in source  # the form keeps the view
    assert 'aria-current="page">källtexten (Markdown)</a>' in source


def test_a_reader_is_not_offered_the_source_and_a_source_link_shows_the_text(client, login_as, two_versions):
    login_as("reader")
    page = client.get("/handbok/orosanmalan/jamfor?fran=1&till=2").get_data(as_text=True)
    assert "visa=kalla" not in page and "källtexten (Markdown)" not in page
    response = client.get("/handbok/orosanmalan/jamfor?fran=1&till=2&visa=kalla")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Källtexten i Markdown visas bara för handbokens redaktörer." in page
    assert "## Gör så här" not in page and 'class="diff"' not in page
    assert "<h2>Gör så här <ins>" in compared_text(page)


def test_a_bad_view_parameter_is_explained_in_swedish(client, login_as, two_versions):
    login_as("editor")
    for value in ("xml", "<script>alert(1)</script>", ""):
        response = client.get("/handbok/orosanmalan/jamfor", query_string={"fran": "1", "till": "2", "visa": value})
        page = response.get_data(as_text=True)
        assert response.status_code == 400, value
        assert "&#8221;Visa&#8221; kan vara &#8221;text&#8221;" in page.replace("”", "&#8221;"), value
        assert "<script>alert" not in page
    assert client.get("/handbok/orosanmalan/jamfor?fran=1&till=2&visa=text").status_code == 200


# --- Nothing a version holds reaches the page as markup --------------------------------------------

TRICKS = """Text med <script>alert('skript')</script> i.

<img src=x onerror=alert('bild')>

[Klicka här](javascript:alert('länk')) och [igen](JaVaScRiPt:alert(1)) och [tab](java\tscript:alert(1)).

<javascript:alert('autolänk')> och [data](data:text/html;base64,PHNjcmlwdD4=) och [vb](vbscript:msgbox(1)).

![bild](javascript:alert('img')) och [ref][1] och [tom](<javascript:alert(1)>).

[1]: javascript:alert('referens')

| <b onmouseover=alert(1)>cell</b> | [x](javascript:alert(2)) |
|---|---|
| "><script>alert(3)</script> | `<img src=x onerror=alert(4)>` |

- En punkt i en lista.

Ett stycke som får mer text.

> **Kontrollera (redaktör):** <script>alert('not')</script>
"""


class Elements(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def unsafe_markup(page: str) -> list:
    parser = Elements()
    parser.feed(page)
    found = []
    for tag, attrs in parser.tags:
        if tag == "script" and not (attrs.get("src") or "").startswith("/static/"):
            found.append((tag, attrs))
        if tag in ("img", "b", "i", "svg", "iframe", "object", "embed"):
            found.append((tag, attrs))
        for name, value in attrs.items():
            scheme = re.sub(r"[\s\x00-\x1f]", "", value or "").lower()
            if name.startswith("on") or name == "style" or \
                    (name in ("href", "src") and scheme.startswith(("javascript:", "vbscript:", "data:"))):
                found.append((tag, name, value))
    return found


@pytest.mark.parametrize("role", ["reader", "editor"])
def test_scripts_and_link_tricks_never_appear_unescaped(client, login_as, make_document, system, role):
    document = make_document(body=TRICKS, title="Rutin <script>alert('titel')</script>")
    changed = (TRICKS.replace("Text med", "Ny text med").replace("Klicka här", "Klicka nu")
               .replace("| <b onmouseover", "| <i onmouseover").replace("alert(3)", "alert(33)")
               .replace("<img src=x onerror=alert('bild')>\n\n", "")
               .replace("i en lista.", "i en lista <script>alert(9)</script>.")
               .replace("mer text.", "mer text <img src=x onerror=alert(8)> [och en länk](javascript:alert(7)).")
               .replace("| `<img", "| <svg onload=alert(6)> `<img"))
    publish(document, changed + "\n<img src=x onerror=alert('ny')>\n", title="Rutin <img src=x onerror=alert(5)>",
            system=system)
    login_as(role)
    for query in ("?fran=1&till=2", "?fran=2&till=1", "?fran=1&till=2&visa=kalla", "?fran=2&till=1&visa=kalla"):
        page = client.get("/handbok/orosanmalan/jamfor" + query).get_data(as_text=True)
        assert unsafe_markup(page) == [], query
        for raw in ("<script>alert", "<img src=x", "<b onmouseover", "<i onmouseover", "<svg", 'href="javascript',
                    "href='javascript", 'src="javascript'):
            assert raw not in page, (query, raw)
        assert "&lt;script&gt;alert(" in page  # shown as text, escaped
    # The check above finds what it looks for.
    assert unsafe_markup('<p><img src="x" onerror="alert(1)"><a href=" java\tscript:x">a</a></p>') == [
        ("img", {"src": "x", "onerror": "alert(1)"}), ("img", "onerror", "alert(1)"),
        ("a", "href", " java\tscript:x")]


def test_the_draft_page_links_to_the_rendered_comparison_of_the_draft(client, login_as, make_document, system):
    document = make_document(body=BASE)
    latest = services.latest_revision(document)
    body = BASE.replace("Anmäl genast till socialtjänsten och", "Anmäl omedelbart till socialtjänsten och")
    services.save_draft(system, document, base_number=latest.number, title=latest.title, body=body, meta=latest.meta)
    login_as("editor")
    page = client.get("/handbok/orosanmalan/utkast").get_data(as_text=True)
    assert '<a href="/handbok/orosanmalan/jamfor?fran=1&amp;till=2">Visa ändringarna i texten' in page
    region = compared_text(client.get("/handbok/orosanmalan/jamfor?fran=1&till=2").get_data(as_text=True))
    changed = block_of("changed", "omedelbart", region)
    assert "<ins><span class=\"visually-hidden\">[tillagt:] </span>omedelbart" in changed
