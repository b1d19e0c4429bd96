"""Samverkansportalen: create_app builds the Flask app from a config class."""
from flask import Flask
from werkzeug.routing import IntegerConverter

from portal.extensions import csrf, db, login_manager, migrate
from portal.sessions import CookieSessionInterface


def create_app(config_class) -> Flask:
    app = Flask(__name__, instance_path=None)
    app.config.from_object(config_class)
    app.session_interface = CookieSessionInterface()
    # Ids in URLs fit the database's integer; a larger number is simply not found (404, not 500).
    app.url_map.converters["int"] = BoundedIntConverter
    if not app.config.get("SECRET_KEY"):
        raise RuntimeError("SECRET_KEY is not set. Set it in the environment (see README).")

    _ensure_sqlite_directory(app.config["SQLALCHEMY_DATABASE_URI"])
    db.init_app(app)
    migrate.init_app(app, db, directory=str(_project_dir() / "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Logga in för att se sidan."
    login_manager.login_message_category = "info"

    from portal import models  # noqa: F401  (every table registered before migrations run)
    from portal.auth.services import load_user_from_request, load_user_from_session

    login_manager.user_loader(load_user_from_session)
    login_manager.request_loader(load_user_from_request)

    from portal.admin.views import bp as admin_bp
    from portal.adoption.views import bp as adoption_bp
    from portal.api.views import bp as api_bp
    from portal.api.views import tokens_bp
    from portal.auth.views import bp as auth_bp
    from portal.handbook.views import bp as handbook_bp
    from portal.main.views import bp as main_bp
    from portal import pagecache, sessions, usercache
    from portal.search import services as search
    from portal.search.views import bp as search_bp

    for blueprint in (main_bp, auth_bp, admin_bp, handbook_bp, adoption_bp, search_bp, api_bp, tokens_bp):
        app.register_blueprint(blueprint)
    search.init_app(app)
    pagecache.init_app(app)
    usercache.init_app(app)
    sessions.init_app(app)

    from portal.auth.cli import users_cli
    from portal.content.cli import content_cli
    from portal.demo import demo_cli
    from portal.org.cli import org_cli
    from portal.search.cli import search_cli

    from portal.backup import backup_command, restore_command

    for group in (users_cli, org_cli, demo_cli, content_cli, search_cli, backup_command, restore_command):
        app.cli.add_command(group)

    from portal.errors import register_error_handlers
    from portal.logs import configure_logging
    from portal.security import register_security_headers
    from portal.templating import register_template_helpers

    configure_logging(app)
    register_error_handlers(app)
    register_security_headers(app)
    register_template_helpers(app)
    return app


class BoundedIntConverter(IntegerConverter):
    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)


def _ensure_sqlite_directory(uri: str) -> None:
    # A fresh PORTAL_INSTANCE_DIR (or a DATABASE_URL pointing into a new folder) must not make the
    # first `flask db upgrade` fail with "unable to open database file".
    from pathlib import Path

    from sqlalchemy.engine import make_url

    url = make_url(uri)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)


def _project_dir():
    from pathlib import Path

    return Path(__file__).resolve().parent.parent
