"""Time in one convention: naive UTC datetimes in the database, converted for display."""
from datetime import datetime, timezone


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)
