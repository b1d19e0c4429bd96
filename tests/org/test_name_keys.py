"""Names that differ only in case are one name, also to the database (migration 0011): a unit saved by
another admin between our check and our commit gives a Swedish message, not a 500 or a twin."""
import pytest
from sqlalchemy import func, select

from portal.errors import ValidationError
from portal.extensions import db
from portal.org import services as org
from portal.org.models import Department, Unit, name_key
from portal.policy import SystemActor

SYSTEM = SystemActor("test")


def _saved_by_another_admin(department_id: int, name: str) -> None:
    # Another request, another connection: this session's department.units has not seen it.
    with db.engine.begin() as other:
        other.execute(Unit.__table__.insert().values(department_id=department_id, name=name, kind="skola"))


def test_name_key_folds_case_and_spacing_as_people_read_names():
    assert name_key("  Förskolan  ÄPPLET ") == name_key("förskolan äpplet") == "förskolan äpplet"
    assert name_key("Ekbacken") != name_key("Ekbacken 2")


def test_a_core_insert_gets_the_key_of_its_name(app):
    department = org.create_department(SYSTEM, "Bildningsförvaltningen")
    _saved_by_another_admin(department.id, "Ekbackens  SKOLA")
    assert db.session.scalar(select(Unit.name_key)) == "ekbackens skola"


def test_creating_a_unit_another_admin_just_created_says_so(app):
    department = org.create_department(SYSTEM, "Bildningsförvaltningen")
    assert department.units == []  # what this admin's check will see
    _saved_by_another_admin(department.id, "EKBACKENS SKOLA")
    with pytest.raises(ValidationError) as refused:
        org.create_unit(SYSTEM, department, "Ekbackens skola", "skola")
    assert "har just tagits av en annan enhet" in refused.value.message
    assert refused.value.field == "name"
    assert db.session.scalar(select(func.count()).select_from(Unit)) == 1


def test_renaming_a_unit_to_a_name_just_taken_says_so_and_keeps_the_old_name(app):
    department = org.create_department(SYSTEM, "Bildningsförvaltningen")
    unit = org.create_unit(SYSTEM, department, "Ekbacken", "skola")
    assert [u.name for u in department.units] == ["Ekbacken"]
    _saved_by_another_admin(department.id, "Björkbacken")
    with pytest.raises(ValidationError) as refused:
        org.update_unit(SYSTEM, unit, name="BJÖRKBACKEN", kind="skola", active=True)
    assert "har just tagits" in refused.value.message
    db.session.expire_all()
    assert sorted(db.session.scalars(select(Unit.name))) == ["Björkbacken", "Ekbacken"]


def test_a_case_only_rename_of_a_department_keeps_working(app):
    department = org.create_department(SYSTEM, "Socialförvaltningen")
    org.rename_department(SYSTEM, department, "SOCIALFÖRVALTNINGEN")
    db.session.expire_all()
    assert db.session.scalar(select(Department.name)) == "SOCIALFÖRVALTNINGEN"
    assert db.session.scalar(select(Department.name_key)) == "socialförvaltningen"
