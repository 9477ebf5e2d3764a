"""A group's season: the one fee period that billing, renewals and the value report share.

The type: ``Season(start, end)`` is the half-open range ``[start, end)`` of
calendar dates in the group's timezone. ``end`` is the first day *after* the
season (the next season's start, or the first day of the break before it);
``last_day`` (``end`` − 1 day) is the date people read: "paid through
31 July 2027".

The rule (``season_of``): every year a season starts on the month and day of
``Group.season_start`` and runs through the month and day of
``Group.season_end`` (the last day, inclusive, as a host types it in the
group's settings), for at most one year.

- **No season dates** (the default): 1 August to 31 July, ``[1 Aug, 1 Aug
  next year)``. Danish networking groups run from the end of the summer
  holiday to June; a full year from 1 August keeps the July break inside the
  ending season, so every day belongs to a season, and a member who joins on
  2 December is in the season that runs to 31 July, not in one that ends 29
  days later (issue 12, against the calendar year billing used to default
  to). It is also the default the value report always had.
- Only a start: a full year from it. Only an end: the full year ending on it.
  An end a year or more after the start (or before it): a full year from the start.
- A start and an end less than a year apart leave a **break** between seasons
  (e.g. July in an August–June season). A day in the break belongs to the
  *coming* season: it is what a member who joins in July pays for, and what
  the host's pages show. A meetup held in a break is in no season's report.
- 29 February: in common years a season that starts or ends on 29 February
  uses 28 February.

``key`` is the start year: one season starts per year, and it stays the same
when a host moves the start day (URLs: ``?season=2026``). Dates become moments
only in ``season_bounds``: local midnight of ``start`` and ``end`` in UTC.
"""
from __future__ import annotations

from calendar import isleap
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from extensions import db
from groups.models import Group
from meetups.models import Meetup

DEFAULT_START = (8, 1)  # 1 August: see the module docstring
DEFAULT_TIMEZONE = "Europe/Copenhagen"
ONE_DAY = timedelta(days=1)


class SeasonSettings(Protocol):
    """What the rule reads of a group (``groups.models.Group``)."""

    @property
    def season_start(self) -> date | None: ...
    @property
    def season_end(self) -> date | None: ...
    @property
    def timezone(self) -> str: ...


class GroupSeasons(SeasonSettings, Protocol):
    @property
    def id(self) -> int: ...


@dataclass(frozen=True, order=True)
class Season:
    """A fee period ``[start, end)``: ``end`` is the first day after it."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if not self.start < self.end:
            raise ValueError(f"a season ends after it starts: {self.start} – {self.end}")

    @classmethod
    def through(cls, start: date, last_day: date) -> Season:
        """The season from ``start`` through ``last_day`` (inclusive, as stored on payments)."""
        return cls(start, last_day + ONE_DAY)

    @property
    def last_day(self) -> date:
        return self.end - ONE_DAY

    @property
    def key(self) -> int:
        return self.start.year

    @property
    def label(self) -> str:
        """'2026–27', or '2026' for a season inside one calendar year."""
        if self.start.year == self.last_day.year:
            return str(self.start.year)
        return f"{self.start.year}–{str(self.last_day.year)[-2:]}"

    def contains(self, day: date) -> bool:
        return self.start <= day < self.end


@dataclass(frozen=True)
class _Rule:
    start: tuple[int, int]  # month, day
    last: tuple[int, int] | None  # month, day of the last day; None: a full year
    last_in_next_year: bool = False


def _on(year: int, month: int, day: int) -> date:
    if month == 2 and day == 29 and not isleap(year):
        day = 28
    return date(year, month, day)


def spans_a_year(start: date, last: date) -> bool:
    """Whether a season from ``start`` through ``last`` lasts a full year or more."""
    years = last.year - start.year
    if years != 1:  # within one calendar year only 1 January through 31 December is a full year
        return years > 1 or ((start.month, start.day) == (1, 1) and (last.month, last.day) == (12, 31))
    return last == date.max or last + ONE_DAY >= _on(last.year, start.month, start.day)


def _rule(group: SeasonSettings) -> _Rule:
    start, last = group.season_start, group.season_end
    if start is None and last is None:
        return _Rule(DEFAULT_START, None)
    if start is None:
        assert last is not None
        if (last.month, last.day) == (12, 31):
            return _Rule((1, 1), None)
        first = last + ONE_DAY  # the next season's start: the same day a year earlier starts this one
        return _Rule((first.month, first.day), None)
    if last is None or last < start or spans_a_year(start, last):
        return _Rule((start.month, start.day), None)
    return _Rule((start.month, start.day), (last.month, last.day), last.year > start.year)


def _season(rule: _Rule, year: int) -> Season:
    start = _on(year, *rule.start)
    if rule.last is None:
        return Season(start, _on(year + 1, *rule.start))
    return Season.through(start, _on(year + rule.last_in_next_year, *rule.last))


def season_by_key(group: SeasonSettings, key: int) -> Season:
    """The group's season that starts in the year ``key``."""
    return _season(_rule(group), key)


def season_of(group: SeasonSettings, day: date) -> Season:
    """The group's season containing ``day``, or the coming one when ``day`` is in a break."""
    rule = _rule(group)
    season = _season(rule, day.year)
    if day < season.start:
        previous = _season(rule, day.year - 1)
        return previous if day < previous.end else season
    if day < season.end:
        return season
    return _season(rule, day.year + 1)


def season_after(group: SeasonSettings, season: Season) -> Season:
    return season_by_key(group, season.key + 1)


def local_date(group: SeasonSettings, now: datetime) -> date:
    """The calendar date at the moment ``now`` in the group's timezone."""
    return now.astimezone(ZoneInfo(group.timezone or DEFAULT_TIMEZONE)).date()


def local_dates_key(now: datetime) -> datetime:
    """``now`` down to the quarter hour: every timezone's offset is a multiple of 15
    minutes, so the date anywhere (and with it any group's season) turns only on
    one. A kept value that depends on local dates is exact when keyed by it."""
    return now.replace(minute=now.minute - now.minute % 15, second=0, microsecond=0)


def current_season(group: SeasonSettings, now: datetime) -> Season:
    """The group's season at the moment ``now`` (its date in the group's timezone)."""
    return season_of(group, local_date(group, now))


class _NoDates(NamedTuple):
    season_start: date | None = None
    season_end: date | None = None
    timezone: str = DEFAULT_TIMEZONE


def default_season(now: datetime) -> Season:
    """The season a new group is proposed (the rule without dates) at ``now``: the host confirms it."""
    return current_season(_NoDates(), now)


def season_bounds(group: SeasonSettings, season: Season) -> tuple[datetime, datetime]:
    """``[start, end)`` as UTC moments: local midnight of both dates in the group's timezone."""
    tz = ZoneInfo(group.timezone or DEFAULT_TIMEZONE)
    return (
        datetime.combine(season.start, time(), tzinfo=tz).astimezone(UTC),
        datetime.combine(season.end, time(), tzinfo=tz).astimezone(UTC),
    )


def seasons_with_meetups(group: Group, now: datetime) -> list[Season]:
    """The group's seasons from the one of its first meetup to the current one, newest first (1 query)."""
    return list(seasons_since_first_meetup(group, current_season(group, now)))


def seasons_since_first_meetup(group: GroupSeasons, current: Season) -> tuple[Season, ...]:
    """From ``current`` back to the season of the group's first meetup, newest first (1 query)."""
    first = db.session.scalar(select(func.min(Meetup.starts_at)).where(Meetup.group_id == group.id))
    if first is None:
        return (current,)
    oldest = min(current_season(group, first).key, current.key)
    return tuple(season_by_key(group, key) for key in range(current.key, oldest - 1, -1))
