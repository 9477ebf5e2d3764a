"""Season rule expansion: weekdays, skipped months, DST keeps the local time."""
from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from meetups.schedule import SeasonRule, expand_season, local_to_utc, utc_to_local

CPH = "Europe/Copenhagen"


def _rule(**overrides) -> SeasonRule:
    rule = SeasonRule(first=date(2026, 8, 1), last=date(2027, 6, 1), weekday=1, ordinal=2,
                      start_time=time(17, 0), end_time=time(19, 30), timezone=CPH,
                      skip_months=frozenset({7}))
    return replace(rule, **overrides)


def test_second_tuesday_every_month_skipping_july_and_december():
    occurrences = expand_season(_rule(skip_months=frozenset({7, 12})))
    local = [utc_to_local(start, CPH) for start, _ in occurrences]
    assert [d.month for d in local] == [8, 9, 10, 11, 1, 2, 3, 4, 5, 6]
    for day in local:
        assert day.weekday() == 1  # Tuesday
        assert 8 <= day.day <= 14  # the 2nd one of the month
    assert local[0] == datetime(2026, 8, 11, 17, 0)


def test_dst_keeps_local_time_in_march_and_november():
    occurrences = expand_season(_rule(first=date(2026, 3, 1), last=date(2026, 11, 1)))
    tz = ZoneInfo(CPH)
    by_month = {start.astimezone(tz).month: (start, end) for start, end in occurrences}
    march_start, march_end = by_month[3]   # 10 Mar 2026: still winter time (CET, UTC+1)
    april_start, _ = by_month[4]           # 14 Apr 2026: summer time (CEST, UTC+2)
    november_start, _ = by_month[11]       # 10 Nov 2026: winter time again
    for start in (march_start, april_start, november_start):
        assert start.astimezone(tz).time() == time(17, 0)
    assert march_start.astimezone(UTC).hour == 16
    assert april_start.astimezone(UTC).hour == 15
    assert november_start.astimezone(UTC).hour == 16
    assert march_end.astimezone(tz).time() == time(19, 30)
    assert all(start.utcoffset() == timedelta(0) for start, _ in occurrences)


def test_meetup_on_the_dst_switch_weekend_keeps_local_time():
    # Last Sunday of October 2026 is the autumn switch (25 Oct); March 29 the spring one.
    occurrences = expand_season(_rule(first=date(2026, 3, 1), last=date(2026, 10, 1), weekday=6, ordinal=-1,
                                      skip_months=frozenset()))
    tz = ZoneInfo(CPH)
    days = {start.astimezone(tz).date(): start for start, _ in occurrences}
    assert date(2026, 3, 29) in days and date(2026, 10, 25) in days
    assert days[date(2026, 3, 29)].astimezone(tz).time() == time(17, 0)
    assert days[date(2026, 10, 25)].astimezone(tz).time() == time(17, 0)


def test_last_weekday_and_all_but_one_month_skipped():
    occurrences = expand_season(_rule(ordinal=-1, weekday=3, skip_months=frozenset(set(range(1, 13)) - {9})))
    assert len(occurrences) == 1
    start = utc_to_local(occurrences[0][0], CPH)
    assert start.date() == date(2026, 9, 24)  # last Thursday of September 2026


def test_every_month_skipped_gives_nothing():
    assert expand_season(_rule(skip_months=frozenset(range(1, 13)))) == []


def test_end_after_midnight_rolls_over():
    (start, end), *_ = expand_season(_rule(start_time=time(22, 0), end_time=time(1, 0)))
    assert (end - start).total_seconds() == 3 * 3600


def test_other_timezone_is_respected():
    (start, _), *_ = expand_season(_rule(timezone="America/New_York"))
    assert start.astimezone(ZoneInfo("America/New_York")).time() == time(17, 0)


@pytest.mark.parametrize("naive,expected_utc_hour", [
    (datetime(2026, 3, 29, 2, 30), 1),   # in the spring-forward gap: moved forward to 03:30 CEST
    (datetime(2026, 10, 25, 2, 30), 0),  # ambiguous: first (summer-time) meaning
])
def test_local_to_utc_handles_gap_and_fold(naive, expected_utc_hour):
    assert local_to_utc(naive, CPH).hour == expected_utc_hour


@pytest.mark.parametrize("naive,timezone", [
    (datetime(1, 1, 1, 0, 0), "Europe/Copenhagen"),  # UTC would be in year 0
    (datetime(9999, 12, 31, 23, 59), "America/Los_Angeles"),  # UTC would be in year 10000
])
def test_local_to_utc_off_the_calendar_is_a_value_error(naive, timezone):
    with pytest.raises(ValueError, match="has no UTC time"):
        local_to_utc(naive, timezone)


def test_utc_to_local_off_the_calendar_is_a_value_error():
    with pytest.raises(ValueError, match="no wall-clock time"):
        utc_to_local(datetime(9999, 12, 31, 23, 59, tzinfo=UTC), "Europe/Copenhagen")
    assert local_to_utc(datetime(1, 1, 1, 12, 0), "Europe/Copenhagen").year == 1  # still on the calendar
