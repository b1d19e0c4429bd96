"""An inactive unit takes no new staff or unit heads: the forms do not offer it and the services
refuse it, while someone who already has it keeps it, shown as "(inaktiv)", through every save."""
import re

import pytest
from sqlalchemy import select

from portal.auth.models import User
from portal.extensions import db
from portal.org import services as org
from tests.admin.conftest import field_error
from tests.conftest import table_snapshot


def _close(unit):
    org.update_unit("test", unit, name=unit.name, kind=unit.kind, active=False)
    return unit


@pytest.fixture
def closed(organisation):
    """Sjöängsskolan, made inactive."""
    return _close(organisation["other_school"])


def _options(html: str, select_name: str) -> dict[str, str]:
    """value -> label of a select's options, or of a checkbox group's boxes."""
    block = re.search(rf'<select[^>]*name="{select_name}"[^>]*>(.*?)</select>', html, re.S)
    if block:
        return dict(re.findall(r'<option[^>]*value="([^"]*)"[^>]*>(.*?)</option>', block.group(1)))
    return {value: label for value, label in re.findall(
        rf'<input[^>]*name="{select_name}"[^>]*value="([^"]*)"[^>]*> <label[^>]*>(.*?)</label>', html)}


def test_new_user_form_leaves_out_inactive_units_and_refuses_one_posted(client, admin, organisation, closed):
    page = client.get("/admin/anvandare/ny").get_data(as_text=True)
    offered = _options(page, "unit")
    assert str(closed.id) not in offered and str(organisation["school"].id) in offered
    before = table_snapshot()
    response = client.post("/admin/anvandare/ny", data={"email": "ny@test.se", "name": "Ny Person",
                                                         "unit": str(closed.id), "password": "ett-startlosenord"})
    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), "unit") == "Välj ett av alternativen i listan."
    assert table_snapshot() == before


def test_granting_offers_active_units_only_and_refuses_an_inactive_one(client, admin, make_user, closed):
    person = make_user("reader")
    page = client.get(f"/admin/anvandare/{person.id}").get_data(as_text=True)
    assert str(closed.id) not in _options(page, "roll-units")
    before = table_snapshot()
    response = client.post(f"/admin/anvandare/{person.id}/roller",
                           data={"roll-role": "unit_head", "roll-units": [str(closed.id)]})
    assert response.status_code == 400
    assert f"”{closed.id}” finns inte bland alternativen." in response.get_data(as_text=True)
    assert table_snapshot() == before


def test_a_head_keeps_an_inactive_unit_marked_and_saving_the_scope_keeps_it(client, admin, make_user,
                                                                           organisation):
    school, closed = organisation["school"], organisation["other_school"]
    head = make_user("unit_head", units=[school, closed])
    _close(closed)
    page = client.get(f"/admin/anvandare/{head.id}").get_data(as_text=True)
    assert _options(page, "omfang-units")[str(closed.id)] == "Sjöängsskolan (inaktiv)"  # under its department
    assert ("<dd>Ekbackens skola (Bildningsförvaltningen), Sjöängsskolan (Bildningsförvaltningen) (inaktiv)</dd>"
            in page)
    before = table_snapshot()
    response = client.post(f"/admin/anvandare/{head.id}/omfang",
                           data={"omfang-units": [str(school.id), str(closed.id)]})
    assert response.status_code == 302
    assert table_snapshot() == before  # nothing dropped, nothing logged


def test_the_scope_form_refuses_adding_an_inactive_unit(client, admin, make_user, organisation, closed):
    head = make_user("unit_head", units=[organisation["school"]])
    before = table_snapshot()
    response = client.post(f"/admin/anvandare/{head.id}/omfang",
                           data={"omfang-units": [str(organisation["school"].id), str(closed.id)]})
    assert response.status_code == 400
    assert table_snapshot() == before


def test_a_person_at_an_inactive_unit_keeps_it_through_a_profile_save(client, admin, make_user, organisation):
    person = make_user("reader", unit=organisation["other_school"])
    closed = _close(organisation["other_school"])
    page = client.get(f"/admin/anvandare/{person.id}").get_data(as_text=True)
    assert _options(page, "profil-unit")[str(closed.id)] == "Sjöängsskolan (Bildningsförvaltningen) (inaktiv)"
    assert f'<option selected value="{closed.id}">' in page
    response = client.post(f"/admin/anvandare/{person.id}/profil",
                           data={"profil-name": "Nytt Namn", "profil-title": "", "profil-unit": str(closed.id)})
    assert response.status_code == 302
    user = db.session.get(User, person.id)
    assert (user.name, user.unit_id) == ("Nytt Namn", closed.id)
    listing = client.get("/admin/anvandare").get_data(as_text=True)
    assert '<td data-label="Enhet">Sjöängsskolan (Bildningsförvaltningen) (inaktiv)</td>' in listing


def test_moving_a_person_to_an_inactive_unit_is_refused(client, admin, make_user, closed):
    person = make_user("reader")
    before = table_snapshot()
    response = client.post(f"/admin/anvandare/{person.id}/profil",
                           data={"profil-name": person.name, "profil-title": "", "profil-unit": str(closed.id)})
    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), "profil-unit") == "Välj ett av alternativen i listan."
    assert table_snapshot() == before


def test_the_command_line_refuses_an_inactive_unit_too(app, make_user, closed):
    make_user("reader", email="cli@test.se")
    before = table_snapshot()
    result = app.test_cli_runner().invoke(args=["users", "grant", "cli@test.se", "unit_head",
                                                "--unit", "Sjöängsskolan"])
    assert result.exit_code != 0
    assert ("Sjöängsskolan (Bildningsförvaltningen) är inaktiv. Aktivera enheten under Organisation först, "
            "eller välj en annan.") in result.output
    result = app.test_cli_runner().invoke(args=["users", "create", "ny@test.se", "--name", "Ny",
                                                "--unit", "Sjöängsskolan", "--password", "ett-startlosenord"])
    assert result.exit_code != 0 and "är inaktiv" in result.output
    assert table_snapshot() == before
    assert db.session.scalar(select(User).where(User.email == "ny@test.se")) is None
