""""Gäller för" on the edit forms: a group of checkboxes, and a publish that takes departments away from
units that have started adopting the routine is done only when the editor confirms it."""
import re

import pytest
from sqlalchemy import select

from portal.adoption import services as adoption
from portal.extensions import db
from portal.handbook import services
from portal.handbook.models import Document
from portal.org.models import Department
from tests.conftest import table_snapshot
from tests.handbook.conftest import edit_data

BOTH = ["Bildningsförvaltningen", "Socialförvaltningen"]


def _routine(make_document):
    return make_document(meta={"decided_by": "Socialchef", "applies_to": BOTH})


def _department_id(name):
    return str(db.session.scalar(select(Department.id).where(Department.name == name)))


def _tick(system, document, unit):
    adoption.set_item(system, document, unit, revision_number=document.current_revision.number, index=0,
                      done=True, comment="")


def _publish_data(document, applies_to, **changes):
    changes = {"body": document.current_revision.body + "\nTillägg.\n", "action": "publish",
               "change_note": "Gäller bara socialtjänsten", "change_kind": "minor", **changes}
    data = edit_data(document, document.current_revision, **changes)
    data["applies_to"] = [_department_id(name) for name in applies_to]
    return data


def test_applies_to_is_a_fieldset_of_checkboxes_on_the_edit_and_create_forms(client, login_as, make_document):
    document = _routine(make_document)
    login_as("editor")
    for url in ("/handbok/orosanmalan/redigera", "/handbok/ny"):
        page = client.get(url).get_data(as_text=True)
        assert "<select multiple" not in page and 'name="applies_to" multiple' not in page, url
        group = re.search(r'<fieldset class="radios" id="applies_to"[^>]*>\s*<legend>Gäller för förvaltningar'
                          r'</legend>(.*?)</fieldset>', page, re.S)
        assert group, url
        boxes = re.findall(r'<input[^>]*type="checkbox"[^>]*>', group.group(1))
        assert len(boxes) == 2 and all('name="applies_to"' in box for box in boxes), url
        assert 'aria-describedby="applies_to-tips"' in page
    page = client.get("/handbok/orosanmalan/redigera").get_data(as_text=True)
    checked = re.findall(r'<input checked[^>]*value="(\d+)"|<input[^>]*value="(\d+)"[^>]*checked', page)
    assert {a or b for a, b in checked} >= {_department_id(name) for name in BOTH}
    assert document.applies_to  # untouched


@pytest.mark.parametrize("kept", [["Socialförvaltningen"], []], ids=["narrowed", "emptied"])
def test_publish_removing_a_department_with_adoption_work_is_refused_and_keeps_what_was_typed(
        client, login_as, make_document, system, organisation, kept):
    document = _routine(make_document)
    _tick(system, document, organisation["school"])
    login_as("editor")
    before = table_snapshot()
    response = client.post("/handbok/orosanmalan/redigera", data=_publish_data(document, kept))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert table_snapshot() == before
    assert "Publiceringen tar bort Bildningsförvaltningen ur ”Gäller för”. 1 enhet där (Ekbackens skola)" in page
    assert "Min enhet, införandeöversikten, exporterna och API:t" in page
    token = _department_id("Bildningsförvaltningen")
    assert (f'<input type="checkbox" id="confirm_removal" name="confirm_removal" value="{token}"'
            in page)
    assert "Ja, ta bort Bildningsförvaltningen ur ”Gäller för”: 1 enhet förlorar rutinen ur sina listor" in page
    assert "Tillägg." in page and "Gäller bara socialtjänsten" in page  # the text and note are kept
    assert "Versionen är inte publicerad" in page


def test_a_confirmed_removal_publishes_and_the_units_lose_the_routine(client, login_as, make_document, system,
                                                                     organisation):
    document = _routine(make_document)
    _tick(system, document, organisation["school"])
    login_as("editor")
    token = _department_id("Bildningsförvaltningen")
    response = client.post("/handbok/orosanmalan/redigera",
                           data=_publish_data(document, ["Socialförvaltningen"], confirm_removal=token))
    assert response.status_code == 302
    document = db.session.get(Document, document.id)
    assert document.current_revision.number == 2
    assert [d.name for d in document.applies_to] == ["Socialförvaltningen"]


def test_a_confirmation_of_other_departments_does_not_count(client, login_as, make_document, system, organisation):
    document = _routine(make_document)
    _tick(system, document, organisation["school"])
    login_as("editor")
    before = table_snapshot()
    response = client.post("/handbok/orosanmalan/redigera", data=_publish_data(
        document, ["Socialförvaltningen"], confirm_removal=_department_id("Socialförvaltningen")))
    assert response.status_code == 400 and table_snapshot() == before


def test_removing_a_department_whose_units_have_not_started_publishes_without_asking(client, login_as,
                                                                                     make_document):
    document = _routine(make_document)
    login_as("editor")
    response = client.post("/handbok/orosanmalan/redigera", data=_publish_data(document, ["Socialförvaltningen"]))
    assert response.status_code == 302
    assert [d.name for d in db.session.get(Document, document.id).applies_to] == ["Socialförvaltningen"]


def test_a_saved_draft_narrowing_applies_to_is_saved_freely_and_the_draft_page_asks_to_confirm(
        client, login_as, make_document, system, organisation):
    document = _routine(make_document)
    adoption.confirm(system, document, organisation["school"], revision_number=1, reason="Klart utan blankett")
    login_as("editor")
    data = _publish_data(document, ["Socialförvaltningen"], action="save")
    assert client.post("/handbok/orosanmalan/redigera", data=data).status_code == 302
    assert services.pending_draft(db.session.get(Document, document.id)).number == 2
    page = client.get("/handbok/orosanmalan/utkast").get_data(as_text=True)
    assert "Publiceringen tar bort Bildningsförvaltningen ur ”Gäller för”. 1 enhet där (Ekbackens skola)" in page
    assert 'name="confirm_removal"' in page
    assert 'name="confirm_removal"' in client.get("/handbok/orosanmalan/redigera").get_data(as_text=True)
    before = table_snapshot()
    response = client.post("/handbok/orosanmalan/publicera",
                           data={"number": "2", "change_note": "Bara socialtjänsten", "change_kind": "minor"})
    assert response.status_code == 400 and table_snapshot() == before
    assert "Publiceringen tar bort Bildningsförvaltningen" in response.get_data(as_text=True)
    response = client.post("/handbok/orosanmalan/publicera", data={
        "number": "2", "change_note": "Bara socialtjänsten", "change_kind": "minor",
        "confirm_removal": _department_id("Bildningsförvaltningen")})
    assert response.status_code == 302
    assert db.session.get(Document, document.id).current_revision.number == 2


def test_the_service_refuses_an_unconfirmed_removal(make_document, system, organisation):
    document = _routine(make_document)
    _tick(system, document, organisation["school"])
    draft = services.save_draft(system, document, base_number=1, title=document.title, body="Ny text.\n",
                                meta={**document.current_revision.meta, "applies_to": ["Socialförvaltningen"]})
    with pytest.raises(services.ValidationError, match="1 enhet där"):
        services.publish(document, draft, system, "Smalare", True)
    assert db.session.get(Document, document.id).current_revision.number == 1
