"""Administering the organisation: departments, units and editing a unit."""
import pytest
from sqlalchemy import select

from portal.audit import AuditEvent
from portal.extensions import db
from portal.org.models import Department, Unit
from tests.admin.conftest import field_error
from tests.conftest import table_snapshot


def test_the_page_lists_departments_with_their_units(client, admin, organisation):
    page = client.get("/admin/organisation").get_data(as_text=True)
    for name in ("Bildningsförvaltningen", "Socialförvaltningen", "Ekbackens skola", "Mottagningsgruppen"):
        assert name in page
    assert f'href="/admin/organisation/enhet/{organisation["school"].id}"' in page


def test_create_a_department_then_a_unit_in_it(client, admin, organisation):
    response = client.post("/admin/organisation", data={"forvaltning-name": "  Kultur-  och fritidsförvaltningen "})
    assert response.status_code == 302
    department = db.session.scalar(select(Department).where(Department.name == "Kultur- och fritidsförvaltningen"))
    assert department.code == "kultur-och-fritidsforvaltningen"

    response = client.post("/admin/organisation", data={
        "enhet-department": str(department.id), "enhet-name": "Fritidsgården Navet", "enhet-kind": "fritidsgard"})
    assert response.status_code == 302
    unit = db.session.scalar(select(Unit).where(Unit.name == "Fritidsgården Navet"))
    assert (unit.department_id, unit.kind, unit.active) == (department.id, "fritidsgard", True)
    page = client.get("/admin/organisation").get_data(as_text=True)
    assert "Fritidsgården Navet är skapad." in page
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.actor_id == admin.id)
                                 .order_by(AuditEvent.id)).all()
    assert actions[-2:] == ["department.created", "unit.created"]


@pytest.mark.parametrize("data, field, message", [
    ({"forvaltning-name": ""}, "forvaltning-name", "Ange ett namn."),
    ({"forvaltning-name": "F" * 201}, "forvaltning-name", "Högst 200 tecken."),
    ({"forvaltning-name": "Bildningsförvaltningen"}, "forvaltning-name",
     "Det finns redan en förvaltning som heter ”Bildningsförvaltningen”."),
    ({"forvaltning-name": "socialforvaltningen"}, "forvaltning-name",
     "Det finns redan en förvaltning som heter ”Socialförvaltningen”."),
    ({"forvaltning-name": "SOCIALFÖRVALTNINGEN"}, "forvaltning-name",
     "Det finns redan en förvaltning som heter ”Socialförvaltningen”."),
    ({"forvaltning-name": "Bildnings\x1bförvaltningen"}, "forvaltning-name", "Namnet innehåller otillåtna tecken."),
    ({"enhet-department": "x", "enhet-name": "Ny skola", "enhet-kind": "skola"}, "enhet-department",
     "Ogiltigt val. Välj ett av alternativen i listan."),
    ({"enhet-department": "99999", "enhet-name": "Ny skola", "enhet-kind": "skola"}, "enhet-department",
     "Välj ett av alternativen i listan."),
    ({"enhet-department": "1", "enhet-name": "Ny skola", "enhet-kind": "rymdstation"}, "enhet-kind",
     "Välj ett av alternativen i listan."),
    ({"enhet-department": "1", "enhet-name": "", "enhet-kind": "skola"}, "enhet-name", "Ange ett namn."),
    ({"enhet-department": "1", "enhet-name": "Ekbackens skola", "enhet-kind": "skola"}, "enhet-name",
     "Det finns redan en enhet som heter ”Ekbackens skola” i Bildningsförvaltningen."),
    ({"enhet-department": "1", "enhet-name": "ekbackens skola", "enhet-kind": "skola"}, "enhet-name",
     "Det finns redan en enhet som heter ”Ekbackens skola” i Bildningsförvaltningen."),
    ({"enhet-department": "1", "enhet-name": "SJÖÄNGSSKOLAN", "enhet-kind": "skola"}, "enhet-name",
     "Det finns redan en enhet som heter ”Sjöängsskolan” i Bildningsförvaltningen."),
])
def test_bad_departments_and_units_are_refused_next_to_the_field(client, admin, organisation, data, field,
                                                                 message):
    before = table_snapshot()
    response = client.post("/admin/organisation", data=data)
    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), field) == message
    assert table_snapshot() == before


def test_edit_a_unit_rename_change_kind_and_deactivate(client, admin, organisation):
    unit = organisation["school"]
    page = client.get(f"/admin/organisation/enhet/{unit.id}").get_data(as_text=True)
    assert 'value="Ekbackens skola"' in page
    response = client.post(f"/admin/organisation/enhet/{unit.id}",
                           data={"name": "Ekbackens grundskola", "kind": "skola"})  # "active" unticked
    assert response.status_code == 302
    db.session.refresh(unit)
    assert (unit.name, unit.active) == ("Ekbackens grundskola", False)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "unit.updated"))
    assert event.summary == "Ekbackens skola, Skola, aktiv → Ekbackens grundskola, Skola, inaktiv"

    client.post(f"/admin/organisation/enhet/{unit.id}", data={"name": "Ekbackens grundskola", "kind": "skola",
                                                              "active": "y"})
    db.session.refresh(unit)
    assert unit.active is True


@pytest.mark.parametrize("data, field, message", [
    ({"name": "", "kind": "skola"}, "name", "Ange ett namn."),
    ({"name": "N" * 201, "kind": "skola"}, "name", "Högst 200 tecken."),
    ({"name": "Sjöängsskolan", "kind": "skola"}, "name",
     "Det finns redan en enhet som heter ”Sjöängsskolan” i Bildningsförvaltningen."),
    ({"name": "sjöängsskolan", "kind": "skola"}, "name",
     "Det finns redan en enhet som heter ”Sjöängsskolan” i Bildningsförvaltningen."),
    ({"name": "SJÖÄNGSSKOLAN", "kind": "skola"}, "name",
     "Det finns redan en enhet som heter ”Sjöängsskolan” i Bildningsförvaltningen."),
    ({"name": "Ny", "kind": "slott"}, "kind", "Välj ett av alternativen i listan."),
    ({"name": "Ny\x7fskola", "kind": "skola"}, "name", "Namnet innehåller otillåtna tecken."),
])
def test_bad_unit_edits_are_refused(client, admin, organisation, data, field, message):
    before = table_snapshot()
    response = client.post(f"/admin/organisation/enhet/{organisation['school'].id}", data={**data, "active": "y"})
    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), field) == message
    assert table_snapshot() == before


def test_saving_a_unit_unchanged_records_nothing(client, admin, organisation):
    before = table_snapshot()
    client.post(f"/admin/organisation/enhet/{organisation['school'].id}",
                data={"name": "Ekbackens skola", "kind": "skola", "active": "y"})
    assert table_snapshot() == before


def test_a_unit_may_take_a_name_another_department_has_and_change_its_own_case(client, admin, organisation):
    social = organisation["social_dept"]
    response = client.post("/admin/organisation", data={
        "enhet-department": str(social.id), "enhet-name": "ekbackens skola", "enhet-kind": "socialtjanst"})
    assert response.status_code == 302
    unit = organisation["school"]
    response = client.post(f"/admin/organisation/enhet/{unit.id}",
                           data={"name": "EKBACKENS SKOLA", "kind": "skola", "active": "y"})
    assert response.status_code == 302
    db.session.refresh(unit)
    assert unit.name == "EKBACKENS SKOLA"
