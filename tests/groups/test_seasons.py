"""The season rule (groups.seasons): one half-open range, one default, pure and hand-checked."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from groups.models import Group
from groups.seasons import (
    Season,
    current_season,
    local_dates_key,
    season_after,
    season_bounds,
    season_by_key,
    season_of,
    seasons_with_meetups,
    spans_a_year,
)


def group(start: date | None = None, end: date | None = None, tz: str = "Europe/Copenhagen") -> Group:
    return Group(season_start=start, season_end=end, timezone=tz)


AUG_JUN = group(date(2026, 8, 1), date(2027, 6, 30))


# --------------------------------------------------------------------------- the type

def test_season_is_half_open():
    season = Season(date(2026, 8, 1), date(2027, 8, 1))
    assert season.contains(date(2026, 8, 1))
    assert season.contains(date(2027, 7, 31))
    assert not season.contains(date(2027, 8, 1))  # the end day is the next season's
    assert not season.contains(date(2026, 7, 31))
    assert season.last_day == date(2027, 7, 31)
    assert Season.through(date(2026, 8, 1), date(2027, 7, 31)) == season


def test_key_and_label():
    assert Season(date(2026, 8, 1), date(2027, 8, 1)).key == 2026
    assert Season(date(2026, 8, 1), date(2027, 8, 1)).label == "2026–27"
    assert Season(date(2026, 1, 1), date(2027, 1, 1)).label == "2026"  # ends 31 December 2026
    assert Season(date(2026, 2, 1), date(2026, 12, 1)).label == "2026"
    assert Season(date(1999, 9, 1), date(2000, 7, 1)).label == "1999–00"


def test_a_season_ends_after_it_starts():
    with pytest.raises(ValueError):
        Season(date(2026, 8, 1), date(2026, 8, 1))


# --------------------------------------------------------------------------- the default

def test_default_is_first_august_to_first_august():
    plain = group()
    assert season_of(plain, date(2026, 9, 9)) == Season(date(2026, 8, 1), date(2027, 8, 1))
    assert season_of(plain, date(2027, 7, 31)) == Season(date(2026, 8, 1), date(2027, 8, 1))
    assert season_of(plain, date(2027, 8, 1)) == Season(date(2027, 8, 1), date(2028, 8, 1))
    assert season_of(plain, date(2026, 1, 1)) == Season(date(2025, 8, 1), date(2026, 8, 1))


def test_december_2_is_in_the_season_that_runs_to_31_july():
    """Issue 12: a member joining on 2 December pays for a season ending 31 July, not 31 December."""
    season = season_of(group(), date(2026, 12, 2))
    assert season == Season(date(2026, 8, 1), date(2027, 8, 1))
    assert season.last_day == date(2027, 7, 31) and season.label == "2026–27"
    assert (season.last_day - date(2026, 12, 2)).days == 241


# --------------------------------------------------------------------------- configured dates

def test_configured_dates_rule_and_roll_forward_every_year():
    assert season_of(AUG_JUN, date(2025, 3, 1)) == Season(date(2024, 8, 1), date(2025, 7, 1))
    assert season_of(AUG_JUN, date(2027, 6, 30)) == Season(date(2026, 8, 1), date(2027, 7, 1))
    assert season_of(AUG_JUN, date(2030, 10, 1)) == Season(date(2030, 8, 1), date(2031, 7, 1))
    assert season_of(AUG_JUN, date(2027, 6, 30)).last_day == date(2027, 6, 30)


def test_a_day_in_the_break_belongs_to_the_coming_season():
    coming = Season(date(2027, 8, 1), date(2028, 7, 1))
    assert season_of(AUG_JUN, date(2027, 7, 1)) == coming
    assert season_of(AUG_JUN, date(2027, 7, 31)) == coming
    assert not coming.contains(date(2027, 7, 15))  # in no season; only "the season of" it


def test_custom_start_without_end_runs_a_full_year():
    september = group(date(2025, 9, 15))
    assert season_of(september, date(2026, 9, 14)) == Season(date(2025, 9, 15), date(2026, 9, 15))
    assert season_of(september, date(2026, 9, 15)) == Season(date(2026, 9, 15), date(2027, 9, 15))


def test_calendar_year_when_configured():
    calendar_year = group(date(2026, 1, 1), date(2026, 12, 31))
    assert season_of(calendar_year, date(2026, 12, 2)) == Season(date(2026, 1, 1), date(2027, 1, 1))
    assert season_of(calendar_year, date(2027, 1, 1)).label == "2027"


def test_only_an_end_is_the_year_ending_on_it():
    assert season_of(group(end=date(2027, 6, 30)), date(2026, 12, 2)) == Season(date(2026, 7, 1), date(2027, 7, 1))
    assert season_of(group(end=date(2026, 12, 31)), date(2026, 12, 2)) == Season(date(2026, 1, 1), date(2027, 1, 1))


@pytest.mark.parametrize("end", [date(2027, 12, 31), date(2026, 7, 1), date(2026, 7, 31)])
def test_an_end_too_late_or_too_early_means_a_full_year(end):
    # more than a year, before the start, or exactly a year (no break)
    assert season_of(group(date(2026, 8, 1), end), date(2026, 12, 2)) == Season(date(2026, 8, 1), date(2027, 8, 1))


def test_spans_a_year():
    assert spans_a_year(date(2026, 8, 1), date(2027, 7, 31))
    assert not spans_a_year(date(2026, 8, 1), date(2027, 7, 30))
    assert spans_a_year(date(2026, 1, 1), date(2026, 12, 31))
    assert not spans_a_year(date(2026, 1, 2), date(2026, 12, 31))
    assert spans_a_year(date(1, 1, 1), date(9999, 12, 31))
    assert spans_a_year(date(9998, 6, 1), date(9999, 12, 31))
    assert not spans_a_year(date(9999, 6, 1), date(9999, 12, 31))
    assert not spans_a_year(date(2026, 8, 1), date(2026, 7, 31))  # ends before it starts


# --------------------------------------------------------------------------- leap days

def test_leap_day_is_inside_the_season_that_spans_it():
    season = season_of(group(), date(2028, 2, 29))
    assert season == Season(date(2027, 8, 1), date(2028, 8, 1))
    assert season.contains(date(2028, 2, 29))
    assert (season.end - season.start).days == 366


def test_season_starting_on_a_leap_day_starts_on_28_february_in_common_years():
    leap = group(date(2024, 2, 29))
    assert season_by_key(leap, 2024) == Season(date(2024, 2, 29), date(2025, 2, 28))
    assert season_by_key(leap, 2025) == Season(date(2025, 2, 28), date(2026, 2, 28))
    assert season_by_key(leap, 2027) == Season(date(2027, 2, 28), date(2028, 2, 29))
    assert season_of(leap, date(2028, 2, 28)) == season_by_key(leap, 2027)  # its last day
    assert season_of(leap, date(2028, 2, 29)) == season_by_key(leap, 2028)


def test_season_ending_28_february_takes_in_the_leap_day():
    winter = group(date(2027, 9, 1), date(2028, 2, 28))
    # configured through 28 February: a leap year's 29 February is in the break
    assert season_by_key(winter, 2027) == Season(date(2027, 9, 1), date(2028, 2, 29))
    assert season_of(winter, date(2028, 2, 29)) == season_by_key(winter, 2028)


# --------------------------------------------------------------------------- next, key, clock

def test_the_season_after():
    assert season_after(group(), Season(date(2026, 8, 1), date(2027, 8, 1))) == Season(date(2027, 8, 1), date(2028, 8, 1))
    assert season_after(AUG_JUN, season_of(AUG_JUN, date(2027, 1, 1))) == Season(date(2027, 8, 1), date(2028, 7, 1))
    season = season_of(group(), date(2026, 12, 2))
    assert season_after(group(), season).start == season.end  # no gap, no overlap


def test_key_finds_the_season_again():
    for day in (date(2026, 12, 2), date(2027, 7, 31), date(2027, 8, 1)):
        season = season_of(AUG_JUN, day)
        assert season_by_key(AUG_JUN, season.key) == season


def test_current_season_turns_at_local_midnight():
    plain = group()
    # 31 July 22:30 UTC is 1 August 00:30 in Copenhagen (summer time)
    assert current_season(plain, datetime(2027, 7, 31, 21, 59, tzinfo=UTC)).key == 2026
    assert current_season(plain, datetime(2027, 7, 31, 22, 0, tzinfo=UTC)).key == 2027
    assert current_season(group(tz="America/New_York"), datetime(2027, 8, 1, 3, 0, tzinfo=UTC)).key == 2026


def test_bounds_are_local_midnights_in_utc():
    since, until = season_bounds(group(), Season(date(2026, 8, 1), date(2027, 8, 1)))
    assert since == datetime(2026, 7, 31, 22, 0, tzinfo=UTC) and since.utcoffset() == timedelta(0)
    assert until == datetime(2027, 7, 31, 22, 0, tzinfo=UTC)
    winter_since, _ = season_bounds(group(), Season(date(2026, 1, 1), date(2027, 1, 1)))
    assert winter_since == datetime(2025, 12, 31, 23, 0, tzinfo=UTC)


def test_local_dates_key_is_the_quarter_hour():
    assert local_dates_key(datetime(2027, 7, 31, 21, 44, 59, 7, tzinfo=UTC)) == datetime(2027, 7, 31, 21, 30, tzinfo=UTC)
    assert local_dates_key(datetime(2027, 7, 31, 22, 0, tzinfo=UTC)) == datetime(2027, 7, 31, 22, 0, tzinfo=UTC)


# --------------------------------------------------------------------------- properties

configs = st.one_of(
    st.just((None, None)),
    st.tuples(st.dates(date(2000, 1, 1), date(2040, 12, 31)), st.none()),
    st.tuples(st.none(), st.dates(date(2000, 1, 1), date(2040, 12, 31))),
    st.dates(date(2000, 1, 1), date(2040, 12, 31)).flatmap(
        lambda start: st.tuples(st.just(start), st.dates(start, start + timedelta(days=800)))),
)


@given(configs, st.dates(date(2001, 1, 1), date(2060, 12, 31)))
def test_every_day_has_one_season_and_seasons_never_overlap(config, day):
    settings = group(*config)
    season = season_of(settings, day)
    previous = season_by_key(settings, season.key - 1)
    following = season_after(settings, season)
    assert previous.end <= season.start < season.end <= following.start
    assert season.contains(day) or previous.end <= day < season.start  # or in the break before it
    assert (season.end - season.start).days <= 366
    assert season_by_key(settings, season.key) == season


def test_seasons_with_meetups_newest_first(db, make_group, make_meetup):
    plain = make_group()
    now = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
    assert seasons_with_meetups(plain, now) == [Season(date(2026, 8, 1), date(2027, 8, 1))]
    make_meetup(plain, starts_at=datetime(2024, 11, 5, 16, 0, tzinfo=UTC))
    assert [s.label for s in seasons_with_meetups(plain, now)] == ["2026–27", "2025–26", "2024–25"]
