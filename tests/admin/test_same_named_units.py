"""Two departments may each have a unit of the same name: a move between them is saved and logged,
and the administration names every such unit with its department."""
import pytest
from sqlalchemy import select

from portal.audit import AuditEvent
from portal.auth import services as accounts
from portal.auth.models import User
from portal.extensions import db
from portal.org import services as org
from tests.admin.conftest import flash_messages
from tests.conftest import table_snapshot


@pytest.fixture
def twin(organisation):
    """An "Ekbackens skola" in Socialförvaltningen beside the one in Bildningsförvaltningen."""
    return org.create_unit("test", organisation["social_dept"], "Ekbackens skola", "skola")


def _events(action: str, user) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == action, AuditEvent.target_id == user.id).order_by(AuditEvent.id)))


def _save_profile(client, user, unit):
    return client.post(f"/admin/anvandare/{user.id}/profil",
                       data={"profil-name": user.name, "profil-title": user.title, "profil-unit": str(unit.id)})


def test_moving_a_person_to_the_same_named_unit_of_another_department_is_saved_and_logged(
        client, admin, make_user, organisation, twin):
    person = make_user("reader")
    assert _save_profile(client, person, twin).status_code == 302
    assert db.session.get(User, person.id).unit_id == twin.id
    [event] = _events("user.updated", person)
    assert event.summary == ("Test reader, –, Ekbackens skola (Bildningsförvaltningen) → "
                             "Test reader, –, Ekbackens skola (Socialförvaltningen)")


def test_saving_a_profile_unchanged_logs_nothing(client, admin, make_user, organisation, twin):
    person = make_user("reader")
    before = table_snapshot()
    assert _save_profile(client, person, organisation["school"]).status_code == 302
    assert table_snapshot() == before


def test_a_scope_change_between_same_named_units_is_logged_with_their_departments(
        client, admin, make_user, organisation, twin):
    head = make_user("unit_head", units=[organisation["school"]])
    response = client.post(f"/admin/anvandare/{head.id}/omfang", data={"omfang-units": [str(twin.id)]})
    assert response.status_code == 302
    assert [u.id for u in db.session.get(User, head.id).headed_units] == [twin.id]
    [event] = _events("user.scope_changed", head)[-1:]
    assert event.summary == "Ekbackens skola (Bildningsförvaltningen) → Ekbackens skola (Socialförvaltningen)"


def test_granting_a_unit_and_revoking_the_role_name_the_units_department(client, admin, make_user, organisation,
                                                                         twin):
    head = make_user("unit_head", units=[organisation["school"]])
    client.post(f"/admin/anvandare/{head.id}/roller", data={"roll-role": "unit_head", "roll-units": [str(twin.id)]})
    assert _events("user.scope_changed", head)[-1].summary == "+ Ekbackens skola (Socialförvaltningen)"
    client.post(f"/admin/anvandare/{head.id}/roller/ta-bort", data={"bort-role": "unit_head"})
    assert _events("user.role_revoked", head)[-1].summary == (
        "- Rektor/enhetschef; enheter: Ekbackens skola (Bildningsförvaltningen), "
        "Ekbackens skola (Socialförvaltningen)")


def test_the_user_page_and_list_name_units_with_their_departments(client, admin, make_user, organisation, twin):
    head = make_user("unit_head", units=[organisation["school"], twin], unit=twin)
    page = client.get(f"/admin/anvandare/{head.id}").get_data(as_text=True)
    assert ("<dt>Ansvarar för enheter</dt><dd>Ekbackens skola (Bildningsförvaltningen), "
            "Ekbackens skola (Socialförvaltningen)</dd>") in page
    listing = client.get("/admin/anvandare").get_data(as_text=True)
    assert "Ekbackens skola (Socialförvaltningen)" in listing


def test_a_new_account_and_unit_events_name_the_units_department(client, admin, organisation, twin):
    client.post("/admin/anvandare/ny", data={"email": "ny@test.se", "name": "Ny Person", "unit": str(twin.id),
                                              "password": "ett-startlosenord"})
    [created] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.created",
                                                            AuditEvent.actor_id == admin.id))
    assert created.summary == "Konto skapat för Ny Person <ny@test.se>, enhet Ekbackens skola (Socialförvaltningen)"
    client.post(f"/admin/organisation/enhet/{twin.id}", data={"name": "Ekbackens skola", "kind": "annan",
                                                               "active": "y"})
    assert ("success", "Enheten är sparad.") in flash_messages(client.get("/admin/organisation").get_data(as_text=True))
    labels = db.session.scalars(select(AuditEvent.target_label).where(
        AuditEvent.target_type == "unit", AuditEvent.target_id == twin.id).order_by(AuditEvent.id)).all()
    assert labels == ["Ekbackens skola (Socialförvaltningen)"] * 2
