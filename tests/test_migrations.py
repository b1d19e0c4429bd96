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
    # Before 0007 simultaneous submits could store one unit's confirmation of a version several times.
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
        upgrade(revision="0006")
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
