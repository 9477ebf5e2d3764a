"""Season rules: "every month on the 2nd Tuesday, 17:00–19:30, skipping July".

Pure functions (no database): a rule expands to a list of (start, end) pairs
in UTC. The expansion runs on naive *local* wall-clock times and attaches the
group's timezone to each occurrence afterwards, so daylight-saving changes
keep the local time: a 17:00 meetup is 17:00 in March and in November.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import FR, MO, MONTHLY, SA, SU, TH, TU, WE, rrule

WEEKDAYS = (MO, TU, WE, TH, FR, SA, SU)
# 1..4 = 1st..4th, -1 = last weekday of the month.
ORDINALS = (1, 2, 3, 4, -1)
MAX_OCCURRENCES = 24


@dataclass(frozen=True)
class SeasonRule:
    """A monthly rule: ``ordinal`` ``weekday`` (0=Monday) from ``first`` to ``last`` month."""

    first: date
    last: date
    weekday: int
    ordinal: int
    start_time: time
    end_time: time
    timezone: str = "Europe/Copenhagen"
    skip_months: frozenset[int] = field(default_factory=frozenset)


def local_to_utc(naive_local: datetime, timezone: str) -> datetime:
    """Attach the group's timezone to a wall-clock time and convert to UTC.

    A time inside a spring-forward gap is moved forward by the gap (as a clock
    would); an ambiguous autumn time takes its first (summer-time) meaning.
    A time whose UTC equivalent falls outside years 1–9999 (midnight on
    1 January of year 1 east of Greenwich) raises ValueError, as any invalid
    date does; forms keep dates within ``common.forms.InYears`` first.
    """
    # fold=0 does both: in a gap it uses the offset before the switch (so
    # 02:30 becomes 03:30 summer time), in a fold the first occurrence.
    try:
        return naive_local.replace(tzinfo=ZoneInfo(timezone), fold=0).astimezone(UTC)
    except OverflowError as exc:
        raise ValueError(f"{naive_local.isoformat()} in {timezone} has no UTC time") from exc


def utc_to_local(value: datetime, timezone: str) -> datetime:
    """A UTC time as a naive wall-clock time in ``timezone`` (for form fields);
    ValueError when it falls outside years 1–9999 there."""
    try:
        return value.astimezone(ZoneInfo(timezone)).replace(tzinfo=None)
    except OverflowError as exc:
        raise ValueError(f"{value.isoformat()} has no wall-clock time in {timezone}") from exc


def expand_season(rule: SeasonRule) -> list[tuple[datetime, datetime]]:
    """Every occurrence of ``rule`` as (starts_at, ends_at) in UTC, oldest first.

    ``first`` and ``last`` are taken as whole months; months in ``skip_months``
    (1–12) are left out; at most ``MAX_OCCURRENCES`` are returned. An end time
    at or before the start time means the meetup ends after midnight.
    """
    months = [m for m in range(1, 13) if m not in rule.skip_months]
    if not months:
        return []
    start = datetime.combine(rule.first.replace(day=1), rule.start_time)
    # The last day of the last month, at the end of the day.
    next_month = (rule.last.replace(day=28) + timedelta(days=4)).replace(day=1)
    until = datetime.combine(next_month - timedelta(days=1), time(23, 59))
    weekday = WEEKDAYS[rule.weekday](rule.ordinal)
    occurrences = rrule(MONTHLY, dtstart=start, until=until, byweekday=weekday, bymonth=months)
    duration = datetime.combine(date.min, rule.end_time) - datetime.combine(date.min, rule.start_time)
    if duration <= timedelta(0):
        duration += timedelta(days=1)
    result = []
    for local_start in list(occurrences)[:MAX_OCCURRENCES]:
        starts_at = local_to_utc(local_start, rule.timezone)
        ends_at = local_to_utc(local_start + duration, rule.timezone)
        result.append((starts_at, ends_at))
    return result
