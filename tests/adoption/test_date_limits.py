"""Dates in adoption follow-up (evidence at a date, exports, deadlines) are limited to
1900-01-01..9998-12-31: anything else is a clear Swedish 400 that changes nothing, never a 500."""
from datetime import timedelta

import pytest

from portal import clock
from portal.adoption import services
from tests.conftest import table_snapshot

RANGE_MESSAGE = "Ange ett datum mellan 1900-01-01 och 9998-12-31."
OUT_OF_RANGE = ["9999-12-31", "0001-01-01", "1899-12-31"]  # outside any date people may enter


@pytest.mark.parametrize("value", OUT_OF_RANGE)
def test_evidence_at_a_date_outside_the_range_is_refused(client, login_as, routine, value):
    login_as("admin")
    response = client.get(f"/inforande/rutin/orosanmalan/per-datum?datum={value}")
    assert response.status_code == 400 and RANGE_MESSAGE in response.get_data(as_text=True)


@pytest.mark.parametrize("extension", ["csv", "xlsx"])
@pytest.mark.parametrize("value", OUT_OF_RANGE)
def test_exports_at_a_date_outside_the_range_are_refused(client, login_as, routine, value, extension):
    login_as("admin")
    response = client.get(f"/inforande/export.{extension}?datum={value}")
    assert response.status_code == 400 and RANGE_MESSAGE in response.get_data(as_text=True)


@pytest.mark.parametrize("value", ["1900-01-01", "today"])
def test_the_first_day_and_today_give_evidence_and_exports(client, login_as, routine, value):
    # Evidence says how things were: its last day is today (the future is refused, see test_dashboard).
    value = clock.today().isoformat() if value == "today" else value
    login_as("admin")
    assert client.get(f"/inforande/rutin/orosanmalan/per-datum?datum={value}").status_code == 200
    assert client.get(f"/inforande/export.csv?datum={value}").status_code == 200
    assert client.get(f"/inforande/export.xlsx?datum={value}").status_code == 200


def test_export_refuses_other_iso_spellings(client, login_as, routine):
    # date.fromisoformat takes "20260301" and week dates too; the form and the export take one spelling.
    login_as("admin")
    for value in ("20260301", "2026-W10-1"):
        response = client.get(f"/inforande/export.csv?datum={value}")
        assert response.status_code == 400 and "ÅÅÅÅ-MM-DD" in response.get_data(as_text=True), value


@pytest.mark.parametrize("value", OUT_OF_RANGE)
def test_deadline_outside_the_range_is_refused_and_changes_nothing(client, login_as, routine, value):
    login_as("editor")
    before = table_snapshot()
    response = client.post("/inforande/rutin/orosanmalan", data={"deadline": value})
    assert response.status_code == 400 and RANGE_MESSAGE in response.get_data(as_text=True)
    assert table_snapshot() == before
    assert services.deadline_of(routine) is None


FUTURE_MESSAGE = "Läget kan bara visas för i dag eller ett tidigare datum"


def test_evidence_for_a_day_after_today_is_refused(client, login_as, routine):
    login_as("admin")
    tomorrow = (clock.today() + timedelta(days=1)).isoformat()
    for value in (tomorrow, "2030-01-01"):
        response = client.get(f"/inforande/rutin/orosanmalan/per-datum?datum={value}")
        page = response.get_data(as_text=True)
        assert response.status_code == 400 and FUTURE_MESSAGE in page and "gällde" not in page, value


@pytest.mark.parametrize("extension", ["csv", "xlsx"])
def test_exports_for_a_day_after_today_show_the_dashboard_with_the_message(client, login_as, routine, extension):
    login_as("admin")
    response = client.get(f"/inforande/export.{extension}?datum=2030-01-01")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and response.mimetype == "text/html"
    assert "<h1>Införande av rutiner</h1>" in page and FUTURE_MESSAGE in page
    assert 'value="2030-01-01"' in page  # the date is kept to correct


@pytest.mark.parametrize("value", ["", "igår", "2026-02-30"])
def test_an_empty_or_unreadable_export_date_asks_for_a_date_on_the_dashboard(client, login_as, routine, value):
    # The dashboard's "Exportera XLSX för datumet" with no date used to download today's state.
    login_as("admin")
    response = client.get(f"/inforande/export.xlsx?datum={value}")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "<h1>Införande av rutiner</h1>" in page
    assert "Exporten kunde inte göras: Ange" in page and 'aria-invalid="true"' in page


def test_the_export_without_a_date_is_todays_state(client, login_as, routine):
    login_as("admin")
    response = client.get("/inforande/export.xlsx")
    assert response.status_code == 200 and clock.today().isoformat() in response.headers["Content-Disposition"]
