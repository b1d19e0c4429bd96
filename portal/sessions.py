"""Flask's signed-cookie session, made cheaper for the request after request that carries the same cookie:

- the signing serializer is built once per set of keys, not per request;
- a cookie this worker has verified is remembered with its payload and signing time, so the next
  request with the very same cookie skips the HMAC check and the JSON decoding. The age check is
  the same as on a first reading (PERMANENT_SESSION_LIFETIME), so an expired cookie is refused
  exactly as before; a cookie that fails verification is never remembered;
- the signed CSRF token (Flask-WTF's, a timestamped signature of the session's random token) is
  reused for a few minutes instead of being signed again on every page. Every form and the logout
  button of those pages carry the same token; it is still bound to the session and still expires
  WTF_CSRF_TIME_LIMIT after it was signed (so at most CSRF_REUSE_SECONDS earlier than a fresh one).
"""
from __future__ import annotations

import copy
import threading
import time

from flask import g, request, session
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature, URLSafeTimedSerializer

_SCALARS = (str, int, float, bool, type(None))


class CookieSessionInterface(SecureCookieSessionInterface):
    # Flask builds a new URLSafeTimedSerializer (which test-serialises a value to find out whether it
    # is a text serializer) for every request; with the same keys the result is the same object.
    max_remembered = 10_000  # cookies; the memo starts over when full

    def get_signing_serializer(self, app):
        return self._keyed(app)[1]

    def _keyed(self, app) -> tuple:
        """(keys, serializer, remembered cookies) for the app's current keys."""
        keys = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        cached = getattr(self, "_cached", None)
        if cached is None or cached[0] != keys:
            serializer = super().get_signing_serializer(app) if app.secret_key else None
            cached = self._cached = (keys, serializer, {})
        return cached

    def open_session(self, app, request):
        _, serializer, remembered = self._keyed(app)
        if serializer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        hit = remembered.get(value)
        if hit is None:
            try:
                data, signed_at = serializer.loads(value, max_age=max_age, return_timestamp=True)
            except BadSignature:  # also expired: SignatureExpired is a BadSignature
                return self.session_class()
            if len(remembered) >= self.max_remembered:
                remembered.clear()
            hit = remembered[value] = (int(signed_at.timestamp()), data)
            # The session gets its own copy below: a request may change it (flashes, login).
        signed_at, data = hit
        age = int(time.time()) - signed_at  # itsdangerous' rule: older than max_age, or from the future
        if age > max_age or age < 0:
            remembered.pop(value, None)
            return self.session_class()
        if all(isinstance(item, _SCALARS) for item in data.values()):
            return self.session_class(data)
        return self.session_class(copy.deepcopy(data))


class SignedCsrfTokens:
    """The signed form of each session's CSRF token, kept for up to `reuse_seconds` per worker."""

    def __init__(self, reuse_seconds: float, max_entries: int = 10_000):
        self.reuse_seconds = reuse_seconds
        self.max_entries = max_entries
        self._lock = threading.Lock()
        self._serializer: tuple | None = None
        self._signed: dict[str, tuple[float, str]] = {}

    def signed(self, secret_key, raw: str) -> str:
        now = time.monotonic()
        entry = self._signed.get(raw)
        if entry is not None and now - entry[0] <= self.reuse_seconds and self._serializer[0] == secret_key:
            return entry[1]
        with self._lock:
            if self._serializer is None or self._serializer[0] != secret_key:
                self._serializer = (secret_key, URLSafeTimedSerializer(secret_key, salt="wtf-csrf-token"))
                self._signed = {}
            token = self._serializer[1].dumps(raw)  # exactly what flask_wtf.csrf.generate_csrf signs
            if len(self._signed) >= self.max_entries:
                self._signed = {}
            self._signed[raw] = (now, token)
        return token


def init_app(app) -> None:
    limit = app.config.get("WTF_CSRF_TIME_LIMIT")
    reuse = float(app.config.get("CSRF_REUSE_SECONDS", 600))
    if limit:
        reuse = min(reuse, limit / 10)  # a token shown must keep at least 90 % of its lifetime
    if reuse <= 0:
        return
    tokens = SignedCsrfTokens(reuse)
    field = app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")

    @app.before_request
    def reuse_signed_csrf_token():
        # Flask-WTF signs the session's token once per request unless g already holds it; its forms
        # and the csrf_token() of the templates all read g. Only an existing token is reused: a
        # session without one gets it from Flask-WTF when a form first needs it.
        if field in g or request.endpoint == "static":
            return  # a static file never needs one (and must not vary by cookie)
        raw = session.get(field) if session else None
        if isinstance(raw, str) and raw:
            setattr(g, field, tokens.signed(app.config.get("WTF_CSRF_SECRET_KEY") or app.secret_key, raw))
