"""Time in one convention: naive UTC datetimes in the database, converted for display; and the
range of dates people may enter."""
from datetime import date, datetime, timezone

# Wide enough for any real decision, review or deadline; narrow enough that "the day after" and a
# conversion between time zones stay inside what Python and the databases can represent (a
# date of year 9999 overflows as soon as a day is added).
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(9998, 12, 31)
DATE_RANGE_TEXT = f"mellan {EARLIEST_DATE.isoformat()} och {LATEST_DATE.isoformat()}"


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def date_in_range(value: date) -> bool:
    return EARLIEST_DATE <= value <= LATEST_DATE


def check_date(value: date, field: str | None = None) -> date:
    """A date given to a service: refused with the Swedish message when outside the range."""
    from portal.errors import ValidationError

    if not date_in_range(value):
        raise ValidationError(f"Ange ett datum {DATE_RANGE_TEXT}.", field=field)
    return value
