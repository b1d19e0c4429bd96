"""A hit leads to the section of the document where its snippet is: under the title link (which
leads to the top of the document), a link "Till avsnittet ”…”" to the heading at or above the
snippet, by the id the document page gives that heading."""
import json
import re
from html import unescape
from pathlib import Path

import pytest
from sqlalchemy import update

from portal.extensions import db
from portal.handbook.models import Revision
from portal.search import engine, services

from .conftest import doc


def items(client, q, **params) -> list[str]:
    html = client.get("/sok", query_string={"q": q, **params}).get_data(as_text=True)
    listing = re.search(r'<ol id="sokresultat"[^>]*>(.*?)</ol>', html, re.S)
    return re.findall(r"<li>(.*?)</li>", listing.group(1), re.S) if listing else []


def links(item: str) -> list[tuple[str, str]]:
    """(href, text) of an item's links, the text as read aloud (hidden words included)."""
    return [(unescape(href), " ".join(unescape(re.sub(r"<[^>]+>", "", text)).split()))
            for href, text in re.findall(r'<a href="([^"]+)"[^>]*>(.*?)</a>', item, re.S)]


def section_link(item: str) -> tuple[str, str] | None:
    found = [(href, text) for href, text in links(item) if "#" in href]
    assert len(found) <= 1, found
    return found[0] if found else None


def ids_on(client, path: str) -> list[str]:
    return re.findall(r'\sid="([^"]+)"', client.get(path).get_data(as_text=True))


def test_a_hit_links_to_the_section_of_its_snippet_and_its_title_to_the_top(client, login_as, shipped_handbook):
    login_as("reader")
    first = items(client, "lova inte att hålla det hemligt")[0]
    (title_href, title), *_ = links(first)
    assert (title_href, title) == ("/handbok/orosanmalan", "Orosanmälan – när och hur")
    assert "<mark>hemligt</mark>" in first
    assert section_link(first) == ("/handbok/orosanmalan#steg-for-steg",
                                   "Till avsnittet ”Steg för steg” i Orosanmälan – när och hur")
    assert ids_on(client, "/handbok/orosanmalan").count("steg-for-steg") == 1


@pytest.mark.parametrize("q", ["orosanmälan", "sekretess", "sip", "skolfrånvaro", "blåmärken", "socialjouren",
                               "barnet ber mig att inte berätta", "placerade barn", "hedersrelaterat våld"])
def test_every_section_link_leads_to_a_heading_the_document_page_has(client, login_as, shipped_handbook, q):
    login_as("reader")
    found = [section_link(item) for item in items(client, q)]
    assert any(found), q  # the shipped handbook's hits are mostly below a heading
    for href, text in filter(None, found):
        path, fragment = href.split("#")
        page = client.get(path).get_data(as_text=True)
        heading = re.search(rf'<h([2-4]) id="{re.escape(fragment)}">(.*?)</h\1>', page, re.S)
        assert heading, href
        shown = " ".join(unescape(re.sub(r"<[^>]+>", "", heading.group(2))).split())
        assert text.startswith(f"Till avsnittet ”{shown}”"), (text, shown)
        assert re.findall(r'\sid="([^"]+)"', page).count(fragment) == 1, href


BODY = """Inledning om oro för ett barn, före varje rubrik.

## Samtycke

Vårdnadshavarna ger samtycke till en SIP.

## Samtycke

Ett barn över tolv år tillfrågas om samtycket till mötet med hälso- och sjukvården.

## Innehåll

Blanketten för orosanmälan finns i e-tjänsten.

## Kontakt <med> [fyll i enhet]

Ring mottagningsgruppen om tolkbehov.
"""


@pytest.fixture
def sections_document(make_document):
    return make_document("samtycke-sip", "Samtycke inför SIP", body=BODY, meta={"tags": ["sip"]})


def test_a_repeated_heading_is_linked_by_the_id_the_page_gives_the_second_one(client, login_as, sections_document):
    login_as("reader")
    href, text = section_link(items(client, "tolv år")[0])
    assert href == "/handbok/samtycke-sip#samtycke-1" and text.startswith("Till avsnittet ”Samtycke”")
    assert section_link(items(client, "vårdnadshavarna ger")[0])[0] == "/handbok/samtycke-sip#samtycke"
    assert {"samtycke", "samtycke-1"} <= set(ids_on(client, "/handbok/samtycke-sip"))


def test_a_heading_named_as_one_of_the_pages_own_ids_is_linked_by_its_rubrik_id(client, login_as,
                                                                                sections_document):
    login_as("reader")
    href, _ = section_link(items(client, "blanketten e-tjänsten")[0])
    assert href == "/handbok/samtycke-sip#innehall-rubrik"  # #innehall is the page's main element
    assert "innehall-rubrik" in ids_on(client, "/handbok/samtycke-sip")


def test_a_section_heading_is_named_escaped_and_with_its_blank_as_readers_see_it(client, login_as,
                                                                                sections_document):
    login_as("reader")
    item = items(client, "tolkbehov")[0]
    assert "Till avsnittet ”Kontakt &lt;med&gt; Uppgift saknas (enhet)”" in item
    assert section_link(item)[0] == "/handbok/samtycke-sip#kontakt-med-fyll-i-enhet"
    assert "kontakt-med-fyll-i-enhet" in ids_on(client, "/handbok/samtycke-sip")


def test_a_snippet_above_every_heading_or_without_the_words_has_no_section_link(client, login_as,
                                                                               sections_document):
    login_as("reader")
    above = items(client, "inledning")[0]
    assert "<mark>Inledning</mark>" in above and section_link(above) is None
    title_only = items(client, "inför")[0]  # only the title has the word: the snippet is the beginning
    assert "<mark>" not in title_only.split('class="hit-snippet"')[1] and section_link(title_only) is None
    assert [href for href, _ in links(title_only)] == ["/handbok/samtycke-sip"]


def test_a_revision_rendered_by_an_older_renderer_is_linked_by_the_ids_its_page_shows(client, login_as,
                                                                                     sections_document):
    """A stored revision keeps the HTML it was published with; if the renderer named a heading
    otherwise then ("innehall" before it was one of the page's ids), the page shows that id."""
    revision_id = sections_document.current_revision_id
    html = sections_document.current_revision.html.replace('id="innehall-rubrik"', 'id="innehall"')
    db.session.execute(update(Revision).where(Revision.id == revision_id).values(html=html))
    db.session.commit()
    services.rebuild_index()
    login_as("reader")
    assert section_link(items(client, "blanketten e-tjänsten")[0])[0] == "/handbok/samtycke-sip#innehall"


def test_an_index_built_before_sections_were_indexed_is_rebuilt(app, client, login_as, sections_document):
    """An index of format 6 has no sections; its version marker makes the portal rebuild it at the
    next search, after which the hits have their section links."""
    path = Path(app.config["SEARCH_INDEX_DIR"])
    entry = services.index_entry(sections_document)
    del entry["sections"]  # what version 6 indexed
    engine.rebuild(path, [entry], watermark=engine.read_watermark(services.get_index()))
    login_as("reader")
    marker = path.resolve() / engine.MARKER_FILE
    marker.write_text(json.dumps({"format": engine.FORMAT_VERSION, "analysis": engine.ANALYSIS_VERSION}))
    assert section_link(items(client, "tolv år")[0]) is None  # the old index, used while it says it is current
    marker.write_text(json.dumps({"format": 6, "analysis": engine.ANALYSIS_VERSION}))  # as version 6 wrote it
    assert section_link(items(client, "tolv år")[0])[0] == "/handbok/samtycke-sip#samtycke-1"
    rebuilt = json.loads((path.resolve() / engine.MARKER_FILE).read_text())
    assert rebuilt == {"format": engine.FORMAT_VERSION, "analysis": engine.ANALYSIS_VERSION}
    assert engine.FORMAT_VERSION > 6


@pytest.mark.parametrize("sections", [
    "steg", [(0, "syfte")], [("0", "syfte", "Syfte")], [(-1, "syfte", "Syfte")], [(0, 5, "Syfte")],
    [(10, "b", "B"), (0, "a", "A")], [(True, "syfte", "Syfte")],
])
def test_the_index_refuses_sections_it_could_not_link_by(fresh_index, sections):
    entry = dict(doc("sip", "SIP", "routine", "social", [], "Syfte\nText."), sections=sections)
    with pytest.raises(ValueError):
        engine.upsert(fresh_index, [entry])


def test_the_engine_finds_the_section_from_where_the_snippet_begins(fresh_index):
    body = "Om planen.\nSyfte\nPlanen samordnar.\nMöte\nKallelsen skickas av kommunen."
    sections = [(body.index("Syfte"), "syfte", "Syfte"), (body.index("Möte"), "mote", "Möte")]
    engine.upsert(fresh_index, [dict(doc("sip", "SIP", "routine", "social", [], body), sections=sections)])
    hit = lambda q: engine.search(fresh_index, q, synonyms=None).hits[0]  # noqa: E731
    assert (hit("kallelsen").section_id, hit("kallelsen").section_title) == ("mote", "Möte")
    assert hit("samordnar").section_id == "syfte"
    assert hit("möte").section_id == "mote"  # the heading itself is in its section
    assert hit("planen").section_id is None  # the first "planen" is above every heading
