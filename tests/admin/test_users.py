"""Administering accounts: creating with bad input, profile, disabling, roles and scopes."""
import re

import pytest
from sqlalchemy import func, select

from portal.audit import AuditEvent
from portal.auth import services as accounts
from portal.auth.models import User
from portal.extensions import db
from tests.admin.conftest import field_error, flash_messages
from tests.conftest import PASSWORD, table_snapshot

NEW_USER = {"email": "ny.person@test.se", "name": "Ny Person", "title": "Kurator", "unit": "0",
            "password": "ett-startlosenord"}


def _events(action: str, actor=None) -> list[AuditEvent]:
    """Events of the action; those of one actor only when given (fixtures record their own)."""
    stmt = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    if actor is not None:
        stmt = stmt.where(AuditEvent.actor_id == actor.id)
    return list(db.session.scalars(stmt))


# --- Creating ----------------------------------------------------------------------------------------

def test_admin_creates_an_account_with_unit_and_the_person_can_log_in(app, client, admin, organisation):
    response = client.post("/admin/anvandare/ny", data={**NEW_USER, "unit": str(organisation["school"].id)})
    user = db.session.scalar(select(User).where(User.email == "ny.person@test.se"))
    assert response.status_code == 302
    assert response.headers["Location"] == f"/admin/anvandare/{user.id}"
    assert (user.name, user.title, user.unit.name, user.active) == ("Ny Person", "Kurator", "Ekbackens skola", True)
    assert user.roles == {"reader"}
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Kontot för Ny Person är skapat." in page
    [event] = _events("user.created", admin)
    assert event.target_label == "ny.person@test.se" and "Ekbackens skola" in event.summary

    other = app.test_client()
    assert other.post("/logga-in", data={"email": "ny.person@test.se", "password": "ett-startlosenord"}
                      ).status_code == 302


def test_email_is_stored_trimmed_and_lower_case(client, admin):
    client.post("/admin/anvandare/ny", data={**NEW_USER, "email": "  Ny.Person@Test.SE "})
    assert db.session.scalar(select(User.email).where(User.name == "Ny Person")) == "ny.person@test.se"


@pytest.mark.parametrize("field, value, message", [
    ("email", "", "Ange en e-postadress."),
    ("email", "   ", "Ange en e-postadress."),
    ("email", "x" * 250 + "@test.se", "Högst 254 tecken."),
    ("email", "inte-en-adress", "Ange en giltig e-postadress, t.ex. namn@kommun.se."),
    ("email", "a@b", "Ange en giltig e-postadress, t.ex. namn@kommun.se."),
    ("email", "två ord@test.se", "Ange en giltig e-postadress, t.ex. namn@kommun.se."),
    ("email", "ny@test.se\r\nBcc: x@evil.example", "Ange en giltig e-postadress, t.ex. namn@kommun.se."),
    ("name", "", "Ange ett namn."),
    ("name", " \t ", "Ange ett namn."),
    ("name", "N" * 201, "Högst 200 tecken."),
    ("name", "e\u0301" * 101, "Högst 200 tecken."),  # 202 code points that look like 101 letters
    ("name", "Anna\x07Bell", "Texten innehåller otillåtna tecken (styrtecken)."),
    ("name", "Anna\x1b[31mBell", "Texten innehåller otillåtna tecken (styrtecken)."),
    ("title", "T" * 201, "Högst 200 tecken."),
    ("title", "Lärare\nRektor", "Texten innehåller otillåtna tecken (styrtecken)."),
    ("password", "", "Ange ett startlösenord."),
    ("password", "kort", "Lösenordet måste ha 10–1000 tecken."),
    ("password", "x" * 1001, "Lösenordet måste ha 10–1000 tecken."),
    ("unit", "abc", "Ogiltigt val. Välj ett av alternativen i listan."),
    ("unit", "", "Ogiltigt val. Välj ett av alternativen i listan."),
    ("unit", "999999", "Välj ett av alternativen i listan."),
    ("unit", "-1", "Välj ett av alternativen i listan."),
    ("unit", "1.5", "Ogiltigt val. Välj ett av alternativen i listan."),
])
def test_bad_input_is_refused_next_to_its_field_and_nothing_changes(client, admin, field, value, message):
    before = table_snapshot()
    response = client.post("/admin/anvandare/ny", data={**NEW_USER, field: value})
    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), field) == message
    assert table_snapshot() == before


def test_a_missing_field_is_refused_like_an_empty_one(client, admin):
    before = table_snapshot()
    data = {key: value for key, value in NEW_USER.items() if key != "name"}
    response = client.post("/admin/anvandare/ny", data=data)
    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), "name") == "Ange ett namn."
    assert table_snapshot() == before


def test_an_existing_address_is_refused_whatever_its_case(client, admin, make_user):
    make_user("reader", email="finns@test.se")
    before = table_snapshot()
    response = client.post("/admin/anvandare/ny", data={**NEW_USER, "email": "FINNS@test.se"})
    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), "email") == \
        "Det finns redan ett konto med den e-postadressen."
    assert table_snapshot() == before


def test_the_form_keeps_what_was_typed_except_the_password(client, admin):
    response = client.post("/admin/anvandare/ny", data={**NEW_USER, "email": "fel"})
    page = response.get_data(as_text=True)
    assert 'value="Ny Person"' in page and 'value="Kurator"' in page
    assert "ett-startlosenord" not in page


@pytest.mark.parametrize("name", ["Åsa Öberg-Ängström", "Zoë Ñúñez", "Þórunn Ólafsdóttir", "李小龍",
                                  "محمد علي", "Anna 🙂", "👩‍👧 Familjen", "O'Brien <b>fet</b>"])
def test_unusual_but_valid_names_are_stored_exactly_and_shown_escaped(client, admin, name):
    response = client.post("/admin/anvandare/ny", data={**NEW_USER, "name": name})
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == NEW_USER["email"]))
    assert user.name == name
    page = client.get("/admin/anvandare").get_data(as_text=True)
    assert "<b>fet</b>" not in page
    if "<" not in name:
        assert name in page


def test_several_values_for_one_field_are_not_a_crash(client, admin, organisation):
    response = client.post("/admin/anvandare/ny", data={
        **NEW_USER, "email": ["ett@test.se", "tva@test.se"],
        "unit": [str(organisation["school"].id), str(organisation["social"].id)]})
    assert response.status_code in (302, 400)
    assert db.session.scalar(select(func.count()).select_from(User)
                             .where(User.email.in_(["ett@test.se", "tva@test.se"]))) <= 1


# --- Profile -------------------------------------------------------------------------------------------

def test_admin_changes_name_title_and_unit(client, admin, make_user, organisation):
    user = make_user("reader")
    response = client.post(f"/admin/anvandare/{user.id}/profil", data={
        "profil-name": "Nytt Namn", "profil-title": "Kurator", "profil-unit": str(organisation["social"].id)})
    assert response.status_code == 302
    db.session.refresh(user)
    assert (user.name, user.title, user.unit.name) == ("Nytt Namn", "Kurator", "Mottagningsgruppen")
    [event] = _events("user.updated", admin)
    assert "Ekbackens skola" in event.summary and "Mottagningsgruppen" in event.summary


@pytest.mark.parametrize("data, field, message", [
    ({"profil-name": ""}, "profil-name", "Ange ett namn."),
    ({"profil-name": "N" * 201}, "profil-name", "Högst 200 tecken."),
    ({"profil-name": "Ny\x00Person"}, None, None),  # refused at the door: no NUL reaches a form
    ({"profil-name": "Ny\x08Person"}, "profil-name", "Texten innehåller otillåtna tecken (styrtecken)."),
    ({"profil-unit": "inte-ett-id"}, "profil-unit", "Ogiltigt val. Välj ett av alternativen i listan."),
])
def test_bad_profile_changes_are_refused(client, admin, make_user, data, field, message):
    user = make_user("reader")
    before = table_snapshot()
    response = client.post(f"/admin/anvandare/{user.id}/profil",
                           data={"profil-name": "Namn", "profil-title": "", "profil-unit": "0", **data})
    assert response.status_code == 400
    if field:
        assert field_error(response.get_data(as_text=True), field) == message
    assert table_snapshot() == before


# --- Disabling and enabling ------------------------------------------------------------------------

def test_disabling_ends_the_users_session_and_enabling_lets_them_back(app, client, admin, make_user):
    user = make_user("reader")
    theirs = app.test_client()
    theirs.post("/logga-in", data={"email": user.email, "password": PASSWORD})
    assert theirs.get("/").status_code == 200

    response = client.post(f"/admin/anvandare/{user.id}/inaktivera", follow_redirects=True)
    assert ("success", f"{user.name} är inaktiverad.") in flash_messages(response.get_data(as_text=True))
    assert "Inaktiv – kan inte logga in" in response.get_data(as_text=True)
    assert db.session.get(User, user.id).active is False
    assert theirs.get("/").status_code == 302
    assert theirs.post("/logga-in", data={"email": user.email, "password": PASSWORD}).status_code == 403

    client.post(f"/admin/anvandare/{user.id}/aktivera")
    assert db.session.get(User, user.id).active is True
    assert theirs.post("/logga-in", data={"email": user.email, "password": PASSWORD}).status_code == 302
    assert [e.summary for e in _events("user.disabled", admin) + _events("user.enabled", admin)] == \
        ["aktiv → inaktiv", "inaktiv → aktiv"]


def test_disabling_twice_records_it_once(client, admin, make_user):
    user = make_user("reader")
    client.post(f"/admin/anvandare/{user.id}/inaktivera")
    client.post(f"/admin/anvandare/{user.id}/inaktivera")
    assert len(_events("user.disabled", admin)) == 1


def test_an_admin_cannot_disable_themself(client, admin):
    before = table_snapshot()
    response = client.post(f"/admin/anvandare/{admin.id}/inaktivera", follow_redirects=True)
    assert ("error", "Du kan inte inaktivera ditt eget konto.") in flash_messages(response.get_data(as_text=True))
    assert table_snapshot() == before


# --- Roles and scopes --------------------------------------------------------------------------------

def test_grant_unit_head_with_units_then_change_scope_then_revoke(client, admin, make_user, organisation):
    user = make_user("reader")
    school, other = organisation["school"], organisation["other_school"]
    response = client.post(f"/admin/anvandare/{user.id}/roller",
                           data={"roll-role": "unit_head", "roll-units": [str(school.id)]})
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.has_role("unit_head") and [u.name for u in user.headed_units] == ["Ekbackens skola"]

    client.post(f"/admin/anvandare/{user.id}/omfang", data={"omfang-units": [str(school.id), str(other.id)]})
    db.session.refresh(user)
    assert sorted(u.name for u in user.headed_units) == ["Ekbackens skola", "Sjöängsskolan"]

    client.post(f"/admin/anvandare/{user.id}/roller/ta-bort", data={"bort-role": "unit_head"})
    db.session.refresh(user)
    assert not user.has_role("unit_head") and user.headed_units == []
    assert [e.action for e in db.session.scalars(
        select(AuditEvent).where(AuditEvent.target_id == user.id, AuditEvent.action.like("user.%"))
        .order_by(AuditEvent.id))][-4:] == ["user.role_granted", "user.scope_changed", "user.scope_changed",
                                             "user.role_revoked"]


def test_grant_editor_for_departments_shows_on_the_user_page(client, admin, make_user, organisation):
    user = make_user("reader")
    client.post(f"/admin/anvandare/{user.id}/roller",
                data={"roll-role": "editor", "roll-departments": [str(organisation["school_dept"].id)]})
    page = client.get(f"/admin/anvandare/{user.id}").get_data(as_text=True)
    assert "Redaktör" in page and "Bildningsförvaltningen" in page
    assert db.session.get(User, user.id).has_role("editor")


def test_granting_admin_gives_access_to_administration(app, client, admin, make_user):
    user = make_user("reader")
    theirs = app.test_client()
    theirs.post("/logga-in", data={"email": user.email, "password": PASSWORD})
    assert theirs.get("/admin/").status_code == 403
    client.post(f"/admin/anvandare/{user.id}/roller", data={"roll-role": "admin"})
    assert theirs.get("/admin/").status_code == 200
    client.post(f"/admin/anvandare/{user.id}/roller/ta-bort", data={"bort-role": "admin"})
    assert theirs.get("/admin/").status_code == 403


@pytest.mark.parametrize("data, field, message", [
    ({"roll-role": "superadmin"}, "roll-role", "Välj ett av alternativen i listan."),
    ({"roll-role": ""}, "roll-role", "Välj ett av alternativen i listan."),
    ({"roll-role": "reader"}, "roll-role", "Välj ett av alternativen i listan."),
    ({"roll-role": "unit_head"}, "roll-units", "Välj minst en enhet som rektorn/enhetschefen ansvarar för."),
    ({"roll-role": "editor"}, "roll-departments", "Välj minst en förvaltning som redaktören arbetar för."),
    ({"roll-role": "editor", "roll-departments": ["x"]}, "roll-departments", "Ogiltigt val."),
    ({"roll-role": "editor", "roll-departments": ["99999"]}, "roll-departments",
     "”99999” finns inte bland alternativen."),
    ({"roll-role": "unit_head", "roll-units": ["2147483648"]}, "roll-units",
     "”2147483648” finns inte bland alternativen."),
])
def test_bad_grants_are_refused_next_to_the_field(client, admin, make_user, data, field, message):
    user = make_user("reader")
    before = table_snapshot()
    response = client.post(f"/admin/anvandare/{user.id}/roller", data=data)
    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), field) == message
    assert table_snapshot() == before


def _selected(html: str, name: str) -> list[str]:
    """The values ticked in a group of checkboxes of the page, as the form was sent back."""
    boxes = re.findall(rf'<input[^>]*name="{re.escape(name)}"[^>]*>', html)
    assert boxes, name
    return [re.search(r'value="([^"]*)"', box).group(1) for box in boxes if " checked" in box]


@pytest.mark.parametrize("role, field, message", [
    ("editor", "roll-units", "Enheter hör bara till rollen Rektor/enhetschef, inte till Redaktör. "
                             "Ge rollen utan enheter, eller välj rollen Rektor/enhetschef."),
    ("admin", "roll-units", "Enheter hör bara till rollen Rektor/enhetschef, inte till Administratör. "
                            "Ge rollen utan enheter, eller välj rollen Rektor/enhetschef."),
])
def test_units_with_a_role_that_heads_none_are_refused_and_the_form_keeps_them(
        client, admin, make_user, organisation, role, field, message):
    user = make_user("reader")
    school, social_dept = organisation["school"], organisation["social_dept"]
    before = table_snapshot()
    response = client.post(f"/admin/anvandare/{user.id}/roller", data={
        "roll-role": role, "roll-units": [str(school.id)], "roll-departments": [str(social_dept.id)]
        if role == "editor" else []})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert field_error(page, field) == message
    assert _selected(page, "roll-units") == [str(school.id)]
    assert ("Ansvarar för enheter") not in page
    assert table_snapshot() == before


def test_departments_with_the_unit_head_role_are_refused(client, admin, make_user, organisation):
    user = make_user("reader")
    before = table_snapshot()
    response = client.post(f"/admin/anvandare/{user.id}/roller", data={
        "roll-role": "unit_head", "roll-units": [str(organisation["school"].id)],
        "roll-departments": [str(organisation["school_dept"].id)]})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert field_error(page, "roll-departments") == (
        "Förvaltningar hör bara till rollen Redaktör, inte till Rektor/enhetschef. "
        "Ge rollen utan förvaltningar, eller välj rollen Redaktör.")
    assert _selected(page, "roll-departments") == [str(organisation["school_dept"].id)]
    assert table_snapshot() == before


def test_a_unit_head_granted_after_an_editor_grant_heads_only_their_own_unit(
        client, admin, make_user, organisation):
    user = make_user("reader")
    school, other = organisation["school"], organisation["other_school"]
    client.post(f"/admin/anvandare/{user.id}/roller", data={
        "roll-role": "editor", "roll-departments": [str(organisation["social_dept"].id)],
        "roll-units": [str(school.id)]})  # refused: nothing stored
    client.post(f"/admin/anvandare/{user.id}/roller", data={
        "roll-role": "editor", "roll-departments": [str(organisation["social_dept"].id)]})
    client.post(f"/admin/anvandare/{user.id}/roller", data={
        "roll-role": "unit_head", "roll-units": [str(other.id)]})
    db.session.refresh(user)
    assert user.roles == {"reader", "editor", "unit_head"}
    assert [u.name for u in user.headed_units] == ["Sjöängsskolan"]
    assert [e.summary for e in _events("user.scope_changed", admin)] == ["+ Socialförvaltningen",
                                                                 "+ Sjöängsskolan (Bildningsförvaltningen)"]


def test_scope_for_a_role_the_user_lacks_is_refused(client, admin, make_user, organisation):
    user = make_user("editor")
    before = table_snapshot()
    response = client.post(f"/admin/anvandare/{user.id}/omfang", data={
        "omfang-units": [str(organisation["school"].id)],
        "omfang-departments": [str(organisation["social_dept"].id)]})
    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), "omfang-units") == \
        "Test editor är inte rektor/enhetschef. Ge först rollen, med enheterna."
    assert table_snapshot() == before


def test_scope_cannot_be_emptied_for_a_unit_head(client, admin, make_user):
    user = make_user("unit_head")
    before = table_snapshot()
    response = client.post(f"/admin/anvandare/{user.id}/omfang", data={})
    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), "omfang-units") == \
        "En rektor/enhetschef måste ansvara för minst en enhet."
    assert table_snapshot() == before


def test_editor_scope_replaces_departments(client, admin, make_user, organisation):
    user = make_user("editor")  # edits for Socialförvaltningen
    client.post(f"/admin/anvandare/{user.id}/omfang",
                data={"omfang-departments": [str(organisation["school_dept"].id)]})
    db.session.refresh(user)
    assert [d.name for d in user.editor_departments] == ["Bildningsförvaltningen"]
    [event] = _events("user.scope_changed", admin)
    assert event.summary == "Socialförvaltningen → Bildningsförvaltningen"


def test_an_admin_cannot_revoke_their_own_admin_role(client, admin):
    before = table_snapshot()
    response = client.post(f"/admin/anvandare/{admin.id}/roller/ta-bort", data={"bort-role": "admin"},
                           follow_redirects=True)
    assert ("error", "Du kan inte ta bort din egen administratörsroll.") in \
        flash_messages(response.get_data(as_text=True))
    assert table_snapshot() == before


def test_revoking_an_unknown_role_changes_nothing(client, admin, make_user):
    user = make_user("editor")
    before = table_snapshot()
    response = client.post(f"/admin/anvandare/{user.id}/roller/ta-bort", data={"bort-role": "kung"},
                           follow_redirects=True)
    assert ("error", "Välj en roll att ta bort.") in flash_messages(response.get_data(as_text=True))
    assert table_snapshot() == before


def test_user_list_shows_roles_unit_and_status(client, admin, make_user):
    head = make_user("unit_head")
    gone = make_user("reader")
    accounts.set_active("test", gone, False)
    page = client.get("/admin/anvandare").get_data(as_text=True)
    assert head.name in page and "Rektor/enhetschef" in page and "Ekbackens skola" in page
    assert "Inaktiv" in page
    assert f'href="/admin/anvandare/{head.id}"' in page
