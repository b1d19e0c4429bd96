"""How a text renders around the portal's own page: heading ids, table alignment, links by slug."""
import re
from collections import Counter
from pathlib import Path

from portal.handbook.markdown import PAGE_IDS, render

TEMPLATES = Path(__file__).resolve().parents[2] / "portal" / "templates"
STATIC_JS = Path(__file__).resolve().parents[2] / "portal" / "static" / "js"


def test_every_literal_id_of_the_templates_and_scripts_is_reserved():
    """A heading must not take an id a page already uses; a new id in a template must be added to PAGE_IDS."""
    used = {m for path in TEMPLATES.rglob("*.html")
            for m in re.findall(r'\sid="([a-z][a-z0-9-]*)"', path.read_text(encoding="utf-8"))}
    used |= {m for path in STATIC_JS.glob("*.js")
             for m in re.findall(r'\.id = "([a-z][a-z0-9-]*)";', path.read_text(encoding="utf-8"))}
    assert used and used <= PAGE_IDS, sorted(used - PAGE_IDS)


def test_a_heading_named_like_a_page_id_gets_its_own_id():
    rendered = render("## Innehåll\n\nText.\n\n## Relaterat\n\n## Innehåll\n\n## Syfte\n")
    assert [entry["id"] for entry in rendered.toc] == ["innehall-rubrik", "relaterat-rubrik",
                                                       "innehall-rubrik-1", "syfte"]
    assert 'id="innehall"' not in rendered.html


def test_document_page_has_no_duplicate_ids(client, login_as, make_document):
    make_document(body="## Innehåll\n\nA.\n\n## Relaterat\n\nB.\n\n## Dokumentrubrik\n\nC.\n")
    login_as("reader")
    page = client.get("/handbok/orosanmalan").get_data(as_text=True)
    ids = Counter(re.findall(r'\sid="([^"]+)"', page))
    assert ids["innehall"] == 1 and ids["innehall-rubrik"] == 1
    assert [name for name, count in ids.items() if count > 1] == []
    assert '<a href="#innehall-rubrik">Innehåll</a>' in page


def test_table_alignment_is_classes_not_inline_styles():
    """The CSP (style-src 'self') ignores style attributes, so alignment must come from the stylesheet."""
    html = render("| a | b | c | d |\n|:--|:-:|--:|---|\n| 1 | 2 | 3 | 4 |\n").html
    assert "style=" not in html
    assert '<th class="align-left">a</th>' in html and '<td class="align-center">2</td>' in html
    assert '<td class="align-right">3</td>' in html and "<td>4</td>" in html
    css = (TEMPLATES.parent / "static" / "css" / "portal.css").read_text(encoding="utf-8")
    assert "td.align-center { text-align: center; }" in css and "td.align-right { text-align: right; }" in css


def test_a_slug_link_in_capitals_leads_to_the_document():
    rendered = render("[SIP](SIP), [BUS](/handbok/BUS#syfte), [sekretess](Sekretess#delning) och [sip](sip).\n")
    assert re.findall(r'href="([^"]+)"', rendered.html) == ["/handbok/sip", "/handbok/bus#syfte",
                                                              "/handbok/sekretess#delning", "/handbok/sip"]
    assert rendered.links == {"sip", "bus", "sekretess"}


def test_capitals_link_to_a_missing_document_is_reported(client, login_as, make_document):
    make_document("sip", "SIP", body="SIP.\n")
    make_document("orosanmalan", body="Se [SIP](SIP) och [saknas](Finns-Inte).\n")
    login_as("editor")
    page = client.get("/redaktor").get_data(as_text=True)
    assert "<code>finns-inte</code></td><td>Dokumentet finns inte" in page
    assert "<code>sip</code>" not in page
    assert client.get("/handbok/sip").status_code == 200
