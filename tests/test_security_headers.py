"""Security headers: a CSP without inline script or style, no framing, no sniffing; HSTS in production."""
import re

from config import ProductionConfig, TestConfig
from portal import create_app


def test_html_pages_carry_a_strict_csp_and_no_inline_code(client, login_as, make_user):
    login_as("admin")
    for url in ("/", "/admin/anvandare", "/logga-in", "/tillganglighet", "/finns-inte"):
        response = client.get(url)
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "style-src 'self'" in csp and "frame-ancestors 'none'" in csp
        # Images from the portal only: no external ones (no internet, no read receipts to other
        # sites) and no data: (the Markdown renderer refuses those too).
        assert "img-src 'self';" in csp and "https:" not in csp and "data:" not in csp
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"
        page = response.get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)", page), url  # only external scripts
        assert " style=" not in page and "<style" not in page, url


def test_hsts_only_when_cookies_are_secure(tmp_path, monkeypatch):
    class Production(ProductionConfig):
        SECRET_KEY = "x" * 32
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'p.sqlite'}"
        SESSION_COOKIE_SECURE = True

    class Test(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 't.sqlite'}"

    production = create_app(Production).test_client().get("/tillganglighet")
    assert production.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "Strict-Transport-Security" not in create_app(Test).test_client().get("/tillganglighet").headers


def test_nul_characters_are_refused_before_anything_happens(client, make_user):
    from tests.conftest import table_snapshot

    user = make_user("reader")
    before = table_snapshot()
    response = client.post("/logga-in", data={"email": "a\x00@x.se", "password": "x"})
    assert response.status_code == 400 and "nolltecken" in response.get_data(as_text=True)
    assert client.get("/logga-in?next=/%00").status_code == 400
    assert table_snapshot() == before
    assert user.email
