"""Units and departments of a grant or a scope are checkboxes, units grouped under their department
in a fieldset each (no Ctrl-click list); what is sent and how it is checked is as before."""
import re

from portal.auth.models import User
from portal.extensions import db
from portal.org import services as org


def _group(html: str, field_id: str) -> str:
    return re.search(rf'<fieldset class="radios" id="{field_id}"[^>]*>(.*?)</fieldset>\s*</div>', html, re.S).group(1)


def _legends_and_boxes(group_html: str) -> list[tuple[str, list[str]]]:
    return [(legend, re.findall(r'<label for="[^"]+">(.*?)</label>', body)) for legend, body in re.findall(
        r'<fieldset class="radios check-group">\s*<legend>(.*?)</legend>(.*?)</fieldset>', group_html, re.S)]


def test_grant_and_scope_units_are_checkboxes_under_their_departments(client, admin, make_user, organisation):
    org.create_unit("test", organisation["social_dept"], "Ekbackens skola", "skola")
    head = make_user("unit_head", units=[organisation["school"]])
    page = client.get(f"/admin/anvandare/{head.id}").get_data(as_text=True)
    assert "<select multiple" not in page and "Ctrl" not in page
    expected = [("Bildningsförvaltningen", ["Ekbackens skola", "Sjöängsskolan"]),
                ("Socialförvaltningen", ["Ekbackens skola", "Mottagningsgruppen"])]
    grant = _group(page, "roll-units")
    assert "<legend>Enheter (för rektor/enhetschef)</legend>" in grant
    assert _legends_and_boxes(grant) == expected
    scope = _group(page, "omfang-units")
    assert _legends_and_boxes(scope) == expected
    checked = re.findall(r'<input checked id="omfang-units-\d+" name="omfang-units" type="checkbox" value="(\d+)">',
                         scope)
    assert checked == [str(organisation["school"].id)]
    departments = _group(page, "roll-departments")
    assert re.findall(r'type="checkbox" value="(\d+)"', departments) == [
        str(organisation["school_dept"].id), str(organisation["social_dept"].id)]


def test_ticking_boxes_sends_the_same_values_as_the_list_did(client, admin, make_user, organisation):
    head = make_user("unit_head", units=[organisation["school"]])
    response = client.post(f"/admin/anvandare/{head.id}/omfang", data={
        "omfang-units": [str(organisation["school"].id), str(organisation["social"].id)]})
    assert response.status_code == 302
    assert sorted(u.name for u in db.session.get(User, head.id).headed_units) == ["Ekbackens skola",
                                                                                  "Mottagningsgruppen"]


def test_a_refused_scope_keeps_the_ticked_boxes_and_says_why(client, admin, make_user, organisation):
    head = make_user("unit_head", units=[organisation["school"]])
    response = client.post(f"/admin/anvandare/{head.id}/omfang", data={})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert ('<p class="field-error" id="omfang-units-fel">En rektor/enhetschef måste ansvara för minst en '
            'enhet.</p>') in page
    assert 'id="omfang-units" aria-describedby="omfang-units-fel"' in page
    response = client.post(f"/admin/anvandare/{head.id}/omfang", data={"omfang-units": ["x"]})
    assert response.status_code == 400 and "Ogiltigt val." in response.get_data(as_text=True)
