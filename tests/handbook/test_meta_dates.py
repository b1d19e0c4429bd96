"""The document-control dates (fastställd, revideras senast) are limited to 1900-01-01..9998-12-31."""
import pytest

from portal.errors import ValidationError
from portal.handbook import services
from tests.conftest import table_snapshot
from tests.handbook.conftest import edit_data


@pytest.mark.parametrize("field,label", [("decided_on", "Fastställd"), ("review_by", "Revideras senast")])
@pytest.mark.parametrize("value", ["9999-12-31", "0001-01-01", "1899-12-31"])
def test_an_edit_with_a_date_outside_the_range_is_refused_and_saves_nothing(client, login_as, make_document,
                                                                           field, label, value):
    document = make_document()
    login_as("editor")
    before = table_snapshot()
    response = client.post("/handbok/orosanmalan/redigera",
                           data=edit_data(document, document.current_revision, body="Ny text.\n", **{field: value}))
    assert response.status_code == 400
    assert f"{label} ska vara ett datum mellan 1900-01-01 och 9998-12-31." in response.get_data(as_text=True)
    assert table_snapshot() == before


def test_dates_at_the_ends_of_the_range_are_kept(make_document):
    meta = services.normalize_meta({"decided_on": "1900-01-01", "review_by": "9998-12-31"})
    assert (meta["decided_on"], meta["review_by"]) == ("1900-01-01", "9998-12-31")


def test_a_date_object_outside_the_range_is_refused_too():
    # The content import passes YAML's dates as date objects.
    from datetime import date
    with pytest.raises(ValidationError) as error:
        services.normalize_meta({"review_by": date(9999, 12, 31)})
    assert error.value.field == "review_by"


def test_an_edit_whose_review_date_is_before_its_decision_date_is_refused_and_saves_nothing(client, login_as,
                                                                                           make_document):
    document = make_document()
    login_as("editor")
    before = table_snapshot()
    response = client.post("/handbok/orosanmalan/redigera",
                           data=edit_data(document, document.current_revision, body="Ny text.\n",
                                          decided_on="2026-03-02", review_by="2026-03-01"))
    assert response.status_code == 400
    assert ("Revideras senast (2026-03-01) kan inte vara före Fastställd (2026-03-02). Rätta något av datumen."
            in response.get_data(as_text=True))
    assert "Ny text." in response.get_data(as_text=True)  # the text typed is shown again
    assert table_snapshot() == before


def test_a_review_on_the_day_of_the_decision_or_without_a_decision_date_is_accepted():
    assert services.normalize_meta({"decided_on": "2026-03-02", "review_by": "2026-03-02"})["review_by"] == "2026-03-02"
    assert services.normalize_meta({"review_by": "2020-01-01"})["review_by"] == "2020-01-01"
