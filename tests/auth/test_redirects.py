"""After login: back to the page that asked for it, never to another site (no open redirect)."""
import html
import re
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from tests.conftest import PASSWORD

EXTERNAL = [
    "https://evil.example/",
    "HTTPS://evil.example/",
    "http:evil.example",
    "//evil.example/stjal",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "\\/evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r\n/evil.example",
    " //evil.example",
    "\x0b//evil.example",
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "evil.example",
    "/ok\r\nSet-Cookie: stulen=1",
]


def _login(client, user, next_value):
    return client.post("/logga-in", data={"email": user.email, "password": PASSWORD, "next": next_value})


def _is_local(location: str) -> bool:
    parts = urlsplit(location)
    return not parts.scheme and not parts.netloc and location.startswith("/") and not location.startswith("//")


@pytest.mark.parametrize("target", EXTERNAL)
def test_login_ignores_a_next_that_leaves_the_portal(client, make_user, target):
    user = make_user("reader")
    response = _login(client, user, target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert client.get("/").status_code == 200  # logged in all the same


@pytest.mark.parametrize("target", EXTERNAL)
def test_an_already_logged_in_visit_to_the_login_page_ignores_it_too(client, login_as, target):
    login_as("reader")
    response = client.get("/logga-in", query_string={"next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("target", ["/%2F%2Fevil.example", "/.//evil.example", "/%09/evil.example"])
def test_odd_but_local_paths_stay_on_the_portal(client, make_user, target):
    user = make_user("reader")
    location = _login(client, user, target).headers["Location"]
    assert _is_local(location), location


def test_anonymous_visitor_comes_back_to_the_page_with_its_query_after_login(client, make_user):
    """As a browser does it: the login page carries `next` in its form to the POST."""
    user = make_user("reader")
    response = client.get("/sok?q=orosanmälan&typ=routine")
    login_url = response.headers["Location"]
    assert urlsplit(login_url).path == "/logga-in"
    page = client.get(login_url).get_data(as_text=True)
    next_value = re.search(r'<input id="next" name="next" type="hidden" value="([^"]*)"', page).group(1)
    next_value = html.unescape(next_value)
    assert next_value == parse_qs(urlsplit(login_url).query)["next"][0]
    response = _login(client, user, next_value)
    assert unquote(response.headers["Location"]) == unquote(next_value) == "/sok?q=orosanmälan&typ=routine"
    assert client.get(response.headers["Location"]).status_code == 200


def test_next_is_escaped_in_the_login_form(client):
    page = client.get("/logga-in", query_string={"next": '/"><script>alert(1)</script>'}).get_data(as_text=True)
    assert "<script>alert(1)" not in page
    assert "&#34;&gt;&lt;script&gt;" in page or "&quot;&gt;&lt;script&gt;" in page


def test_a_failed_login_keeps_the_next_for_the_second_try(client, make_user):
    user = make_user("reader")
    page = client.post("/logga-in", data={"email": user.email, "password": "fel-losenord-12",
                                          "next": "/handbok"}).get_data(as_text=True)
    assert 'value="/handbok"' in page
    assert _login(client, user, "/handbok").headers["Location"] == "/handbok"
