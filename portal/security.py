"""Security headers on every response: a strict CSP (no inline script or style), framing, sniffing;
and requests carrying NUL characters refused before they reach a form or the database."""
from flask import request

from portal.errors import error_response

# img-src 'self' only: no external images (an intranet may have no internet, and they would tell
# another site who reads what) and no data: images, which the Markdown renderer refuses as well
# (portal/handbook/markdown.py turns external images into links). See docs/security.md.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; "
       "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")


def register_security_headers(app) -> None:
    @app.before_request
    def refuse_nul_characters():
        # PostgreSQL cannot store NUL in text and no real input contains it: refuse it at the door.
        values = list(request.args.values()) + (list(request.form.values()) if request.method == "POST" else [])
        if any("\x00" in value for value in values) or "\x00" in request.path:
            return error_response(400, "Begäran innehåller otillåtna tecken (nolltecken). Ingenting har ändrats.")
        return None

    @app.after_request
    def add_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()")
        if app.config.get("SESSION_COOKIE_SECURE"):
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if response.mimetype == "text/html":
            # Pages can show drafts and adoption status: never keep them in shared caches.
            headers.setdefault("Cache-Control", "private, no-cache")
        return response
