"""Nothing a writer types can run script: raw HTML off, link schemes limited."""
import re

import pytest

from portal.handbook.markdown import extract_checklist, render

ATTACKS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "[klicka](javascript:alert(1))",
    "[klicka](JaVaScRiPt:alert(1))",
    "[klicka](java\tscript:alert(1))",
    "[klicka](vbscript:msgbox(1))",
    "[klicka](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![bild](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    '<a href="#" onclick="alert(1)">x</a>',
    '<div onmouseover="alert(1)">hovra</div>',
    "[x](//evil.example/steal)",
    '<iframe src="https://evil.example"></iframe>',
    "[x](file:///etc/passwd)",
]


@pytest.mark.parametrize("attack", ATTACKS)
def test_attack_renders_inert(attack):
    html = render(attack).html
    lowered = html.lower()
    assert "<script" not in lowered and "<img" not in lowered and "<iframe" not in lowered
    assert "<div" not in lowered and 'onclick="' not in lowered and 'onerror="' not in lowered
    assert 'href="javascript' not in lowered and 'href="data:' not in lowered
    assert 'href="vbscript' not in lowered and 'href="//' not in lowered and 'href="file:' not in lowered


def test_allowed_links_keep_working():
    html = render("[a](https://www.skolverket.se) [b](mailto:a@b.se) [c](tel:112) [d](#rubrik) [e](sip)").html
    assert 'href="https://www.skolverket.se"' in html and 'rel="noopener noreferrer"' in html
    assert 'href="mailto:a@b.se"' in html and 'href="tel:112"' in html
    assert 'href="#rubrik"' in html and 'href="/handbok/sip"' in html


def test_attack_through_http_is_stored_escaped(client, login_as, make_document):
    from tests.handbook.conftest import edit_data

    document = make_document()
    login_as("editor")
    body = "\n\n".join(ATTACKS) + "\n"
    client.post("/handbok/orosanmalan/redigera", data=edit_data(
        document, document.current_revision, body=body, title='<script>alert("t")</script>',
        action="publish", change_note="<b>not</b>", change_kind="minor"))
    page = client.get("/handbok/orosanmalan").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert '<script>alert("t")</script>' not in page and "&lt;script&gt;alert(&#34;t&#34;)" in page
    assert "<b>not</b>" not in page


def test_tables_footnotes_and_task_lists_render():
    html = render("| A | B |\n|---|---|\n| 1 | 2 |\n\nText[^1]\n\n[^1]: Källa\n\n- [ ] Gör\n").html
    assert "<table>" in html and "<th>A</th>" in html
    assert 'class="footnote-ref"' in html and "Källa" in html
    assert 'type="checkbox"' in html and "<label>" in html


def test_checklist_is_the_task_list_under_its_heading_only():
    text = ("## Annat\n\n- [ ] inte med\n\n## Checklista för införande\n\n- [ ] Rutinen är genomgången på APT\n"
            "- [x] Blanketten   finns\n- vanlig punkt\n\n### Underrubrik\n\n- [ ] också med\n\n## Sist\n\n- [ ] nej\n")
    assert extract_checklist(text) == ["Rutinen är genomgången på APT", "Blanketten finns", "också med"]


def test_an_external_image_becomes_a_link_and_a_local_one_stays_an_image():
    """The CSP allows images from the portal only (img-src 'self'), so the renderer makes no <img>
    that the browser would block: external images become links, data: images are refused."""
    html = render('![Flödesschema](https://example.se/flode.png "Flödet") ![](http://example.se/b.png) '
                  "![Logga](/static/logga.png) [![Inne i länk](https://example.se/c.png)](https://example.se)\n").html
    assert '<a href="https://example.se/flode.png" title="Flödet" rel="noopener noreferrer">Bild: Flödesschema</a>' in html
    assert '<a href="http://example.se/b.png" rel="noopener noreferrer">Bild: http://example.se/b.png</a>' in html
    assert '<a href="https://example.se" rel="noopener noreferrer">Bild: Inne i länk</a>' in html
    assert re.findall(r'<img src="([^"]*)"', html) == ["/static/logga.png"]
    assert "<img" not in render("![bild](data:image/png;base64,iVBORw0KGgo=)\n").html
