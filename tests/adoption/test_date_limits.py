"""Dates in adoption follow-up (evidence at a date, exports, deadlines) are limited to
1900-01-01..9998-12-31: anything else is a clear Swedish 400 that changes nothing, never a 500."""
import pytest

from portal.adoption import services
from tests.conftest import table_snapshot

RANGE_MESSAGE = "Ange ett datum mellan 1900-01-01 och 9998-12-31."
OUT_OF_RANGE = ["9999-12-31", "0001-01-01", "1899-12-31"]


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


@pytest.mark.parametrize("value", ["1900-01-01", "9998-12-31"])
def test_the_first_and_last_allowed_days_give_evidence_and_exports(client, login_as, routine, value):
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
