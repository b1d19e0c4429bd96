"""The audit log's date filters refuse dates outside 1900-01-01..9998-12-31 with a Swedish message."""
import pytest

from tests.admin.conftest import field_error


@pytest.mark.parametrize("field", ["from_date", "to_date"])
@pytest.mark.parametrize("value", ["9999-12-31", "0001-01-01", "1899-12-31"])
def test_a_date_outside_the_range_is_explained_not_a_server_error(client, admin, field, value):
    response = client.get("/admin/logg", query_string={field: value})
    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), field) == \
        "Ange ett datum mellan 1900-01-01 och 9998-12-31."


def test_the_first_and_last_allowed_days_are_accepted_and_filter(client, admin):
    response = client.get("/admin/logg", query_string={"from_date": "1900-01-01", "to_date": "9998-12-31"})
    assert response.status_code == 200
    assert admin.email in response.get_data(as_text=True).split("<tbody>", 1)[1]  # today's login is listed
