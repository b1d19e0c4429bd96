"""Flask's signed-cookie session, with its signing serializer built once per set of keys, not per request."""
from flask.sessions import SecureCookieSessionInterface


class CookieSessionInterface(SecureCookieSessionInterface):
    # Flask builds a new URLSafeTimedSerializer (which test-serialises a value to find out whether it
    # is a text serializer) for every request; with the same keys the result is the same object.

    def get_signing_serializer(self, app):
        keys = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        cached = getattr(self, "_cached_serializer", None)
        if cached is None or cached[0] != keys:
            cached = self._cached_serializer = (keys, super().get_signing_serializer(app))
        return cached[1]
