"""`flask db upgrade` on an empty database builds exactly the schema the models describe."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade

from config import TestConfig
from portal import create_app
from portal.extensions import db


def test_upgrade_on_empty_database_matches_models(empty_database_url, tmp_path):
    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = empty_database_url
        SEARCH_INDEX_DIR = str(tmp_path / "index")

    app = create_app(Config)
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
        db.engine.dispose()
    assert differences == []


def test_upgrade_keeps_the_first_of_duplicated_confirmations(empty_database_url, tmp_path):
    # Before 0009 simultaneous submits could store one unit's confirmation of a version several times.
    from sqlalchemy import select

    from portal.adoption.models import Adoption, Confirmation
    from portal.handbook import services as handbook
    from portal.org import services as org
    from portal.policy import SystemActor

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = empty_database_url
        SEARCH_INDEX_DIR = str(tmp_path / "index")

    app = create_app(Config)
    with app.app_context():
        upgrade(revision="0008_department_former_names")
        system = SystemActor("test")
        department = org.create_department(system, "Bildningsförvaltningen")
        unit = org.create_unit(system, department, "Ekbackens skola", "skola")
        document = handbook.create_document(system, slug="sip", title="SIP", kind="routine",
                                            department=department, meta={"applies_to": [department.name]})
        revision = handbook.publish(document, handbook.latest_revision(document), system, "Första", False)
        adoption = Adoption(document=document, unit=unit)
        for reason in ("först", "dubblett", "dubblett"):
            db.session.add(Confirmation(adoption=adoption, revision_id=revision.id, revision_number=1,
                                        confirmed_by_label="rektor@test.se", items_done=0, items_total=0,
                                        reason=reason))
        db.session.commit()
        upgrade()
        db.session.expire_all()
        assert db.session.scalars(select(Confirmation.reason)).all() == ["först"]
        db.session.remove()
        db.engine.dispose()


def test_upgrade_takes_unit_activations_over_from_the_audit_log(empty_database_url, tmp_path):
    # Before 0010 only a unit's current state was kept; update_unit logged every change.
    from datetime import datetime

    from sqlalchemy import select, update

    from portal.audit import AuditEvent
    from portal.org import services as org
    from portal.org.models import Unit, UnitActivation
    from portal.policy import SystemActor

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = empty_database_url
        SEARCH_INDEX_DIR = str(tmp_path / "index")

    app = create_app(Config)
    with app.app_context():
        upgrade(revision="0009_one_confirmation")
        system = SystemActor("test")
        department = org.create_department(system, "Bildningsförvaltningen")
        closed = org.create_unit(system, department, "Gamla skolan, Nord → Syd", "skola")
        reopened = org.create_unit(system, department, "Ekbackens skola", "skola")
        unlogged = org.create_unit(system, department, "Tysta skolan", "skola")
        for unit, summary, at in [
                (closed, "Gamla skolan, Nord → Syd, Skola, aktiv → Gamla skolan, Nord → Syd, Skola, inaktiv",
                 datetime(2026, 1, 10, 9, 0)),
                (reopened, "Ekbackens skola, Skola, aktiv → Ekbackens skola, Skola, inaktiv", datetime(2026, 2, 1)),
                (reopened, "Ekbackens skola, Skola, aktiv → Ekbacken, Skola, aktiv", datetime(2026, 2, 2)),
                (reopened, "Ekbacken, Skola, inaktiv → Ekbacken, Skola, aktiv", datetime(2026, 3, 1))]:
            db.session.add(AuditEvent(actor_label="test", action="unit.updated", target_type="unit",
                                      target_id=unit.id, target_label=unit.name, summary=summary, at=at))
        db.session.execute(update(Unit).where(Unit.id.in_([closed.id, unlogged.id])).values(active=False))
        db.session.commit()
        ids = {closed.id: "closed", reopened.id: "reopened", unlogged.id: "unlogged"}
        upgrade()
        rows = db.session.execute(select(UnitActivation.unit_id, UnitActivation.active, UnitActivation.at)
                                  .order_by(UnitActivation.id)).all()
        db.session.remove()
        db.engine.dispose()
    assert [(ids[u], active) for u, active, _ in rows] == [
        ("closed", False), ("reopened", False), ("reopened", True), ("unlogged", False)]
    assert [at for _, _, at in rows[:3]] == [datetime(2026, 1, 10, 9, 0), datetime(2026, 2, 1), datetime(2026, 3, 1)]


def test_revision_ids_fit_alembic_version_column():
    # alembic_version.version_num is VARCHAR(32): a longer id migrates on SQLite and fails on PostgreSQL.
    from pathlib import Path

    from alembic.config import Config as AlembicConfig
    from alembic.script import ScriptDirectory

    directory = Path(__file__).resolve().parents[1] / "migrations"
    config = AlembicConfig(str(directory / "alembic.ini"))
    config.set_main_option("script_location", str(directory))
    ids = [script.revision for script in ScriptDirectory.from_config(config).walk_revisions()]
    assert ids and all(len(revision) <= 32 for revision in ids), ids


def test_upgrade_creates_a_missing_sqlite_folder(tmp_path):
    # A new PORTAL_INSTANCE_DIR (or DATABASE_URL into a new folder) works on the first upgrade.
    from sqlalchemy import inspect

    folder = tmp_path / "ny" / "instans"

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{folder / 'portal.sqlite'}"
        SEARCH_INDEX_DIR = str(tmp_path / "index")

    app = create_app(Config)
    with app.app_context():
        upgrade()
        assert "documents" in inspect(db.engine).get_table_names()
        db.engine.dispose()
    assert (folder / "portal.sqlite").is_file()
