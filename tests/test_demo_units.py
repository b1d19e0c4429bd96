"""`flask demo load` finds each demo unit within its department: a unit of the same name that an
administrator adds to another department changes nothing for the demo accounts."""
from sqlalchemy import select

from portal.audit import AuditEvent
from portal.auth.models import User
from portal.extensions import db
from portal.org import services as org
from portal.org.models import Unit


def _load(app):
    app.config["DEMO_PASSWORD"] = "demo-losenord-123"
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output


def _homes_and_scopes():
    users = db.session.scalars(select(User).order_by(User.email)).all()
    return {u.email: (u.unit.name_with_department if u.unit else None,
                      sorted(x.name_with_department for x in u.headed_units)) for u in users}


def test_a_reload_keeps_demo_accounts_at_their_units_when_another_department_has_a_same_named_one(app):
    _load(app)
    before = _homes_and_scopes()
    assert before["rektor@exempel.se"] == ("Ekbackens skola (Bildningsförvaltningen)",
                                           ["Ekbackens skola (Bildningsförvaltningen)",
                                            "Sjöängsskolan (Bildningsförvaltningen)"])
    org.create_unit("admin", org.find_department("Socialförvaltningen"), "Ekbackens skola", "skola")
    org.create_unit("admin", org.find_department("Kultur- och fritidsförvaltningen"), "Sjöängsskolan", "skola")
    last_event = db.session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1))

    _load(app)
    db.session.expire_all()
    assert _homes_and_scopes() == before
    changed = db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.id > last_event, AuditEvent.action.in_(["user.updated", "user.scope_changed"]))).all()
    assert changed == []
    assert len(db.session.scalars(select(Unit).where(Unit.name == "Ekbackens skola")).all()) == 2


def test_a_reload_after_a_department_rename_finds_its_units(app):
    _load(app)
    org.rename_department("admin", org.find_department("Bildningsförvaltningen"), "Utbildningsförvaltningen")
    before = _homes_and_scopes()
    _load(app)
    db.session.expire_all()
    assert _homes_and_scopes() == before
    assert before["lasare@exempel.se"][0] == "Ekbackens skola (Utbildningsförvaltningen)"
