"""Domain errors raised by services, and the one place that maps them and HTTP errors to responses."""
from flask import g, jsonify, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from werkzeug.exceptions import HTTPException

from portal.extensions import db


def error_summary(error: BaseException) -> str:
    """The first line of a (driver) error, for a log line: never a multi-line server message."""
    text = str(getattr(error, "orig", error)).strip()
    return text.splitlines()[0][:200] if text else type(error).__name__


class DomainError(Exception):
    status = 400
    default_message = "Något gick fel."

    def __init__(self, message: str | None = None, **details):
        super().__init__(message or self.default_message)
        self.message = message or self.default_message
        self.details = details


class ValidationError(DomainError):
    status = 400
    default_message = "Uppgifterna kunde inte sparas."

    def __init__(self, message: str | None = None, field: str | None = None, **details):
        super().__init__(message, **details)
        self.field = field


class PermissionDenied(DomainError):
    status = 403
    default_message = "Du har inte behörighet att göra det här."


class NotFound(DomainError):
    status = 404
    default_message = "Sidan eller objektet finns inte."


class EditConflict(DomainError):
    status = 409
    default_message = "Någon annan har ändrat samma sak under tiden."


MESSAGES = {
    400: ("Felaktig begäran", "Begäran kunde inte behandlas. Kontrollera uppgifterna och försök igen."),
    401: ("Inloggning krävs", "Du behöver logga in för att se det här."),
    403: ("Ingen behörighet", "Du har inte behörighet att se eller göra det här. "
          "Kontakta en administratör om du tror att det är fel."),
    404: ("Sidan finns inte", "Sidan du söker finns inte, eller så har den flyttats."),
    405: ("Otillåten metod", "Det går inte att göra så här på den här adressen."),
    409: ("Konflikt", "Någon annan har ändrat samma sak under tiden."),
    413: ("För stort innehåll", "Det du skickade är för stort."),
    429: ("För många försök", "Du har gjort för många försök. Vänta en stund och försök igen."),
    503: ("Tillfälligt otillgänglig", "Portalen når inte sin databas just nu, till exempel under en "
          "omstart. Försök igen om en liten stund."),
    500: ("Något gick fel", "Ett oväntat fel inträffade. Ingenting har sparats. Försök igen, "
          "och kontakta support om felet kvarstår."),
}


# A refused bearer token is told apart from no credentials at all, never why it was refused (wrong,
# revoked, or its account disabled): the answer must not help anyone probe keys.
INVALID_TOKEN = ("Ogiltig API-nyckel", "API-nyckeln är fel, har återkallats eller hör till ett konto som "
                 "är avstängt. Be en administratör om en ny nyckel.")
REALM = "Samverkansportalen"


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _bearer_sent() -> bool:
    return request.headers.get("Authorization", "").partition(" ")[0].lower() == "bearer"


def error_response(status: int, message: str | None = None):
    title, default = MESSAGES.get(status, MESSAGES[500])
    message = message or default
    if _wants_json():
        headers = {}
        if status == 401:  # the challenge of RFC 6750, section 3
            headers["WWW-Authenticate"] = f'Bearer realm="{REALM}"'
            if _bearer_sent():
                title, message = INVALID_TOKEN
                headers["WWW-Authenticate"] += ', error="invalid_token"'
        return jsonify({"error": {"status": status, "title": title, "message": message}}), status, headers
    template = f"errors/{status}.html" if status in (400, 403, 404, 500) else "errors/error.html"
    return render_template(template, status=status, title=title, message=message), status


def register_error_handlers(app):
    @app.errorhandler(DomainError)
    def handle_domain_error(error: DomainError):
        db.session.rollback()
        return error_response(error.status, error.message)

    @app.errorhandler(CSRFError)
    def handle_csrf(error: CSRFError):
        db.session.rollback()
        # Most often a session that ended while the user was writing: say how to keep what they wrote.
        return error_response(400, "Formuläret har gått ut eller saknar säkerhetstoken, så ingenting har "
                                   "sparats eller ändrats. Har du skrivit något du vill behålla: gå tillbaka med "
                                   "webbläsarens Bakåt-knapp och kopiera texten innan du laddar om sidan och "
                                   "försöker igen (logga in igen om du blir ombedd). Text i handbokens "
                                   "redigering finns kvar i den här fliken: öppna redigeringen igen, så får du "
                                   "välja att återställa den.")

    @app.errorhandler(HTTPException)
    def handle_http(error: HTTPException):
        status = error.code or 500
        if status >= 500:
            return handle_unexpected(error)
        message = None if status in MESSAGES else error.description
        return error_response(status, message)

    @app.errorhandler(OperationalError)
    def handle_database_unavailable(error: OperationalError):
        # The database is restarting or unreachable: a passing state (pool_pre_ping reconnects on the
        # next request), so 503 with Retry-After and a warning instead of a 500 with a traceback.
        try:
            db.session.rollback()
        except Exception:  # noqa: BLE001 - the connection may already be gone
            pass
        app.logger.warning("Database unavailable on %s %s: %s", request.method, request.path,
                           error_summary(error))
        try:
            response = make_response(error_response(503))
        except Exception:  # noqa: BLE001 - the page itself may need the database (current user)
            response = make_response(MESSAGES[503][1], 503, {"Content-Type": "text/plain; charset=utf-8"})
        response.headers["Retry-After"] = "5"
        return response

    # An app-context teardown, as Flask-SQLAlchemy's own (a request context that reuses an outer app
    # context, e.g. a CLI's, must not close that context's session); registered later, so it runs
    # first and leaves that one nothing to do.
    @app.teardown_appcontext
    def close_database_session(error):
        # Closing the request's session rolls back its open transaction. If the database cut the
        # connection after the request's last query (a restart), that rollback fails: the answer is
        # already made and nothing uncommitted can be lost, so the connection is thrown away instead
        # of the answer becoming a bare 500 from the server.
        try:
            db.session.remove()
        except SQLAlchemyError as failure:
            # The request context is gone by now: the request is named by its id (portal/logs.py).
            app.logger.warning("Database connection lost while closing the database session (request %s): %s",
                               g.get("request_id") or "-",
                               error_summary(failure))
            try:
                db.session().invalidate()  # no round trip: the connections are discarded, not rolled back
            except SQLAlchemyError:
                pass
            finally:
                db.session.registry.clear()

    # Unhandled exceptions arrive here as InternalServerError (and propagate in tests, so a
    # crash fails the test loudly instead of hiding behind an error page).
    @app.errorhandler(500)
    def handle_unexpected(error):
        db.session.rollback()
        app.logger.error("Unhandled error on %s %s: %r", request.method, request.path,
                         getattr(error, "original_exception", error))
        return error_response(500)
