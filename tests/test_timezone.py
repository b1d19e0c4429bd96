"""Times are stored in UTC and shown, exported and cut into days in the portal's zone (TIMEZONE,
Europe/Stockholm by default): UTC+1 in winter, UTC+2 in summer."""
import csv
import io
from datetime import date, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from config import TestConfig
from portal import clock, create_app
from portal.adoption.models import Confirmation, ItemProgress
from portal.audit import AuditEvent
from portal.extensions import db
from portal.handbook.models import Revision
from portal.org.models import Unit
from portal.templating import long_date, swedish_date
from tests.adoption.conftest import routine  # noqa: F401  (fixture)
from tests.handbook.conftest import make_document, system  # noqa: F401  (fixtures)

WINTER_EVENING_UTC = datetime(2026, 3, 1, 23, 30)   # 2026-03-02 00:30 in Stockholm
SUMMER_EVENING_UTC = datetime(2026, 7, 1, 22, 30)   # 2026-07-02 00:30 in Stockholm


def _set(model, **values):
    db.session.execute(model.__table__.update().values(**values))
    db.session.commit()


def _units_since_january():
    _set(Unit, created_at=datetime(2026, 1, 1))  # evidence at a date lists the units that existed then


def test_the_date_filter_shows_stockholm_time_winter_and_summer(app):
    assert swedish_date(WINTER_EVENING_UTC) == "2026-03-02 00:30"
    assert swedish_date(SUMMER_EVENING_UTC) == "2026-07-02 00:30"
    assert swedish_date(date(2026, 3, 1)) == "2026-03-01"  # a date is a date, not a time
    assert long_date(WINTER_EVENING_UTC) == "2 mars 2026"


def test_the_zone_is_a_setting(app, monkeypatch):
    monkeypatch.setitem(app.config, "TIMEZONE", "UTC")
    assert swedish_date(WINTER_EVENING_UTC) == "2026-03-01 23:30"
    monkeypatch.setitem(app.config, "TIMEZONE", "America/New_York")
    assert swedish_date(WINTER_EVENING_UTC) == "2026-03-01 18:30"


def test_an_unknown_zone_stops_the_app_at_start_with_a_clear_message(tmp_path):
    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'x.sqlite'}"
        SEARCH_INDEX_DIR = str(tmp_path / "index")
        TIMEZONE = "Europe/Ingenstans"

    with pytest.raises(RuntimeError, match="TIMEZONE='Europe/Ingenstans' is not a known time zone"):
        create_app(Config)


def test_history_and_version_pages_show_local_publication_times(client, login_as, make_document):
    make_document()
    _set(Revision, published_at=WINTER_EVENING_UTC)
    login_as("reader")
    assert "2026-03-02 00:30" in client.get("/handbok/orosanmalan/historik").get_data(as_text=True)
    page = client.get("/handbok/orosanmalan/version/1").get_data(as_text=True)
    assert "publicerad 2026-03-02 00:30" in page and "23:30" not in page


def test_ticks_and_confirmations_show_local_times(client, login_as, routine, organisation):
    login_as("unit_head")
    unit = organisation["school"]
    for index in (0, 1):
        client.post(f"/min-enhet/{unit.id}/orosanmalan/punkt/{index}", data={"revision": "1", "done": "y"})
    _set(ItemProgress, updated_at=SUMMER_EVENING_UTC)
    client.post(f"/min-enhet/{unit.id}/orosanmalan/bekrafta", data={"revision": "1"})
    _set(Confirmation, confirmed_at=WINTER_EVENING_UTC)
    page = client.get(f"/min-enhet?enhet={unit.id}").get_data(as_text=True)
    assert "Bekräftad för gällande version 1 2026-03-02 00:30" in page
    assert "Senast ändrad 2026-07-02 00:30" in page


def test_exports_give_the_local_confirmation_day(client, login_as, make_user, login, routine, organisation):
    login_as("unit_head")
    unit = organisation["school"]
    for index in (0, 1):
        client.post(f"/min-enhet/{unit.id}/orosanmalan/punkt/{index}", data={"revision": "1", "done": "y"})
    client.post(f"/min-enhet/{unit.id}/orosanmalan/bekrafta", data={"revision": "1"})
    _set(Confirmation, confirmed_at=WINTER_EVENING_UTC)
    _set(Revision, published_at=datetime(2026, 2, 1, 9, 0))
    _units_since_january()
    client.post("/logga-ut")
    login(make_user("admin"))
    for query in ("", "?datum=2026-03-02"):
        raw = client.get(f"/inforande/export.csv{query}").get_data().decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(raw), delimiter=";"))
        row = dict(zip(rows[0], next(r for r in rows[1:] if "Ekbackens skola" in r)))
        assert row["Bekräftad den"] == "2026-03-02", query
        sheet = load_workbook(io.BytesIO(client.get(f"/inforande/export.xlsx{query}").get_data())).active
        values = list(sheet.iter_rows(values_only=True))
        column = values[0].index("Bekräftad den")
        assert [r[column] for r in values[1:] if r[4] == "Ekbackens skola"] == [datetime(2026, 3, 2)], query


def test_evidence_at_a_date_ends_the_day_at_local_midnight(client, login_as, make_user, login, routine,
                                                           organisation):
    login_as("unit_head")
    unit = organisation["school"]
    for index in (0, 1):
        client.post(f"/min-enhet/{unit.id}/orosanmalan/punkt/{index}", data={"revision": "1", "done": "y"})
    client.post(f"/min-enhet/{unit.id}/orosanmalan/bekrafta", data={"revision": "1"})
    _set(Revision, published_at=datetime(2026, 2, 28, 22, 30))  # 2026-02-28 23:30 in Stockholm
    _set(Confirmation, confirmed_at=WINTER_EVENING_UTC)          # 2026-03-02 00:30 in Stockholm
    _units_since_january()
    client.post("/logga-ut")
    login(make_user("admin"))
    page = client.get("/inforande/rutin/orosanmalan/per-datum?datum=2026-02-28").get_data(as_text=True)
    assert "version 1</a>" in page  # published late in the evening, in force that day
    page = client.get("/inforande/rutin/orosanmalan/per-datum?datum=2026-03-01").get_data(as_text=True)
    assert "<td>Ekbackens skola</td><td>Ej bekräftad</td>" in page  # 23:30 UTC is already 2 March
    page = client.get("/inforande/rutin/orosanmalan/per-datum?datum=2026-03-02").get_data(as_text=True)
    assert "<td>Ekbackens skola</td><td>Införd</td>" in page


def test_the_audit_log_filters_whole_local_days(client, login_as):
    login_as("admin")
    event = AuditEvent(actor_label="historik@test.se", action="user.updated", target_type="user",
                       target_label="sen@test.se", summary="Sent på kvällen", at=WINTER_EVENING_UTC)
    db.session.add(event)
    db.session.commit()
    march_1 = client.get("/admin/logg", query_string={"from_date": "2026-03-01", "to_date": "2026-03-01"})
    march_2 = client.get("/admin/logg", query_string={"from_date": "2026-03-02", "to_date": "2026-03-02"})
    assert "Sent på kvällen" not in march_1.get_data(as_text=True)
    page = march_2.get_data(as_text=True)
    assert "Sent på kvällen" in page and "2026-03-02 00:30" in page


def test_day_start_and_today_follow_the_zone(app):
    assert clock.day_start(date(2026, 3, 2)) == datetime(2026, 3, 1, 23, 0)
    assert clock.day_start(date(2026, 7, 2)) == datetime(2026, 7, 1, 22, 0)
    assert clock.day_start(date(9999, 1, 1)) == datetime(9998, 12, 31, 23, 0)  # the day after the last allowed
    assert clock.today() == datetime.now(clock.zone()).date()
