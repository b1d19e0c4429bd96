""""Gäller för enhetstyper" on the edit form: checkboxes stored as UNIT_KINDS keys only when chosen, so that
versions written before the field (no key) stay unchanged; narrowing the types away from units with
adoption work needs the editor's confirmation, like taking a department out of "gäller för"."""
import re

import pytest
from sqlalchemy import func, select

from portal.adoption import services as adoption
from portal.extensions import db
from portal.handbook import services
from portal.handbook.models import Document, Revision
from portal.org import services as org
from tests.conftest import table_snapshot
from tests.handbook.conftest import edit_data

SCHOOLS = {"decided_by": "Förvaltningschef", "applies_to": ["Bildningsförvaltningen"]}


@pytest.fixture
def preschool(organisation):
    return org.create_unit("test", organisation["school_dept"], "Förskolan Solrosen", "forskola")


def _revisions() -> int:
    return db.session.scalar(select(func.count()).select_from(Revision))


def _publish_data(document, unit_kinds, **changes):
    changes = {"body": document.current_revision.body + "\nTillägg.\n", "action": "publish",
               "change_note": "Bara skolor", "change_kind": "minor", **changes}
    return {**edit_data(document, document.current_revision, **changes), "unit_kinds": unit_kinds}


def _tick(system, document, unit):
    adoption.set_item(system, document, unit, revision_number=document.current_revision.number, index=0,
                      done=True, comment="")


def test_an_old_version_without_types_shows_none_chosen_and_an_unchanged_save_makes_no_version(
        client, login_as, make_document):
    document = make_document(meta=SCHOOLS)
    assert "unit_kinds" not in document.current_revision.meta  # as every version written before the field
    login_as("editor")
    page = client.get("/handbok/orosanmalan/redigera").get_data(as_text=True)
    group = re.search(r'<fieldset class="radios" id="unit_kinds"[^>]*>\s*<legend>Gäller för enhetstyper</legend>'
                      r'(.*?)</fieldset>', page, re.S)
    assert group and "Inga valda: alla typer av enheter i förvaltningarna ovan" in group.group(1)
    boxes = re.findall(r'<input[^>]*type="checkbox"[^>]*>', group.group(1))
    assert len(boxes) == 6 and not any("checked" in box for box in boxes)
    assert "Förskola" in group.group(1) and "Fritidsgård" in group.group(1)
    before = _revisions()
    response = client.post("/handbok/orosanmalan/redigera", data=edit_data(document, document.current_revision),
                           follow_redirects=True)
    assert "Inget är ändrat sedan version 1, så ingen ny version sparades." in response.get_data(as_text=True)
    assert _revisions() == before


def test_chosen_types_are_stored_as_keys_and_shown_on_the_document(client, login_as, make_document):
    document = make_document(meta=SCHOOLS)
    login_as("editor")
    response = client.post("/handbok/orosanmalan/redigera",
                           data=_publish_data(document, ["elevhalsa", "skola"], change_note="Skolor och elevhälsa"))
    assert response.status_code == 302
    revision = db.session.get(Document, document.id).current_revision
    assert revision.number == 2 and revision.meta["unit_kinds"] == ["skola", "elevhalsa"]
    page = client.get("/handbok/orosanmalan").get_data(as_text=True)
    assert "<dt>Gäller för enhetstyper</dt><dd>Skola, Elevhälsa</dd>" in page
    comparison = client.get("/handbok/orosanmalan/jamfor?fran=1&till=2").get_data(as_text=True)
    assert "Gäller för enhetstyper" in comparison and "Skola, Elevhälsa" in comparison


def test_no_types_chosen_stores_no_key_and_shows_nothing(client, login_as, make_document):
    document = make_document(meta=SCHOOLS)
    login_as("editor")
    assert client.post("/handbok/orosanmalan/redigera", data=_publish_data(document, [])).status_code == 302
    revision = db.session.get(Document, document.id).current_revision
    assert revision.number == 2 and "unit_kinds" not in revision.meta
    assert "Gäller för enhetstyper" not in client.get("/handbok/orosanmalan").get_data(as_text=True)
    assert "Gäller för enhetstyper" not in client.get("/handbok/orosanmalan/jamfor?fran=1&till=2").get_data(
        as_text=True)


def test_an_unknown_type_is_refused_and_changes_nothing(client, login_as, make_document, system):
    document = make_document(meta=SCHOOLS)
    login_as("editor")
    before = table_snapshot()
    response = client.post("/handbok/orosanmalan/redigera", data=_publish_data(document, ["gymnasium"]))
    assert response.status_code == 400 and table_snapshot() == before
    with pytest.raises(services.ValidationError, match="Okänd enhetstyp ”gymnasium”"):
        services.save_draft(system, document, base_number=1, title=document.title, body="Ny.\n",
                            meta={**SCHOOLS, "unit_kinds": ["gymnasium"]})


def test_narrowing_the_types_away_from_a_unit_with_adoption_work_needs_confirmation(
        client, login_as, make_document, system, preschool):
    document = make_document(meta=SCHOOLS)
    _tick(system, document, preschool)
    login_as("editor")
    before = table_snapshot()
    response = client.post("/handbok/orosanmalan/redigera", data=_publish_data(document, ["skola"]))
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and table_snapshot() == before
    assert ("Publiceringen begränsar ”Gäller för enhetstyper” till skola, så att enheter av typen förskola inte "
            "längre ska införa rutinen. 1 enhet (Förskolan Solrosen) har redan påbörjat") in page
    assert "bekräfta först att enhetstyperna ska tas bort" in page
    assert '<input type="checkbox" id="confirm_removal" name="confirm_removal" value="forskola"' in page
    assert "Ja, begränsa ”Gäller för enhetstyper” till skola: 1 enhet förlorar rutinen ur sina listor" in page
    response = client.post("/handbok/orosanmalan/redigera",
                           data=_publish_data(document, ["skola"], confirm_removal="forskola"))
    assert response.status_code == 302
    document = db.session.get(Document, document.id)
    assert document.current_revision.number == 2 and document.unit_kinds == ("skola",)
    assert not adoption.applies(document, preschool)


def test_narrowing_types_away_from_units_that_have_not_started_publishes_without_asking(
        client, login_as, make_document, system, organisation, preschool):
    document = make_document(meta=SCHOOLS)
    _tick(system, document, organisation["school"])  # work at a school, which keeps the routine
    login_as("editor")
    assert client.post("/handbok/orosanmalan/redigera", data=_publish_data(document, ["skola"])).status_code == 302
    assert db.session.get(Document, document.id).unit_kinds == ("skola",)


def test_a_saved_draft_narrowing_the_types_asks_on_the_draft_page_and_a_department_token_does_not_count(
        client, login_as, make_document, system, organisation, preschool):
    document = make_document(meta=SCHOOLS)
    adoption.confirm(system, document, preschool, revision_number=1, reason="Klart utan blankett")
    login_as("editor")
    assert client.post("/handbok/orosanmalan/redigera",
                       data=_publish_data(document, ["skola"], action="save")).status_code == 302
    page = client.get("/handbok/orosanmalan/utkast").get_data(as_text=True)
    assert "1 enhet (Förskolan Solrosen) har redan påbörjat" in page and 'value="forskola"' in page
    publish = {"number": "2", "change_note": "Bara skolor", "change_kind": "minor"}
    before = table_snapshot()
    wrong = str(organisation["school_dept"].id)
    assert client.post("/handbok/orosanmalan/publicera", data={**publish, "confirm_removal": wrong}).status_code == 400
    assert table_snapshot() == before
    response = client.post("/handbok/orosanmalan/publicera", data={**publish, "confirm_removal": "forskola"})
    assert response.status_code == 302
    assert db.session.get(Document, document.id).current_revision.number == 2


def test_the_service_names_both_a_removed_department_and_narrowed_types(make_document, system, organisation,
                                                                        preschool):
    document = make_document(meta={**SCHOOLS, "applies_to": ["Bildningsförvaltningen", "Socialförvaltningen"]})
    _tick(system, document, preschool)
    _tick(system, document, organisation["social"])
    draft = services.save_draft(system, document, base_number=1, title=document.title, body="Ny text.\n",
                                meta={**document.current_revision.meta, "applies_to": ["Bildningsförvaltningen"],
                                      "unit_kinds": ["skola"]})
    loss = services.revision_scope_loss(document, draft)
    assert loss.token == f"{organisation['social_dept'].id},forskola"
    assert [u.name for u in loss.units] == ["Förskolan Solrosen", "Mottagningsgruppen"]
    assert loss.message.startswith("Publiceringen tar bort Socialförvaltningen ur ”Gäller för” och begränsar "
                                   "”Gäller för enhetstyper” till skola")
    with pytest.raises(services.ValidationError, match="2 enheter"):
        services.publish(document, draft, system, "Smalare", True, confirmed_removal=[organisation["social_dept"].id])
    services.publish(document, draft, system, "Smalare", True,
                     confirmed_removal=[organisation["social_dept"].id, "forskola"])
    assert db.session.get(Document, document.id).current_revision.number == 2


def test_a_conflict_merge_takes_the_other_editors_types(make_document, system):
    document = make_document(meta=SCHOOLS)
    base = document.current_revision
    theirs = services.save_draft(system, document, base_number=1, title=document.title, body=base.body,
                                 meta={**base.meta, "unit_kinds": ["forskola"]})
    merge = services.merge_conflict(base, theirs, {"title": base.title, "body": base.body + "Mitt tillägg.\n",
                                                   "meta": services.normalize_meta(base.meta)})
    assert merge.meta["unit_kinds"] == ["forskola"]
    assert ("Gäller för enhetstyper", "–", "Förskola") in merge.taken
    unchanged = services.merge_conflict(base, base, {"title": base.title, "body": base.body, "meta": base.meta})
    assert "unit_kinds" not in unchanged.meta and not unchanged.taken
