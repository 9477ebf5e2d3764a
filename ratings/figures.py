"""The value report's plain data: what is read from SQL (inputs) and what the
report shows (outputs), all frozen. The formulas between them are in
``ratings/value.py``."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from groups.seasons import Season

# --------------------------------------------------------------------------- inputs

@dataclass(frozen=True)
class Thresholds:
    """Verdict thresholds (app.config ``VERDICT_*``; defaults from DESIGN.md)."""

    worth_fit: float = 3.5
    worth_chemistry: float = 3.5
    worth_deep_share: float = 0.5
    worth_renewal_yes: float = 0.6
    not_worth_fit: float = 2.5
    not_worth_chemistry: float = 2.5
    not_worth_renewal_yes: float = 0.3
    min_raters: int = 3
    worth_return: float = 1.0  # reported outcome value ÷ fees, in place of the deep-relationship share
    response_floor: float = 0.5  # below this rating response rate the verdict is tentative

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Thresholds:
        return cls(
            worth_fit=float(config.get("VERDICT_WORTH_FIT", 3.5)),
            worth_chemistry=float(config.get("VERDICT_WORTH_CHEMISTRY", 3.5)),
            worth_deep_share=float(config.get("VERDICT_WORTH_DEEP_SHARE", 0.5)),
            worth_renewal_yes=float(config.get("VERDICT_WORTH_RENEWAL_YES", 0.6)),
            not_worth_fit=float(config.get("VERDICT_NOT_WORTH_FIT", 2.5)),
            not_worth_chemistry=float(config.get("VERDICT_NOT_WORTH_CHEMISTRY", 2.5)),
            not_worth_renewal_yes=float(config.get("VERDICT_NOT_WORTH_RENEWAL_YES", 0.3)),
            min_raters=int(config.get("VERDICT_MIN_RATERS", 3)),
            worth_return=float(config.get("VERDICT_WORTH_RETURN", 1.0)),
            response_floor=float(config.get("VERDICT_RESPONSE_FLOOR", 0.5)),
        )


@dataclass(frozen=True)
class MeetupInput:
    """SQL aggregates of one held meetup (``GROUP BY meetup``).

    ``attendees`` = members who could rate (checked in; or "going" when the
    host took no attendance); ``raters`` = ratings of the meetup (one per member).
    """

    meetup_id: int
    title: str
    starts_at: datetime
    attendees: int
    raters: int = 0
    fit_sum: int = 0
    chemistry_sum: int = 0
    worth_yes: int = 0
    attendance_taken: bool = True


@dataclass(frozen=True)
class OpenMeetup:
    """A meetup that has ended but whose rating window is still open: none of
    its ratings count yet; only how many have rated is shown (to the host)."""

    meetup_id: int
    title: str
    starts_at: datetime
    closes_at: datetime
    attendees: int
    raters: int


@dataclass(frozen=True)
class PairInput:
    """Two members and the meetings that connected them.

    ``meetups`` = different meetups where both clicked each other;
    ``introduced_and_met`` = an introduction between them led to a meeting.
    """

    user_a: int
    user_b: int
    meetups: int
    introduced_and_met: bool = False


@dataclass(frozen=True)
class SeasonInput:
    """Everything the group report needs, as plain numbers."""

    members: int
    fee_minor: int  # fee paid per member for the season (minor units)
    currency: str
    meetups: Sequence[MeetupInput]  # held, rating closed: the figures count these
    open_meetups: Sequence[OpenMeetup] = ()  # held, rating still open: counted once it closes
    raters: int = 0  # distinct members with at least one rating this season
    gave_help: int = 0  # ratings answering "I gave help"
    got_help: int = 0  # ratings answering "I got help"
    renewal: Mapping[str, int] = field(default_factory=dict)  # latest intent per member
    pairs: Sequence[PairInput] = ()
    introductions: Mapping[str, int] = field(default_factory=dict)  # status → count
    introducers: Sequence[tuple[str, int]] = ()  # (name, introductions made)
    outcomes: int = 0
    outcomes_value_minor: int = 0
    outcomes_by_kind: Mapping[str, int] = field(default_factory=dict)
    total_fees_minor: int | None = None  # fees paid (money received, net of refunds) if known, else fee × members


@dataclass(frozen=True)
class MemberInput:
    """One member's own numbers (shown only to that member)."""

    user_id: int
    attended: int = 0
    ratings: int = 0
    fit_sum: int = 0
    chemistry_sum: int = 0
    gave_help: int = 0
    got_help: int = 0
    introductions_made: int = 0
    introductions_received: int = 0
    outcomes: int = 0
    outcomes_value_minor: int = 0
    credited: int = 0  # outcomes of others crediting this member
    renewal: str | None = None
    fee_minor: int = 0


# --------------------------------------------------------------------------- outputs

@dataclass(frozen=True)
class MeetupFigures:
    meetup_id: int
    title: str
    starts_at: datetime
    attendees: int
    raters: int
    response_rate: float | None
    fit: float | None  # None: withheld (fewer than min_raters) or no ratings
    chemistry: float | None
    worth_share: float | None
    withheld: bool
    attendance_taken: bool


@dataclass(frozen=True)
class Verdict:
    key: str
    reasons: tuple[str, ...] = ()
    tentative: bool = False  # the rating response rate is below the floor


@dataclass(frozen=True)
class GroupFigures:
    members: int
    meetups_held: int
    attendances: int
    attendance_rate: float | None
    ratings: int
    raters: int
    response_rate: float | None
    withheld: bool
    fit: float | None
    chemistry: float | None
    worth_share: float | None
    gave_help_share: float | None
    got_help_share: float | None
    renewal_yes: float | None
    renewal_unsure: float | None
    renewal_no: float | None
    connections: int | None
    deep_relationships: int | None
    deep_share: float | None
    # The counts behind the shares above (None while withheld), for the CSV.
    scored_ratings: int | None  # ratings of the meetups whose own figures are shown
    fit_sum: int | None
    chemistry_sum: int | None
    worth_yes: int | None
    gave_help: int | None
    got_help: int | None
    renewal_counts: tuple[int, int, int] | None  # yes, unsure, no
    deep_members: int | None
    introductions_proposed: int
    introductions_accepted: int
    introductions_met: int
    introductions_declined: int
    introducers: tuple[tuple[str, int], ...]
    outcomes: int
    outcomes_value_minor: int
    outcomes_by_kind: tuple[tuple[str, int], ...]
    fee_minor: int
    total_fees_minor: int
    return_ratio: float | None  # outcomes value ÷ total fees
    cost_per_attended_meetup_minor: int | None
    cost_per_deep_relationship_minor: int | None
    currency: str


@dataclass(frozen=True)
class MemberFigures:
    attended: int
    ratings: int
    fit: float | None
    chemistry: float | None
    gave_help: int
    got_help: int
    introductions_made: int
    introductions_received: int
    give: int
    get: int
    connections: int
    deep_relationships: int
    outcomes: int
    outcomes_value_minor: int
    credited: int
    renewal: str | None
    fee_minor: int
    cost_per_attended_meetup_minor: int | None
    cost_per_deep_relationship_minor: int | None


@dataclass(frozen=True)
class ValueReport:
    season: Season
    meetups: tuple[MeetupFigures, ...]
    group: GroupFigures
    verdict: Verdict
    thresholds: Thresholds
    me: MemberFigures | None = None
    open_meetups: tuple[OpenMeetup, ...] = ()
