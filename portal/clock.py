"""Time in one convention: naive UTC datetimes in the database, converted for display to the
portal's time zone (setting TIMEZONE), in which days begin and end; and the range of dates people
may enter."""
from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_TIMEZONE = "Europe/Stockholm"

# Wide enough for any real decision, review or deadline; narrow enough that "the day after" and a
# conversion between time zones stay inside what Python and the databases can represent (a
# date of year 9999 overflows as soon as a day is added).
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(9998, 12, 31)
DATE_RANGE_TEXT = f"mellan {EARLIEST_DATE.isoformat()} och {LATEST_DATE.isoformat()}"


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def load_zone(name: str) -> ZoneInfo:
    """The zone of a TIMEZONE setting, or a clear error at start-up instead of a 500 on every page."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise RuntimeError(f"TIMEZONE={name!r} is not a known time zone; use an IANA name such as "
                           f"{DEFAULT_TIMEZONE} (see README). If that is not found either, install tzdata.")


def zone() -> ZoneInfo:
    from flask import current_app, has_app_context

    name = current_app.config.get("TIMEZONE") if has_app_context() else None
    return ZoneInfo(name or DEFAULT_TIMEZONE)  # ZoneInfo caches its instances


def local(value: datetime) -> datetime:
    """A stored (naive UTC) time as people read it: in the portal's zone."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(zone())


def local_text(value: datetime) -> str:
    """A stored time as the pages write it: "2026-12-03 14:47" in the portal's zone."""
    return local(value).strftime("%Y-%m-%d %H:%M")


def today() -> date:
    """Today where the portal's people are, whatever the server's own clock zone."""
    return datetime.now(zone()).date()


def day_start(day: date) -> datetime:
    """The stored (naive UTC) time at which `day` begins in the portal's zone, to compare with
    stored times: a day is [day_start(day), day_start(day + 1))."""
    return datetime.combine(day, time.min, tzinfo=zone()).astimezone(timezone.utc).replace(tzinfo=None)


def date_in_range(value: date) -> bool:
    return EARLIEST_DATE <= value <= LATEST_DATE


def check_date(value: date, field: str | None = None) -> date:
    """A date given to a service: refused with the Swedish message when outside the range."""
    from portal.errors import ValidationError

    if not date_in_range(value):
        raise ValidationError(f"Ange ett datum {DATE_RANGE_TEXT}.", field=field)
    return value
