"""Every figure of the value report ("Is this group worth the fee?"), in one pure module.

Input is plain data (aggregates read from SQL by ``ratings/report.py``);
output is frozen dataclasses that templates and the CSV export render as
they are (both kinds in ``ratings/figures.py``) — no template recomputes a number. Nothing here touches the database,
Flask or the clock, so every formula is unit- and property-tested by hand.

Anonymity: any aggregate of ratings or clicks over fewer than
``Thresholds.min_raters`` distinct raters is withheld (``None``), so that no
figure can be traced back to one or two members.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from common.spreadsheet import amount
from groups.seasons import Season
from ratings.figures import (
    GroupFigures,
    MeetupFigures,
    MeetupInput,
    MemberFigures,
    MemberInput,
    PairInput,
    SeasonInput,
    Thresholds,
    ValueReport,
    Verdict,
)

VERDICT_WORTH = "worth"
VERDICT_BORDERLINE = "borderline"
VERDICT_NOT_WORTH = "not_worth"
VERDICT_NOT_ENOUGH_DATA = "not_enough_data"


# --------------------------------------------------------------------------- formulas

def ratio(numerator: float, denominator: float) -> float | None:
    """numerator / denominator, or None when the denominator is 0."""
    if not denominator:
        return None
    return numerator / denominator


def average(total: float, count: int) -> float | None:
    """total / count, or None without data."""
    return ratio(total, count)


def divide_money(total_minor: int, count: int) -> int | None:
    """Money per unit, rounded half up to whole minor units; None when count is 0."""
    if count <= 0:
        return None
    return (2 * total_minor + count) // (2 * count)


def meetup_figures(row: MeetupInput, min_raters: int = 3) -> MeetupFigures:
    """Figures of one meetup, from that meetup's row only.

    - response rate = raters / attendees (None without attendees)
    - fit = Σ fit / raters; chemistry = Σ chemistry / raters (each 1–5)
    - worth share = ratings answering "worth my time: yes" / raters
    - all three rating figures are withheld (None) when raters < min_raters
    """
    withheld = row.raters < min_raters
    return MeetupFigures(
        meetup_id=row.meetup_id,
        title=row.title,
        starts_at=row.starts_at,
        attendees=row.attendees,
        raters=row.raters,
        response_rate=ratio(row.raters, row.attendees),
        fit=None if withheld else average(row.fit_sum, row.raters),
        chemistry=None if withheld else average(row.chemistry_sum, row.raters),
        worth_share=None if withheld else ratio(row.worth_yes, row.raters),
        withheld=withheld,
        attendance_taken=row.attendance_taken,
    )


def count_relationships(pairs: Iterable[PairInput]) -> tuple[int, int, set[int]]:
    """(connections, deep relationships, members in at least one deep relationship).

    meetings(pair) = meetups where both clicked each other + 1 if an
    introduction between them led to a meeting.
    connection ⇔ meetings ≥ 1; deep relationship ⇔ meetings ≥ 2
    (a connection renewed at two different meetups, or renewed through an
    introduction that led to a meeting).
    """
    connections = deep = 0
    deep_members: set[int] = set()
    for pair in pairs:
        meetings = pair.meetups + (1 if pair.introduced_and_met else 0)
        if meetings >= 1:
            connections += 1
        if meetings >= 2:
            deep += 1
            deep_members.update((pair.user_a, pair.user_b))
    return connections, deep, deep_members


def group_figures(data: SeasonInput, min_raters: int = 3) -> GroupFigures:
    """The season's figures for the whole group.

    - meetups held = number of meetup rows; attendances = Σ attendees
    - attendance rate = attendances / (members × meetups held)
    - response rate = Σ raters / attendances
    - fit, chemistry = Σ fit / Σ ratings over the meetups whose own figures are
      shown (≥ min_raters raters), every rating weighing the same; ratings of a
      withheld meetup never enter an average, so a lone rating cannot be read
      off the season figure by comparing it before and after
    - worth share = "worth my time: yes" / ratings, over the same meetups
    - gave/got help shares = yes answers / all ratings
    - renewal shares = each member's latest intent / members who stated one
    - connections, deep relationships: see ``count_relationships``;
      deep share = members in a deep relationship / members
    - total fees = fees paid (money received, net of refunds) if given, else fee × members;
      return = outcomes value / total fees;
      cost per attended meetup = total fees / attendances;
      cost per deep relationship = total fees / deep relationships
    - every rating or click figure is withheld when raters < min_raters
    """
    ratings = sum(m.raters for m in data.meetups)
    attendances = sum(m.attendees for m in data.meetups)
    withheld = data.raters < min_raters
    scored = [m for m in data.meetups if m.raters >= min_raters]
    scored_ratings = sum(m.raters for m in scored)
    fit_sum = sum(m.fit_sum for m in scored)
    chemistry_sum = sum(m.chemistry_sum for m in scored)
    worth_yes = sum(m.worth_yes for m in scored)
    renewal_total = sum(data.renewal.get(k, 0) for k in ("yes", "unsure", "no"))
    connections, deep, deep_members = count_relationships(data.pairs)
    total_fees = data.total_fees_minor if data.total_fees_minor is not None else data.fee_minor * data.members

    def hide(value: Any) -> Any:
        return None if withheld else value

    rate_base = data.members * len(data.meetups)
    attendance_rate = ratio(attendances, rate_base)
    return GroupFigures(
        members=data.members,
        meetups_held=len(data.meetups),
        attendances=attendances,
        attendance_rate=min(attendance_rate, 1.0) if attendance_rate is not None else None,
        ratings=ratings,
        raters=data.raters,
        response_rate=ratio(ratings, attendances),
        withheld=withheld,
        fit=hide(average(fit_sum, scored_ratings)),
        chemistry=hide(average(chemistry_sum, scored_ratings)),
        worth_share=hide(ratio(worth_yes, scored_ratings)),
        gave_help_share=hide(ratio(data.gave_help, ratings)),
        got_help_share=hide(ratio(data.got_help, ratings)),
        renewal_yes=hide(ratio(data.renewal.get("yes", 0), renewal_total)),
        renewal_unsure=hide(ratio(data.renewal.get("unsure", 0), renewal_total)),
        renewal_no=hide(ratio(data.renewal.get("no", 0), renewal_total)),
        connections=hide(connections),
        deep_relationships=hide(deep),
        deep_share=hide(ratio(len(deep_members), data.members)),
        scored_ratings=hide(scored_ratings),
        fit_sum=hide(fit_sum),
        chemistry_sum=hide(chemistry_sum),
        worth_yes=hide(worth_yes),
        gave_help=hide(data.gave_help),
        got_help=hide(data.got_help),
        renewal_counts=hide(tuple(data.renewal.get(k, 0) for k in ("yes", "unsure", "no"))),
        deep_members=hide(len(deep_members)),
        introductions_proposed=sum(data.introductions.values()),
        introductions_accepted=data.introductions.get("accepted", 0) + data.introductions.get("met", 0),
        introductions_met=data.introductions.get("met", 0),
        introductions_declined=data.introductions.get("declined", 0),
        introducers=tuple(data.introducers),
        outcomes=data.outcomes,
        outcomes_value_minor=data.outcomes_value_minor,
        outcomes_by_kind=tuple(sorted(data.outcomes_by_kind.items())),
        fee_minor=data.fee_minor,
        total_fees_minor=total_fees,
        return_ratio=ratio(data.outcomes_value_minor, total_fees),
        cost_per_attended_meetup_minor=divide_money(total_fees, attendances),
        cost_per_deep_relationship_minor=None if withheld else divide_money(total_fees, deep),
        currency=data.currency,
    )


def verdict(figures: GroupFigures, t: Thresholds) -> Verdict:
    """The verdict, from thresholds written on the page.

    - not enough data: fewer than ``min_raters`` raters (figures withheld)
    - not worth the fee: fit < not_worth_fit or chemistry < not_worth_chemistry
      or renewal "yes" < not_worth_renewal_yes
    - worth the fee: fit ≥ worth_fit and chemistry ≥ worth_chemistry and
      renewal "yes" ≥ worth_renewal_yes and what the group brought: deep share
      ≥ worth_deep_share or return (outcomes value ÷ fees) ≥ worth_return
    - borderline: everything else
    - tentative: the rating response rate (ratings ÷ attendances) is below
      response_floor, so the figures speak for few of those who came
    """
    tentative = figures.response_rate is None or figures.response_rate < t.response_floor
    if figures.withheld or figures.fit is None or figures.chemistry is None:
        return Verdict(VERDICT_NOT_ENOUGH_DATA, tentative=tentative)
    renewal_yes = figures.renewal_yes if figures.renewal_yes is not None else 0.0
    deep_share = figures.deep_share if figures.deep_share is not None else 0.0
    returned = figures.return_ratio if figures.return_ratio is not None else 0.0
    bad = []
    if figures.fit < t.not_worth_fit:
        bad.append("fit")
    if figures.chemistry < t.not_worth_chemistry:
        bad.append("chemistry")
    if renewal_yes < t.not_worth_renewal_yes:
        bad.append("renewal")
    if bad:
        return Verdict(VERDICT_NOT_WORTH, tuple(bad), tentative)
    short = []
    if figures.fit < t.worth_fit:
        short.append("fit")
    if figures.chemistry < t.worth_chemistry:
        short.append("chemistry")
    if deep_share < t.worth_deep_share and returned < t.worth_return:
        short.append("deep_share_or_return")
    if renewal_yes < t.worth_renewal_yes:
        short.append("renewal")
    if short:
        return Verdict(VERDICT_BORDERLINE, tuple(short), tentative)
    return Verdict(VERDICT_WORTH, tentative=tentative)


def member_figures(data: MemberInput, pairs: Iterable[PairInput]) -> MemberFigures:
    """One member's own figures (their own ratings are never withheld from them).

    - fit, chemistry = Σ own scores / own ratings
    - give = ratings with "I gave help" + introductions made;
      get = ratings with "I got help" + introductions received
    - connections, deep relationships: pairs including the member (see
      ``count_relationships``)
    - cost per attended meetup = own fee / meetups attended;
      cost per deep relationship = own fee / own deep relationships
    """
    mine = [p for p in pairs if data.user_id in (p.user_a, p.user_b)]
    connections, deep, _members = count_relationships(mine)
    return MemberFigures(
        attended=data.attended,
        ratings=data.ratings,
        fit=average(data.fit_sum, data.ratings),
        chemistry=average(data.chemistry_sum, data.ratings),
        gave_help=data.gave_help,
        got_help=data.got_help,
        introductions_made=data.introductions_made,
        introductions_received=data.introductions_received,
        give=data.gave_help + data.introductions_made,
        get=data.got_help + data.introductions_received,
        connections=connections,
        deep_relationships=deep,
        outcomes=data.outcomes,
        outcomes_value_minor=data.outcomes_value_minor,
        credited=data.credited,
        renewal=data.renewal,
        fee_minor=data.fee_minor,
        cost_per_attended_meetup_minor=divide_money(data.fee_minor, data.attended),
        cost_per_deep_relationship_minor=divide_money(data.fee_minor, deep),
    )


def build_report(
    season: Season,
    data: SeasonInput,
    thresholds: Thresholds,
    me: MemberInput | None = None,
) -> ValueReport:
    """The whole report: per-meetup figures, group figures, verdict, and "me"."""
    meetups = tuple(
        meetup_figures(m, thresholds.min_raters)
        for m in sorted(data.meetups, key=lambda m: (m.starts_at, m.meetup_id))
    )
    group = group_figures(data, thresholds.min_raters)
    return ValueReport(
        season=season,
        meetups=meetups,
        group=group,
        verdict=verdict(group, thresholds),
        thresholds=thresholds,
        me=member_figures(me, data.pairs) if me is not None else None,
        open_meetups=tuple(sorted(data.open_meetups, key=lambda m: (m.starts_at, m.meetup_id))),
    )


# --------------------------------------------------------------------------- CSV

def _fmt(value: float | int | None, digits: int = 2) -> str:
    if value is None:
        return "withheld"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _full(value: float | int | None) -> str:
    """Full precision (the shortest text that reads back as the same float)."""
    if value is None:
        return "withheld"
    return repr(value) if isinstance(value, float) else str(value)


def _share(name: str, value: float | None, numerator: int | None, denominator: int | None,
           unit: str = "share") -> list[Any]:
    """A share or an average with the counts it is made of (withheld together)."""
    return ["group", name, _full(value), unit, _full(numerator), _full(denominator)]


def csv_rows(report: ValueReport, group_name: str) -> list[list[Any]]:
    """The report as rows: (section, figure, value, unit, numerator, denominator),
    with full-precision values, the counts behind every share and average, and
    the verdict's thresholds: enough to recompute the verdict from the CSV alone.
    Then one row per introducer, outcome kind and meetup."""
    g, t, v = report.group, report.thresholds, report.verdict
    cur = g.currency
    renewal = g.renewal_counts
    answers = sum(renewal) if renewal is not None else None
    rows: list[list[Any]] = [
        ["section", "figure", "value", "unit", "numerator", "denominator"],
        ["group", "group", group_name, "", "", ""],
        ["group", "season", report.season.label, "", "", ""],
        ["group", "verdict", v.key, "", "", ""],
        ["group", "verdict tentative", "yes" if v.tentative else "no", "", "", ""],
        ["group", "verdict reasons", " ".join(v.reasons), "", "", ""],
        ["group", "members", g.members, "members", "", ""],
        ["group", "meetups held", g.meetups_held, "meetups", "", ""],
        ["group", "attendances", g.attendances, "attendances", "", ""],
        _share("attendance rate", g.attendance_rate, g.attendances, g.members * g.meetups_held),
        ["group", "ratings", g.ratings, "ratings", "", ""],
        ["group", "raters", g.raters, "members", "", ""],
        _share("rating response rate", g.response_rate, g.ratings, g.attendances),
        _share("average fit", g.fit, g.fit_sum, g.scored_ratings, "1-5"),
        _share("average chemistry", g.chemistry, g.chemistry_sum, g.scored_ratings, "1-5"),
        _share("worth my time", g.worth_share, g.worth_yes, g.scored_ratings),
        _share("gave help", g.gave_help_share, g.gave_help, g.ratings if g.gave_help is not None else None,
               "share of ratings"),
        _share("got help", g.got_help_share, g.got_help, g.ratings if g.got_help is not None else None,
               "share of ratings"),
        _share("renewal yes", g.renewal_yes, renewal[0] if renewal else None, answers),
        _share("renewal unsure", g.renewal_unsure, renewal[1] if renewal else None, answers),
        _share("renewal no", g.renewal_no, renewal[2] if renewal else None, answers),
        ["group", "connections", _full(g.connections), "pairs", "", ""],
        ["group", "deep relationships", _full(g.deep_relationships), "pairs", "", ""],
        _share("members with a deep relationship", g.deep_share, g.deep_members,
               g.members if g.deep_members is not None else None),
        ["group", "introductions proposed", g.introductions_proposed, "introductions", "", ""],
        ["group", "introductions accepted", g.introductions_accepted, "introductions", "", ""],
        ["group", "introductions met", g.introductions_met, "introductions", "", ""],
        ["group", "outcomes reported", g.outcomes, "outcomes", "", ""],
        ["group", "outcomes value", amount(g.outcomes_value_minor), cur, "", ""],
        ["group", "fee per member", amount(g.fee_minor), cur, "", ""],
        ["group", "fees paid", amount(g.total_fees_minor), cur, "", ""],
        ["group", "return", _full(g.return_ratio), "outcomes value / fees paid",
         amount(g.outcomes_value_minor), amount(g.total_fees_minor)],
        ["group", "cost per attended meetup", amount(g.cost_per_attended_meetup_minor), cur,
         amount(g.total_fees_minor), g.attendances],
        ["group", "cost per deep relationship", amount(g.cost_per_deep_relationship_minor), cur,
         amount(g.total_fees_minor), _full(g.deep_relationships)],
    ]
    for name, value in (
        ("worth: fit at least", t.worth_fit), ("worth: chemistry at least", t.worth_chemistry),
        ("worth: renewal yes at least", t.worth_renewal_yes),
        ("worth: members with a deep relationship at least", t.worth_deep_share),
        ("worth: or return at least", t.worth_return),
        ("not worth: fit below", t.not_worth_fit), ("not worth: chemistry below", t.not_worth_chemistry),
        ("not worth: renewal yes below", t.not_worth_renewal_yes),
        ("not enough data: raters below", t.min_raters), ("tentative: response rate below", t.response_floor),
    ):
        rows.append(["threshold", name, _full(value), "", "", ""])
    for name, count in g.introducers:
        rows.append(["introducer", name, count, "introductions", "", ""])
    for kind, count in g.outcomes_by_kind:
        rows.append(["outcome kind", kind, count, "outcomes", "", ""])
    rows.append([])
    rows.append(["meetup", "date", "title", "attendees", "raters", "response rate",
                 "fit", "chemistry", "worth my time"])
    for m in report.meetups:
        rows.append([
            "meetup", m.starts_at.date().isoformat(), m.title, m.attendees, m.raters,
            _full(m.response_rate), _full(m.fit), _full(m.chemistry), _full(m.worth_share),
        ])
    return rows
