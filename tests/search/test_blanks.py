"""Blanks not filled in yet ("[fyll i telefonnummer]") are searched and shown as readers see them
on the document page: "Uppgift saknas (telefonnummer)", never the bracket."""
import json
import re
from pathlib import Path

from sqlalchemy import select

from portal.extensions import db
from portal.handbook.markdown import plain_text
from portal.handbook.models import Document
from portal.search import engine, services

BLANKS = ("Ring mottagningen på [fyll i telefonnummer] dagtid.\n\n"
          "| Vad | När |\n|---|---|\n| Socialjouren | [fyll i tider, t.ex. kl. 16.30–08.00] |\n")
EXAMPLE = "Skriv så här i mallen: `[fyll i namn på förskolan]` där namnet saknas.\n"


def snippets(client, q):
    html = client.get("/sok", query_string={"q": q}).get_data(as_text=True)
    return re.findall(r'<p class="hit-snippet">(.*?)</p>', html, re.S)


def test_a_snippet_shows_a_blank_as_the_document_page_does(client, login_as, make_document):
    make_document("kontaktvagar", "Kontaktvägar", body=BLANKS, meta={"tags": ["kontakt"]})
    login_as("reader")
    page = client.get("/handbok/kontaktvagar").get_data(as_text=True)
    assert '<span class="blank">Uppgift saknas (tider, t.ex. kl. 16.30–08.00)</span>' in page
    found = snippets(client, "telefonnummer")
    assert found == ["Ring mottagningen på Uppgift saknas (<mark>telefonnummer</mark>) dagtid. "
                     "Vad När Socialjouren Uppgift saknas (tider, t.ex. kl. 16.30–08.00)"]
    assert "fyll" not in snippets(client, "tider")[0]


def test_fyll_i_does_not_find_a_document_by_its_blanks(make_document, login_as, hits):
    make_document("kontaktvagar", "Kontaktvägar", body=BLANKS, meta={"tags": ["kontakt"]})
    login_as("reader")
    assert hits("telefonnummer") == ["kontaktvagar"]
    assert hits("fyll i") == [] and hits('"fyll i"') == []
    assert hits("uppgift saknas") == ["kontaktvagar"]  # what readers see is what is searched


def test_a_blank_in_code_is_an_example_shown_and_found_as_written(client, login_as, make_document, hits):
    make_document("mallar", "Mallar för rutiner", body=EXAMPLE, meta={"tags": ["mall"]})
    login_as("reader")
    assert "<code>[fyll i namn på förskolan]</code>" in client.get("/handbok/mallar").get_data(as_text=True)
    assert hits("fyll i namn") == ["mallar"]
    assert "[<mark>fyll</mark> i <mark>namn</mark> på förskolan]" in snippets(client, "fyll i namn")[0]


def test_the_shipped_contact_page_is_not_found_by_its_blanks(client, login_as, hits, shipped_handbook):
    login_as("reader")
    assert "kontaktvagar" in hits("telefonnummer socialjouren")
    assert "kontaktvagar" not in hits("fyll i")
    html = client.get("/sok", query_string={"q": "telefontider"}).get_data(as_text=True)
    assert "Uppgift saknas (<mark>telefontider</mark>)" in html and "[fyll" not in html


def test_without_blanks_the_indexed_text_is_the_plain_text(shipped_handbook):
    """The indexed text walks the Markdown as plain_text() does: only blanks differ."""
    documents = db.session.scalars(select(Document)).all()
    plain = [d for d in documents if d.current_revision and "[fyll i" not in d.current_revision.body.lower()]
    assert len(plain) > 10
    for document in plain:
        assert services.index_entry(document)["body"] == plain_text(document.current_revision.body), document.slug


def test_an_index_built_before_blanks_were_shown_as_readers_see_them_is_rebuilt(app, make_document, login_as, hits):
    """An index an older version wrote holds the brackets; its version marker makes the portal
    rebuild it at the next search instead of searching the brackets."""
    document = make_document("kontaktvagar", "Kontaktvägar", body=BLANKS, meta={"tags": ["kontakt"]})
    path = Path(app.config["SEARCH_INDEX_DIR"])
    old_entry = dict(services.index_entry(document), body=plain_text(BLANKS))
    engine.rebuild(path, [old_entry], watermark=engine.read_watermark(services.get_index()))
    login_as("reader")
    marker = path.resolve() / engine.MARKER_FILE
    marker.write_text(json.dumps({"format": engine.FORMAT_VERSION, "analysis": engine.ANALYSIS_VERSION}))
    assert hits("fyll i") == ["kontaktvagar"]  # the old text, searched as long as the marker says it is current
    marker.write_text(json.dumps({"format": 5, "analysis": engine.ANALYSIS_VERSION}))  # as version 5 wrote it
    assert hits("fyll i") == []
    assert hits("telefonnummer") == ["kontaktvagar"]
    rebuilt = json.loads((path.resolve() / engine.MARKER_FILE).read_text())
    assert rebuilt == {"format": engine.FORMAT_VERSION, "analysis": engine.ANALYSIS_VERSION}
    assert engine.FORMAT_VERSION > 5  # indexes of version 5 and before hold the brackets
