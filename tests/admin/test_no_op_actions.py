"""A repeated or no-op action says what actually happened, changes nothing and logs nothing."""
import pytest

from portal.auth.models import User
from portal.extensions import db
from tests.admin.conftest import flash_messages
from tests.conftest import table_snapshot


def _flashes_after(client, response):
    assert response.status_code == 302
    return flash_messages(client.get(response.headers["Location"]).get_data(as_text=True))


def test_removing_a_role_the_person_does_not_have_says_so(client, admin, make_user):
    person = make_user("reader")
    before = table_snapshot()
    response = client.post(f"/admin/anvandare/{person.id}/roller/ta-bort", data={"bort-role": "admin"})
    assert _flashes_after(client, response) == [("info", "Personen hade inte rollen Administratör. "
                                                          "Ingenting ändrades.")]
    assert table_snapshot() == before


def test_removing_a_role_twice_says_it_was_removed_then_that_it_was_not_there(client, admin, make_user):
    editor = make_user("editor")
    first = client.post(f"/admin/anvandare/{editor.id}/roller/ta-bort", data={"bort-role": "editor"})
    assert _flashes_after(client, first) == [("success", "Rollen Redaktör är borttagen.")]
    before = table_snapshot()
    second = client.post(f"/admin/anvandare/{editor.id}/roller/ta-bort", data={"bort-role": "editor"})
    assert _flashes_after(client, second) == [("info", "Personen hade inte rollen Redaktör. Ingenting ändrades.")]
    assert table_snapshot() == before


@pytest.mark.parametrize("action, done, again", [
    ("inaktivera", "Test reader är inaktiverad.", "Kontot var redan inaktiverat. Ingenting ändrades."),
    ("aktivera", None, "Kontot var redan aktivt. Ingenting ändrades."),
])
def test_disabling_or_enabling_twice_says_the_account_already_was(client, admin, make_user, action, done, again):
    person = make_user("reader")
    if done:
        assert _flashes_after(client, client.post(f"/admin/anvandare/{person.id}/{action}")) == [("success", done)]
    before = table_snapshot()
    assert _flashes_after(client, client.post(f"/admin/anvandare/{person.id}/{action}")) == [("info", again)]
    assert table_snapshot() == before


def test_granting_a_held_role_with_more_units_says_which_were_added(client, admin, make_user, organisation):
    head = make_user("unit_head", units=[organisation["school"]])
    response = client.post(f"/admin/anvandare/{head.id}/roller", data={
        "roll-role": "unit_head",
        "roll-units": [str(organisation["school"].id), str(organisation["other_school"].id),
                       str(organisation["social"].id)]})
    assert _flashes_after(client, response) == [(
        "success", "Rollen Rektor/enhetschef gällde redan; lade till enheterna Sjöängsskolan "
                   "(Bildningsförvaltningen) och Mottagningsgruppen (Socialförvaltningen).")]
    assert {u.name for u in db.session.get(User, head.id).headed_units} == {
        "Ekbackens skola", "Sjöängsskolan", "Mottagningsgruppen"}


def test_granting_a_held_role_with_nothing_new_changes_nothing(client, admin, make_user, organisation):
    editor = make_user("editor", departments=[organisation["social_dept"]])
    before = table_snapshot()
    response = client.post(f"/admin/anvandare/{editor.id}/roller", data={
        "roll-role": "editor", "roll-departments": [str(organisation["social_dept"].id)]})
    assert _flashes_after(client, response) == [
        ("info", "Test editor hade redan rollen Redaktör med det valda. Ingenting ändrades.")]
    assert table_snapshot() == before
    response = client.post(f"/admin/anvandare/{editor.id}/roller", data={"roll-role": "editor"})
    assert _flashes_after(client, response)[0][0] == "info"
    assert table_snapshot() == before


def test_granting_a_new_role_names_it(client, admin, make_user):
    person = make_user("reader")
    response = client.post(f"/admin/anvandare/{person.id}/roller", data={"roll-role": "admin"})
    assert _flashes_after(client, response) == [("success", "Rollen Administratör är tilldelad.")]


def test_granting_a_held_role_with_one_more_department_names_it(client, admin, make_user, organisation):
    editor = make_user("editor", departments=[organisation["social_dept"]])
    response = client.post(f"/admin/anvandare/{editor.id}/roller", data={
        "roll-role": "editor", "roll-departments": [str(organisation["school_dept"].id)]})
    assert _flashes_after(client, response) == [
        ("success", "Rollen Redaktör gällde redan; lade till förvaltningen Bildningsförvaltningen.")]


def test_saving_an_unchanged_scope_profile_or_unit_says_so(client, admin, make_user, organisation):
    head = make_user("unit_head", units=[organisation["school"]])
    before = table_snapshot()
    response = client.post(f"/admin/anvandare/{head.id}/omfang",
                           data={"omfang-units": [str(organisation["school"].id)]})
    assert _flashes_after(client, response) == [("info", "Behörighetsomfånget är oförändrat.")]
    response = client.post(f"/admin/anvandare/{head.id}/profil", data={
        "profil-name": head.name, "profil-title": "", "profil-unit": str(head.unit_id)})
    assert _flashes_after(client, response) == [("info", "Uppgifterna är oförändrade.")]
    unit = organisation["school"]
    response = client.post(f"/admin/organisation/enhet/{unit.id}",
                           data={"name": unit.name, "kind": unit.kind, "active": "y"})
    assert _flashes_after(client, response) == [("info", "Enheten är oförändrad.")]
    assert table_snapshot() == before


def test_a_unit_sent_twice_in_a_scope_is_one_unit(client, admin, make_user, organisation):
    head = make_user("unit_head", units=[organisation["school"]])
    other = str(organisation["other_school"].id)
    response = client.post(f"/admin/anvandare/{head.id}/omfang", data={"omfang-units": [other, other]})
    assert _flashes_after(client, response) == [("success", "Behörighetsomfånget är sparat.")]
    assert [u.name for u in db.session.get(User, head.id).headed_units] == ["Sjöängsskolan"]
    response = client.post(f"/admin/anvandare/{head.id}/roller", data={
        "roll-role": "unit_head", "roll-units": [str(organisation["school"].id)] * 2})
    assert _flashes_after(client, response) == [
        ("success", "Rollen Rektor/enhetschef gällde redan; lade till enheten Ekbackens skola "
                    "(Bildningsförvaltningen).")]
