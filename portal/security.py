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
        values = list(request.args.values()) if request.query_string else []
        if request.method == "POST":
            values += list(request.form.values())
        if any("\x00" in value for value in values) or "\x00" in request.path:
            return error_response(400, "Begäran innehåller otillåtna tecken (nolltecken). Ingenting har ändrats.")
        return None

    # The same headers on every response: built once (a view may still set its own first).
    headers_for_all = [("Content-Security-Policy", CSP), ("X-Frame-Options", "DENY"),
                       ("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "same-origin"),
                       ("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()")]
    if app.config.get("SESSION_COOKIE_SECURE"):
        headers_for_all.append(("Strict-Transport-Security", "max-age=31536000; includeSubDomains"))

    @app.after_request
    def add_headers(response):
        headers = response.headers
        present = {name.lower() for name, _ in headers.items()}
        headers.extend([(name, value) for name, value in headers_for_all if name.lower() not in present])
        if "cache-control" not in present and response.mimetype == "text/html":
            # Pages can show drafts and adoption status: never keep them in shared caches.
            headers["Cache-Control"] = "private, no-cache"
        return response
