"""A new document's address: made from the title when left empty, and a non-conforming or taken
address is refused with a proposal put into the field."""
from sqlalchemy import select

from portal.extensions import db
from portal.handbook.models import Document
from tests.conftest import table_snapshot


def _base(organisation, **fields):
    return {"title": "Skyddsbedömning förskola", "kind": "routine",
            "department": str(organisation["social_dept"].id), "parent": "0", **fields}


def test_an_empty_address_is_made_from_the_title(client, login_as, organisation):
    login_as("editor")
    response = client.post("/handbok/ny", data=_base(organisation, slug=""))
    assert response.status_code == 302
    assert response.headers["Location"] == "/handbok/skyddsbedomning-forskola/redigera"
    assert db.session.scalar(select(Document).where(Document.slug == "skyddsbedomning-forskola")) is not None


def test_a_title_like_address_is_refused_with_the_cleaned_address_proposed_in_the_field(client, login_as,
                                                                                       organisation):
    login_as("editor")
    before = table_snapshot()
    response = client.post("/handbok/ny", data=_base(organisation, slug="Skyddsbedömning förskola"))
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and table_snapshot() == before
    assert "Förslag: skyddsbedomning-forskola (ifyllt i fältet" in page
    assert 'name="slug" type="text" value="skyddsbedomning-forskola"' in page
    assert 'value="Skyddsbedömning förskola"' in page  # the title is kept
    response = client.post("/handbok/ny", data=_base(organisation, slug="skyddsbedomning-forskola"))
    assert response.status_code == 302


def test_a_taken_or_reserved_address_made_from_the_title_proposes_a_free_variant(client, login_as, organisation,
                                                                                 make_document):
    make_document()
    login_as("editor")
    before = table_snapshot()
    for title, message in [("Orosanmälan", "Adressen ”orosanmalan”, som bildas av rubriken, används redan. "
                                           "Förslag: orosanmalan-2"),
                           ("Ny", "Adressen ”ny”, som bildas av rubriken, är reserverad. Förslag: ny-2"),
                           ("???", "Rubriken innehåller inga bokstäver eller siffror")]:
        response = client.post("/handbok/ny", data=_base(organisation, title=title, slug=""))
        assert response.status_code == 400 and message in response.get_data(as_text=True), title
    response = client.post("/handbok/ny", data=_base(organisation, slug="orosanmalan"))
    assert "Adressen ”orosanmalan” används redan. Förslag: orosanmalan-2" in response.get_data(as_text=True)
    assert table_snapshot() == before


def test_rename_proposes_the_cleaned_address(client, login_as, make_document):
    make_document()
    login_as("editor")
    before = table_snapshot()
    response = client.post("/handbok/orosanmalan/installningar", data={"adress-slug": "Anmäl oro!"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and table_snapshot() == before
    assert "Förslag: anmal-oro (ifyllt i fältet – tryck ”Byt adress” igen" in page
    assert 'value="anmal-oro"' in page
