"""Changing a unit's type, or making it inactive, while it has started on routines that would then no
longer apply to it: the unit form names them and saves only with a ticked confirmation."""
import re

import pytest
from sqlalchemy import select

from portal.adoption import services as adoption
from portal.audit import AuditEvent
from portal.extensions import db
from portal.org.models import Unit
from tests.admin.conftest import field_error, flash_messages
from tests.conftest import table_snapshot
from tests.handbook.conftest import make_document, system  # noqa: F401  (fixtures)

SCHOOLS_ONLY = {"decided_by": "Socialchef", "applies_to": ["Bildningsförvaltningen"], "unit_kinds": ["skola"]}
EVERY_KIND = {"decided_by": "Socialchef", "applies_to": ["Bildningsförvaltningen"]}


@pytest.fixture
def started(make_document, make_user, organisation):
    """Ekbackens skola has ticked an item of a routine for schools only and of one for every type."""
    schools = make_document("skolfranvaro", "Problematisk skolfrånvaro", meta=SCHOOLS_ONLY)
    everyone = make_document("orosanmalan", "Orosanmälan – när och hur", meta=EVERY_KIND)
    head = make_user("unit_head", units=[organisation["school"]])
    for document in (schools, everyone):
        adoption.set_item(head, document, organisation["school"], revision_number=document.current_revision.number,
                          index=0, done=True, comment="")
    return {"schools": schools, "everyone": everyone}


def _save(client, unit, **changes):
    data = {"name": unit.name, "kind": unit.kind, "active": "y" if unit.active else "", **changes}
    return client.post(f"/admin/organisation/enhet/{unit.id}", data={k: v for k, v in data.items() if v != ""})


def _confirm_box(html: str) -> tuple[str, str] | None:
    match = re.search(r'<input type="checkbox" id="confirm_loss" name="confirm_loss" value="([^"]*)"[^>]*>\s*'
                      r'<label for="confirm_loss">(.*?)</label>', html)
    return match.groups() if match else None


def test_a_new_type_that_takes_a_started_routine_asks_first_and_changes_nothing(client, admin, organisation, started):
    school = organisation["school"]
    before = table_snapshot()
    response = _save(client, school, kind="forskola")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert field_error(page, "confirm_loss") == (
        "Ekbackens skola har redan påbörjat eller bekräftat införandet av rutinen ”Problematisk skolfrånvaro”. "
        "Som förskola ska enheten inte längre införa den: den försvinner ur enhetens Min enhet, "
        "införandeöversikten, exporterna och API:t. Det enheten har gjort sparas och syns igen om enheten får "
        "tillbaka typen skola. Bekräfta ändringen, eller låt enheten vara som den är.")
    assert _confirm_box(page) == (str(started["schools"].id), "Spara ändå: rutinen försvinner ur enhetens listor "
                                                                "(det som är gjort sparas).")
    assert '<option selected value="forskola">' in page  # what was chosen stays chosen
    assert table_snapshot() == before


def test_the_confirmed_change_is_saved_and_logged_with_the_routines(client, admin, organisation, started):
    school = organisation["school"]
    token = _confirm_box(_save(client, school, kind="forskola").get_data(as_text=True))[0]
    response = _save(client, school, kind="forskola", confirm_loss=token)
    assert response.status_code == 302
    assert ("success", "Enheten är sparad.") in flash_messages(client.get("/admin/organisation").get_data(as_text=True))
    assert db.session.get(Unit, school.id).kind == "forskola"
    assert not adoption.applies(started["schools"], db.session.get(Unit, school.id))
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "unit.updated")
                               .order_by(AuditEvent.id.desc())).first()
    assert event.summary == ("Ekbackens skola, Skola, aktiv → Ekbackens skola, Förskola, aktiv; gäller inte längre "
                             "enheten (bekräftat): Problematisk skolfrånvaro")


def test_making_a_unit_inactive_names_every_started_routine(client, admin, organisation, started):
    school = organisation["school"]
    before = table_snapshot()
    response = _save(client, school, active="")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert field_error(page, "confirm_loss") == (
        "Ekbackens skola har redan påbörjat eller bekräftat införandet av 2 rutiner: ”Problematisk skolfrånvaro” "
        "och ”Orosanmälan – när och hur”. Blir enheten inaktiv försvinner de ur enhetens Min enhet, "
        "införandeöversikten, exporterna och API:t. Det enheten har gjort sparas och syns igen om enheten "
        "aktiveras igen. Bekräfta ändringen, eller låt enheten vara som den är.")
    token, label = _confirm_box(page)
    assert set(token.split(",")) == {str(started["schools"].id), str(started["everyone"].id)}
    assert label == "Spara ändå: de 2 rutinerna försvinner ur enhetens listor (det som är gjort sparas)."
    assert table_snapshot() == before
    assert _save(client, school, active="", confirm_loss=token).status_code == 302
    assert db.session.get(Unit, school.id).active is False


@pytest.mark.parametrize("confirm", ["", "999999", "x" * 50])
def test_a_missing_or_wrong_confirmation_changes_nothing(client, admin, organisation, started, confirm):
    before = table_snapshot()
    response = _save(client, organisation["school"], active="", confirm_loss=confirm)
    assert response.status_code == 400 and _confirm_box(response.get_data(as_text=True))
    assert table_snapshot() == before


def test_a_confirmation_of_fewer_routines_than_are_at_stake_asks_again(client, admin, organisation, started):
    response = _save(client, organisation["school"], active="", confirm_loss=str(started["schools"].id))
    assert response.status_code == 400
    assert db.session.get(Unit, organisation["school"].id).active is True


def test_no_question_without_work_or_without_a_change_of_type_or_activity(client, admin, organisation, started):
    other = organisation["other_school"]  # has done nothing on the routines
    assert _save(client, other, kind="forskola").status_code == 302
    assert db.session.get(Unit, other.id).kind == "forskola"
    school = organisation["school"]
    assert _save(client, school, name="Ekbackens grundskola").status_code == 302  # a new name takes nothing
    assert _save(client, school, kind="annan").status_code == 400  # "annan" is no school either
    assert db.session.get(Unit, school.id).kind == "skola"


def test_a_routine_for_every_type_does_not_count_when_only_the_type_changes(client, admin, organisation, started):
    page = _save(client, organisation["school"], kind="elevhalsa").get_data(as_text=True)
    message = field_error(page, "confirm_loss")
    assert "”Problematisk skolfrånvaro”" in message and "Orosanmälan" not in message
