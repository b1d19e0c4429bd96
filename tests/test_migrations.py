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


def _app(database_url, tmp_path):
    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = database_url
        SEARCH_INDEX_DIR = str(tmp_path / "index")

    return create_app(Config)


def _old_rows():
    """Insert rows into the schema of the revision the database is at, not the models' (which follow
    the newest migration): each call names a table and the values that matter to the test; other
    required columns get a plain value of their type. Returns the new row's id."""
    from datetime import date, datetime

    import sqlalchemy as sa

    metadata = sa.MetaData()
    plain = {int: 0, str: "", bool: False, datetime: datetime(2026, 1, 1), date: date(2026, 1, 1), dict: {},
             list: []}

    def insert(table_name: str, **values) -> int:
        table = metadata.tables[table_name] if table_name in metadata.tables else \
            sa.Table(table_name, metadata, autoload_with=db.engine)
        for column in table.columns:
            if column.name not in values and not column.nullable and not column.primary_key \
                    and column.server_default is None:
                values[column.name] = plain[column.type.python_type]
        with db.engine.begin() as connection:
            return connection.execute(table.insert().values(**values)).inserted_primary_key[0]

    return insert


def test_upgrade_keeps_the_first_of_duplicated_confirmations(empty_database_url, tmp_path):
    # Before 0009 simultaneous submits could store one unit's confirmation of a version several times.
    from sqlalchemy import select

    from portal.adoption.models import Confirmation

    app = _app(empty_database_url, tmp_path)
    with app.app_context():
        upgrade(revision="0008_department_former_names")
        insert = _old_rows()
        department = insert("departments", code="bildning", name="Bildningsförvaltningen")
        unit = insert("units", department_id=department, name="Ekbackens skola", kind="skola", active=True)
        document = insert("documents", slug="sip", title="SIP", kind="routine", department_id=department)
        revision = insert("revisions", document_id=document, number=1, title="SIP", body="Text", meta={},
                          toc=[])
        adoption = insert("adoptions", document_id=document, unit_id=unit)
        for reason in ("först", "dubblett", "dubblett"):
            insert("adoption_confirmations", adoption_id=adoption, revision_id=revision, revision_number=1,
                   confirmed_by_label="rektor@test.se", items_done=0, items_total=0, reason=reason)
        upgrade()
        assert db.session.scalars(select(Confirmation.reason)).all() == ["först"]
        db.session.remove()
        db.engine.dispose()


def test_upgrade_takes_unit_activations_over_from_the_audit_log(empty_database_url, tmp_path):
    # Before 0010 only a unit's current state was kept; update_unit logged every change.
    from datetime import datetime

    from sqlalchemy import select

    from portal.org.models import UnitActivation

    app = _app(empty_database_url, tmp_path)
    with app.app_context():
        upgrade(revision="0009_one_confirmation")
        insert = _old_rows()
        department = insert("departments", code="bildning", name="Bildningsförvaltningen")
        closed = insert("units", department_id=department, name="Gamla skolan, Nord → Syd", kind="skola",
                        active=False)
        reopened = insert("units", department_id=department, name="Ekbacken", kind="skola", active=True)
        unlogged = insert("units", department_id=department, name="Tysta skolan", kind="skola", active=False)
        for unit, summary, at in [
                (closed, "Gamla skolan, Nord → Syd, Skola, aktiv → Gamla skolan, Nord → Syd, Skola, inaktiv",
                 datetime(2026, 1, 10, 9, 0)),
                (reopened, "Ekbackens skola, Skola, aktiv → Ekbackens skola, Skola, inaktiv", datetime(2026, 2, 1)),
                (reopened, "Ekbackens skola, Skola, aktiv → Ekbacken, Skola, aktiv", datetime(2026, 2, 2)),
                (reopened, "Ekbacken, Skola, inaktiv → Ekbacken, Skola, aktiv", datetime(2026, 3, 1))]:
            insert("audit_events", actor_label="test", action="unit.updated", target_type="unit",
                   target_id=unit, target_label="skola", summary=summary, at=at)
        ids = {closed: "closed", reopened: "reopened", unlogged: "unlogged"}
        upgrade()
        rows = db.session.execute(select(UnitActivation.unit_id, UnitActivation.active, UnitActivation.at)
                                  .order_by(UnitActivation.id)).all()
        db.session.remove()
        db.engine.dispose()
    assert [(ids[u], active) for u, active, _ in rows] == [
        ("closed", False), ("reopened", False), ("reopened", True), ("unlogged", False)]
    assert [at for _, _, at in rows[:3]] == [datetime(2026, 1, 10, 9, 0), datetime(2026, 2, 1), datetime(2026, 3, 1)]


def test_upgrade_gives_every_department_and_unit_its_name_key(empty_database_url, tmp_path):
    # Before 0011 names differing only in case were refused in Python only; a race could store both.
    from sqlalchemy import select
    from sqlalchemy.exc import IntegrityError

    from portal.org.models import Department, Unit

    app = _app(empty_database_url, tmp_path)
    with app.app_context():
        upgrade(revision="0010_unit_activations")
        insert = _old_rows()
        department = insert("departments", code="bildning", name="Bildningsförvaltningen")
        other = insert("departments", code="social", name="Socialförvaltningen")
        first = insert("units", department_id=department, name="Ekbackens  Skola", kind="skola", active=True)
        twin = insert("units", department_id=department, name="EKBACKENS SKOLA", kind="skola", active=True)
        elsewhere = insert("units", department_id=other, name="Ekbackens skola", kind="annan", active=True)
        upgrade()
        keys = dict(db.session.execute(select(Unit.id, Unit.name_key)).all())
        assert keys == {first: "ekbackens skola", twin: f"ekbackens skola #{twin}", elsewhere: "ekbackens skola"}
        assert db.session.scalars(select(Department.name_key).order_by(Department.id)).all() == [
            "bildningsförvaltningen", "socialförvaltningen"]
        # From now on the database itself refuses a name that differs only in case (Å, Ö included).
        db.session.add(Unit(department_id=other, name="EKBACKENS SKOLA", kind="skola"))
        try:
            db.session.flush()
            raise AssertionError("a unit named like another of its department was stored")
        except IntegrityError:
            db.session.rollback()
        db.session.add(Department(code="bildning2", name="BILDNINGSFÖRVALTNINGEN"))
        try:
            db.session.flush()
            raise AssertionError("a department named like another was stored")
        except IntegrityError:
            db.session.rollback()
        db.session.remove()
        db.engine.dispose()


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
