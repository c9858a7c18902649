"""Times given in requests."""

from datetime import UTC, datetime

from django.utils.dateparse import parse_datetime


def parse_utc(text: str) -> datetime | None:
    """An ISO 8601 time from a request, in UTC (a time without an offset is UTC); None if it is not
    one, or falls outside the years 1 to 9999 once in UTC. (The database accepts offsets of at
    most about 16 hours, so a time never reaches it with its own.)"""
    try:
        moment = parse_datetime(text or "")
    except ValueError:
        return None
    if moment is None:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        return None
