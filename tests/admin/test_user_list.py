"""The user list: search by name or e-mail in any letter case, a role filter and pages of 50, all
as GET parameters; bad values are explained in Swedish; at phone width each account is a card."""
import re

import pytest

from portal.auth import services as accounts
from portal.extensions import db
from tests.admin.conftest import field_error
from tests.conftest import PASSWORD, recorded_statements


def _names(html: str) -> list[str]:
    body = re.search(r"<tbody>(.*?)</tbody>", html, re.S).group(1)
    return re.findall(r'<td class="card-title"><a href="/admin/anvandare/\d+">(.*?)</a></td>', body)


def _list(client, **params):
    response = client.get("/admin/anvandare", query_string=params)
    return response, response.get_data(as_text=True)


@pytest.fixture
def people(admin, make_user, organisation):
    accounts.create_user("test", "asa.ostlund@test.se", "Åsa Östlund", PASSWORD)
    accounts.create_user("test", "bo.berg@kommun.se", "Bo Berg", PASSWORD)
    make_user("editor", email="redaktor.ett@test.se")
    make_user("unit_head", email="rektor.ett@test.se")


@pytest.mark.parametrize("q, expected", [
    ("åsa", ["Åsa Östlund"]),
    ("ÖSTLUND", ["Åsa Östlund"]),
    ("  bo  ", ["Bo Berg"]),
    ("KOMMUN.SE", ["Bo Berg"]),
    ("redaktor.ett@", ["Test editor"]),
    ("finns-inte", []),
])
def test_search_finds_name_or_address_in_any_letter_case(client, people, q, expected):
    response, page = _list(client, q=q)
    assert response.status_code == 200 and _names(page) == expected
    if not expected:
        assert "Inga konton matchar sökningen." in page and "0 konton matchar sökningen" in page


def test_the_role_filter_and_search_combine(client, people):
    assert _names(_list(client, roll="editor")[1]) == ["Test editor"]
    assert _names(_list(client, roll="admin")[1]) == ["Test admin"]
    assert _names(_list(client, roll="reader")[1]) == ["Bo Berg", "Åsa Östlund"]
    assert _names(_list(client, roll="unit_head", q="bo")[1]) == []
    assert _names(_list(client, roll="reader", q="bo")[1]) == ["Bo Berg"]


def test_the_form_keeps_what_was_searched(client, people):
    page = _list(client, q="bo", roll="reader")[1]
    assert 'name="q" type="text" value="bo"' in page
    assert '<option selected value="reader">Endast läsare</option>' in page
    assert '<a href="/admin/anvandare">Visa alla konton</a>' in page


@pytest.mark.parametrize("params, field, message", [
    ({"roll": "superadmin"}, "roll", "Välj ett av alternativen i listan."),
    ({"q": "x" * 201}, "q", "Högst 200 tecken."),
    ({"sida": "abc"}, "sida", "Ange sidan som ett heltal från 1 och uppåt."),
    ({"sida": "1.5"}, "sida", "Ange sidan som ett heltal från 1 och uppåt."),
    ({"sida": "0"}, "sida", "Ange sidan som ett heltal från 1 och uppåt."),
    ({"sida": "-3"}, "sida", "Ange sidan som ett heltal från 1 och uppåt."),
    ({"sida": "99999999999999999999"}, "sida", "Ange sidan som ett heltal från 1 och uppåt."),
])
def test_bad_values_are_explained_in_swedish(client, people, params, field, message):
    response, page = _list(client, **params)
    assert response.status_code == 400
    assert field_error(page, field) == message
    assert "<tbody>" not in page and "Rätta sökningen ovan för att se kontona." in page


def test_pages_of_fifty_keep_the_filter_and_a_page_past_the_end_shows_the_last(client, admin, organisation):
    for n in range(120):
        db.session.add(accounts.User(email=f"person{n:03}@test.se", name=f"Person {n:03}", password_hash="x"))
    db.session.commit()
    first = _list(client, q="person")[1]
    assert len(_names(first)) == 50 and _names(first)[0] == "Person 000"
    assert "120 konton matchar sökningen" in first and "Sida 1 av 3" in first
    assert 'href="/admin/anvandare?sida=2&amp;q=person"' in first
    third = _list(client, q="person", sida="3")[1]
    assert _names(third) == [f"Person {n:03}" for n in range(100, 120)]
    response, beyond = _list(client, q="person", sida="99")
    assert response.status_code == 200
    assert "Sidan 99 finns inte, sista sidan är 3. Här visas den." in beyond
    assert _names(beyond) == _names(third) and "Sida 3 av 3" in beyond


def test_a_page_loads_in_a_fixed_number_of_queries(app, client, admin, organisation):
    for n in range(60):
        db.session.add(accounts.User(email=f"p{n}@test.se", name=f"P {n}", password_hash="x",
                                     unit=organisation["school"] if n % 2 else organisation["social"]))
    db.session.commit()
    client.get("/admin/anvandare")  # warm up the session's own loads
    with recorded_statements(db.engine) as sent:
        page = _list(client)[1]
    assert len(_names(page)) == 50
    assert len(sent) <= 8, sent


def test_each_cell_is_labelled_for_the_phone_layout(client, people):
    page = _list(client)[1]
    assert '<table class="stack">' in page
    row = re.search(r"<tbody>\s*<tr>(.*?)</tr>", page, re.S).group(1)
    assert re.findall(r'data-label="([^"]+)"', row) == ["E-post", "Enhet", "Roller", "Status"]
    assert '<td class="card-title">' in row


def test_the_audit_log_table_is_labelled_for_the_phone_layout(client, admin):
    page = client.get("/admin/logg").get_data(as_text=True)
    assert '<table class="audit stack">' in page
    row = re.search(r"<tbody>\s*<tr>(.*?)</tr>", page, re.S).group(1)
    assert re.findall(r'data-label="([^"]+)"', row) == ["Tid", "Vem", "Händelse", "Objekt", "Ändring"]
