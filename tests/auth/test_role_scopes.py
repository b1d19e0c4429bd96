"""A role's scope belongs to that role only: units to unit heads, departments to editors, whichever way
a grant is made, and a stray row that an older version stored grants nothing."""
import pytest
from sqlalchemy import insert, select

from portal.audit import AuditEvent
from portal.auth import services as accounts
from portal.auth.models import User, unit_heads
from portal.errors import ValidationError
from portal.extensions import db
from portal.policy import can
from tests.conftest import table_snapshot


@pytest.fixture
def stray_head(make_user, organisation):
    """An editor for Socialförvaltningen with a unit_heads row for Ekbackens skola but no unit_head
    role: what granting "editor" with a unit selected used to store."""
    user = make_user("editor", unit=organisation["social"])
    db.session.execute(insert(unit_heads).values(user_id=user.id, unit_id=organisation["school"].id))
    db.session.commit()
    db.session.expire_all()
    return db.session.get(User, user.id)


def test_the_service_refuses_a_unit_with_the_editor_role(make_user, organisation):
    user = make_user("reader")
    before = table_snapshot()
    with pytest.raises(ValidationError) as refused:
        accounts.grant_role("test", user, "editor", units=[organisation["school"]],
                            departments=[organisation["social_dept"]])
    assert refused.value.field == "units"
    db.session.rollback()
    assert table_snapshot() == before


def test_the_service_refuses_a_department_with_the_reader_role(make_user, organisation):
    user = make_user("reader")
    with pytest.raises(ValidationError, match="Förvaltningar hör bara till rollen Redaktör, inte till Läsare"):
        accounts.grant_role("test", user, "reader", departments=[organisation["social_dept"]])


def test_the_cli_refuses_a_unit_with_the_editor_role(app, make_user, organisation):
    user = make_user("reader")
    before = table_snapshot()
    result = app.test_cli_runner().invoke(args=[
        "users", "grant", user.email, "editor", "--department", "Socialförvaltningen", "--unit", "Ekbackens skola"])
    assert result.exit_code == 1
    assert "Enheter hör bara till rollen Rektor/enhetschef, inte till Redaktör." in result.output
    assert table_snapshot() == before


def test_a_stray_unit_gives_no_adoption_rights(stray_head, organisation):
    school, sibling = organisation["school"], organisation["other_school"]
    assert not can(stray_head, "adoption.act", school)
    assert not can(stray_head, "adoption.view_unit", school)
    assert not can(stray_head, "adoption.view_unit", sibling)  # "a unit head sees their department's units"
    assert not can(stray_head, "adoption.view_department", organisation["school_dept"])
    assert can(stray_head, "adoption.view_department", organisation["social_dept"])  # as editor: yes


def test_a_stray_unit_opens_no_adoption_page_of_its_department(client, login, stray_head, organisation):
    login(stray_head)
    assert client.get(f"/inforande/enhet/{organisation['other_school'].id}").status_code == 403


def test_a_stray_unit_is_not_shown_as_headed_on_the_own_account_page(client, login, stray_head):
    login(stray_head)
    page = client.get("/konto").get_data(as_text=True)
    assert "Ansvarar för" not in page and "Redaktör för" in page


def test_a_stray_unit_is_not_shown_as_headed_to_the_administrator(client, login_as, stray_head):
    login_as("admin")
    page = client.get(f"/admin/anvandare/{stray_head.id}").get_data(as_text=True)
    assert "Ansvarar för enheter" not in page and "Redaktör för" in page


def test_granting_unit_head_later_drops_the_stray_unit_and_says_so(stray_head, organisation):
    accounts.grant_role("test", stray_head, "unit_head", units=[organisation["other_school"]])
    db.session.expire_all()
    user = db.session.get(User, stray_head.id)
    assert [u.name for u in user.headed_units] == ["Sjöängsskolan"]
    assert not can(user, "adoption.act", organisation["school"])
    summaries = db.session.scalars(select(AuditEvent.summary).where(
        AuditEvent.action == "user.scope_changed", AuditEvent.target_id == user.id).order_by(AuditEvent.id)).all()
    assert summaries[-2:] == ["- Ekbackens skola (Bildningsförvaltningen) (utan rollen Rektor/enhetschef, gällde inte)",
                              "+ Sjöängsskolan (Bildningsförvaltningen)"]


def test_a_stray_unit_does_not_count_as_the_unit_heads_scope(stray_head):
    with pytest.raises(ValidationError, match="Välj minst en enhet"):
        accounts.grant_role("test", stray_head, "unit_head")
