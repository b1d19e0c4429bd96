"""The audit log page: filters by text, event, object type and dates; paging keeps the filter."""
import re
from datetime import datetime

import pytest

from portal import audit
from portal.extensions import db
from tests.admin.conftest import field_error


@pytest.fixture
def events(app, admin, organisation):
    """A few events at known times, besides those the fixtures recorded today."""
    def add(action, target_label, summary, at, target_type="user"):
        event = audit.record("historik@test.se", action, None, summary, target_type=target_type,
                             target_label=target_label)
        event.at = at
        return event

    add("user.created", "anna@test.se", "Konto skapat för Anna", datetime(2025, 1, 10, 8, 0))
    add("user.disabled", "anna@test.se", "aktiv → inaktiv", datetime(2025, 1, 31, 23, 59))
    add("unit.updated", "Ekbackens skola", "Ekbackens skola → Ekbacken", datetime(2025, 2, 1, 0, 0),
        target_type="unit")
    add("user.role_granted", "bertil@test.se", "+ Redaktör 100%_klart", datetime(2025, 3, 5, 12, 0))
    db.session.commit()


def _rows(html: str) -> list[str]:
    body = re.search(r"<tbody>(.*?)</tbody>", html, re.S).group(1)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def _log(client, **params):
    response = client.get("/admin/logg", query_string=params)
    return response, _rows(response.get_data(as_text=True))


def test_newest_first_with_swedish_labels(client, events):
    response, rows = _log(client)
    assert response.status_code == 200
    assert "Inloggning" in rows[0]  # the admin logging in, today
    historic = [row for row in rows if "historik@test.se" in row]
    assert [row.split(" historik@test.se ")[1].split(" ")[0] for row in historic] == \
        ["Roll", "Enhet", "Användare", "Användare"]
    assert "Roll tilldelad" in historic[0] and "Användare inaktiverad" in historic[2]


def test_free_text_searches_who_what_and_summary(client, events):
    assert len(_log(client, q="anna@test.se")[1]) == 2
    assert len(_log(client, q="EKBACKEN")[1]) >= 1
    assert all("historik@test.se" in row for row in _log(client, q="historik")[1])


def test_wildcards_in_free_text_are_searched_as_characters(client, events):
    _, rows = _log(client, q="100%_klart")
    assert len(rows) == 1 and "bertil@test.se" in rows[0]
    _, rows = _log(client, q="%")
    assert len(rows) == 1  # not "everything"
    assert _log(client, q="a_na")[1] == ["Inga händelser matchar filtret."]


def test_an_address_with_an_underscore_is_found(client, admin):
    audit.record("test", "user.created", None, "Konto skapat", target_type="user", target_label="anna_berg@test.se")
    db.session.commit()
    _, rows = _log(client, q="anna_berg")
    assert len(rows) == 1 and "anna_berg@test.se" in rows[0]


def test_filter_by_event_and_by_object_type(client, events):
    _, rows = _log(client, action="user.disabled")
    assert len(rows) == 1 and "anna@test.se" in rows[0]
    _, rows = _log(client, target_type="unit")
    assert all("Enhet" in row for row in rows) and any("Ekbacken" in row for row in rows)


def test_date_range_includes_whole_days(client, events):
    _, rows = _log(client, from_date="2025-01-31", to_date="2025-02-01")
    assert len(rows) == 2
    assert "aktiv → inaktiv" in rows[1] and "Ekbacken" in rows[0]


def test_filters_combine(client, events):
    _, rows = _log(client, q="anna", action="user.created", from_date="2025-01-01", to_date="2025-01-31")
    assert len(rows) == 1 and "Konto skapat för Anna" in rows[0]


def test_no_match_says_so(client, events):
    response, rows = _log(client, q="finns-inte-någonstans")
    assert rows == ["Inga händelser matchar filtret."]
    assert "0 händelser" in response.get_data(as_text=True)


@pytest.mark.parametrize("params, field, message", [
    ({"from_date": "2025-13-45"}, "from_date", "2025-13-45 finns inte i kalendern."),
    ({"from_date": "2026-02-30"}, "from_date", "2026-02-30 finns inte i kalendern."),
    ({"to_date": "2025-02-29"}, "to_date", "2025-02-29 finns inte i kalendern."),
    ({"to_date": "igår"}, "to_date", "Ange datumet som ÅÅÅÅ-MM-DD."),
    ({"to_date": "2025/01/05"}, "to_date", "Ange datumet som ÅÅÅÅ-MM-DD."),
    ({"q": "x" * 201}, "q", "Högst 200 tecken."),
    ({"from_date": "2026-12-07", "to_date": "2026-12-01"}, "from_date", "Från-datumet är efter till-datumet."),
])
def test_bad_filters_are_explained_in_swedish_and_show_no_events(client, events, params, field, message):
    response = client.get("/admin/logg", query_string=params)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert field_error(page, field) == message
    # A list under the error would look like the filter's result.
    assert "<tbody>" not in page and "Rätta filtret ovan för att se händelserna." in page


def test_a_leap_day_and_the_same_day_twice_are_accepted(client, events):
    response = client.get("/admin/logg", query_string={"from_date": "2024-02-29", "to_date": "2024-02-29"})
    assert response.status_code == 200
    response, rows = _log(client, from_date="2025-01-10", to_date="2025-01-10")
    assert response.status_code == 200 and len(rows) == 1 and "Konto skapat för Anna" in rows[0]


@pytest.mark.parametrize("spaces", ["   ", " \t "])
def test_free_text_of_only_spaces_is_no_text_filter(client, events, spaces):
    response, rows = _log(client, q=spaces)
    everything = _log(client)[1]
    assert response.status_code == 200 and rows == everything and len(rows) >= 4


def test_free_text_is_searched_without_the_spaces_around_it(client, events):
    assert _log(client, q="  anna@test.se ")[1] == _log(client, q="anna@test.se")[1] != []


def test_a_page_beyond_the_last_shows_the_last_and_says_so(client, admin):
    for n in range(120):
        audit.record("massa@test.se", "user.updated", None, f"ändring {n}", target_type="user",
                     target_label="massa@test.se")
    db.session.commit()
    response = client.get("/admin/logg", query_string={"q": "massa", "sida": "99999"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Sidan 99999 finns inte, sista sidan är 3. Här visas den." in page
    assert "Sida 3 av 3" in page and "99999 av" not in page
    assert len(_rows(page)) == 20 and "ändring 0" in _rows(page)[-1]


@pytest.mark.parametrize("params", [{"action": "ingen.sadan"}, {"target_type": "<script>"}, {"sida": "-3"},
                                    {"sida": "abc"}, {"sida": "99999999999999999999"}])
def test_odd_parameters_do_no_harm(client, events, params):
    response = client.get("/admin/logg", query_string=params)
    assert response.status_code == 200
    assert "<script>" not in response.get_data(as_text=True).split("<main", 1)[-1]


def test_paging_keeps_the_filter(client, admin):
    for n in range(55):
        audit.record("massa@test.se", "user.updated", None, f"ändring {n}", target_type="user",
                     target_label="massa@test.se")
    db.session.commit()
    first = client.get("/admin/logg", query_string={"q": "massa"}).get_data(as_text=True)
    assert "Sida 1 av 2" in first
    assert 'href="/admin/logg?sida=2&amp;q=massa"' in first
    _, rows = _log(client, q="massa", sida="2")
    assert len(rows) == 5 and "ändring 0" in rows[-1]


def test_the_time_column_names_the_zone_its_times_are_shown_in(app, client, events, monkeypatch):
    page = client.get("/admin/logg", query_string={"q": "Konto skapat för Anna"}).get_data(as_text=True)
    assert '<th scope="col">Tid (Europe/Stockholm)</th>' in page and "UTC" not in page
    assert "2025-01-10 09:00" in _rows(page)[0]  # stored 08:00 UTC
    monkeypatch.setitem(app.config, "TIMEZONE", "America/New_York")
    page = client.get("/admin/logg", query_string={"q": "Konto skapat för Anna"}).get_data(as_text=True)
    assert '<th scope="col">Tid (America/New_York)</th>' in page
    assert "2025-01-10 03:00" in _rows(page)[0]
