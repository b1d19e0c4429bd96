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
