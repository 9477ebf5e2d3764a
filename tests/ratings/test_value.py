"""The value report's pure module: hand-computed examples and hypothesis properties."""
from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from common.spreadsheet import amount, cell, to_csv
from groups.models import Group
from groups.seasons import season_of
from ratings.figures import (
    MeetupInput,
    MemberInput,
    PairInput,
    SeasonInput,
    Thresholds,
    Verdict,
)
from ratings.value import (
    build_report,
    count_relationships,
    csv_rows,
    divide_money,
    group_figures,
    meetup_figures,
    verdict,
)

T0 = datetime(2025, 9, 9, 15, 0, tzinfo=UTC)
SEASON = season_of(Group(), date(2025, 9, 9))


def meetup(i: int, raters: int, fit_sum: int, chem_sum: int, attendees: int = 10, worth: int = 0) -> MeetupInput:
    return MeetupInput(i, f"Meetup {i}", T0 + timedelta(days=30 * i), attendees, raters, fit_sum, chem_sum, worth)


def season(**overrides) -> SeasonInput:
    base = SeasonInput(
        members=10, fee_minor=800000, currency="DKK",
        meetups=[meetup(1, 4, 16, 12, worth=3), meetup(2, 2, 10, 10), meetup(3, 5, 20, 20, worth=5)],
        raters=6, gave_help=5, got_help=3, renewal={"yes": 4, "unsure": 1, "no": 1},
        pairs=[PairInput(1, 2, 2), PairInput(1, 3, 1), PairInput(4, 5, 1, True), PairInput(6, 7, 0, True)],
        introductions={"proposed": 2, "accepted": 1, "met": 1, "declined": 1},
        introducers=[("Hanne", 4), ("Anna", 1)],
        outcomes=3, outcomes_value_minor=5_000_000, outcomes_by_kind={"deal": 2, "learning": 1},
    )
    return replace(base, **overrides)


# --------------------------------------------------------------------------- per meetup

def test_meetup_figures_hand_computed():
    figures = meetup_figures(meetup(1, 4, 16, 12, attendees=8, worth=3))
    assert figures.fit == 4.0  # 16 / 4
    assert figures.chemistry == 3.0  # 12 / 4
    assert figures.worth_share == 0.75  # 3 / 4
    assert figures.response_rate == 0.5  # 4 / 8
    assert not figures.withheld


def test_meetup_with_two_raters_is_withheld():
    figures = meetup_figures(meetup(2, 2, 10, 10))
    assert figures.withheld
    assert figures.fit is None and figures.chemistry is None and figures.worth_share is None
    assert figures.response_rate == 0.2  # a count, not a score: shown


# --------------------------------------------------------------------------- group

def test_group_figures_hand_computed():
    g = group_figures(season())
    assert g.meetups_held == 3
    assert g.attendances == 30
    assert g.attendance_rate == 30 / (10 * 3)
    assert g.ratings == 11
    assert g.response_rate == 11 / 30
    # Meetup 2 (2 raters) is withheld, so its ratings stay out of the averages.
    assert g.fit == (16 + 20) / 9
    assert g.chemistry == (12 + 20) / 9
    assert g.worth_share == 8 / 9
    assert g.gave_help_share == 5 / 11
    assert g.got_help_share == 3 / 11
    assert g.renewal_yes == 4 / 6 and g.renewal_unsure == 1 / 6 and g.renewal_no == 1 / 6
    # pairs: (1,2) two meetups → deep; (1,3) one → connection; (4,5) one meetup + met
    # introduction → deep; (6,7) met introduction only → connection.
    assert g.connections == 4
    assert g.deep_relationships == 2
    assert g.deep_share == 4 / 10  # members 1, 2, 4, 5
    assert g.introductions_proposed == 5  # every introduction counts as proposed
    assert g.introductions_accepted == 2  # accepted + met
    assert g.introductions_met == 1
    assert g.total_fees_minor == 8_000_000  # 800000 × 10 members
    assert g.cost_per_attended_meetup_minor == 266_667  # 8,000,000 / 30, rounded half up
    assert g.cost_per_deep_relationship_minor == 4_000_000
    assert g.outcomes_value_minor == 5_000_000
    assert g.outcomes_by_kind == (("deal", 2), ("learning", 1))


def test_actual_payments_replace_fee_times_members():
    g = group_figures(season(total_fees_minor=1_600_000))
    assert g.total_fees_minor == 1_600_000
    assert g.cost_per_attended_meetup_minor == divide_money(1_600_000, 30)


def test_group_figures_withheld_below_three_raters():
    g = group_figures(season(raters=2))
    assert g.withheld
    for value in (g.fit, g.chemistry, g.worth_share, g.renewal_yes, g.connections,
                  g.deep_relationships, g.deep_share, g.gave_help_share, g.cost_per_deep_relationship_minor):
        assert value is None
    assert g.meetups_held == 3  # counts that reveal no rating stay visible


def test_divide_money_rounds_half_up_and_handles_zero():
    assert divide_money(10, 4) == 3  # 2.5 → 3
    assert divide_money(9, 4) == 2  # 2.25 → 2
    assert divide_money(100, 0) is None


def test_count_relationships_rule():
    connections, deep, members = count_relationships(
        [PairInput(1, 2, 3), PairInput(2, 3, 1), PairInput(3, 4, 0, True), PairInput(5, 6, 1, True)]
    )
    assert (connections, deep, members) == (4, 2, {1, 2, 5, 6})


# --------------------------------------------------------------------------- verdict

def _g(fit=4.0, chemistry=4.0, deep_share=0.6, renewal_yes=0.7, withheld=False, return_ratio=0.2,
       response_rate=0.8):
    return replace(group_figures(season()), fit=fit, chemistry=chemistry, deep_share=deep_share,
                   renewal_yes=renewal_yes, withheld=withheld, return_ratio=return_ratio,
                   response_rate=response_rate)


def test_verdict_thresholds():
    t = Thresholds()
    assert verdict(_g(), t).key == "worth"
    assert verdict(_g(fit=3.5, chemistry=3.5, deep_share=0.5, renewal_yes=0.6), t).key == "worth"
    assert verdict(_g(fit=3.4), t).key == "borderline"
    assert verdict(_g(deep_share=0.49), t).reasons == ("deep_share_or_return",)
    assert verdict(_g(fit=2.4), t).key == "not_worth"
    assert verdict(_g(chemistry=2.49), t).key == "not_worth"
    assert verdict(_g(renewal_yes=0.29), t).key == "not_worth"
    assert verdict(_g(fit=2.5, chemistry=2.5, renewal_yes=0.3), t).key == "borderline"
    assert verdict(_g(withheld=True, fit=None), t).key == "not_enough_data"


def test_verdict_counts_the_money_and_the_response():
    t = Thresholds()
    # Outcomes worth at least the fees stand in for deep relationships...
    assert verdict(_g(deep_share=0.1, return_ratio=1.0), t).key == "worth"
    assert verdict(_g(deep_share=0.1, return_ratio=0.99), t).key == "borderline"
    assert verdict(_g(deep_share=0.1, return_ratio=None), t).key == "borderline"
    # ...but never rescue a group members do not enjoy.
    assert verdict(_g(fit=2.0, return_ratio=5.0), t).key == "not_worth"
    # Below the response floor every verdict is tentative.
    assert verdict(_g(), t).tentative is False
    assert verdict(_g(response_rate=0.49), t).tentative is True
    assert verdict(_g(response_rate=0.5), t).tentative is False
    assert verdict(_g(response_rate=None), t).tentative is True
    assert verdict(_g(fit=2.0, response_rate=0.2), t) == Verdict("not_worth", ("fit",), True)


def test_return_is_outcome_value_over_fees():
    figures = group_figures(replace(season(), outcomes_value_minor=16_500_000, total_fees_minor=8_000_000))
    assert figures.return_ratio == 16_500_000 / 8_000_000
    assert group_figures(replace(season(), total_fees_minor=0)).return_ratio is None


def test_verdict_thresholds_come_from_config():
    t = Thresholds.from_config({"VERDICT_WORTH_FIT": "4.5"})
    assert t.worth_fit == 4.5 and t.worth_chemistry == 3.5
    assert verdict(_g(fit=4.0), t).key == "borderline"


# --------------------------------------------------------------------------- me

def test_member_figures_hand_computed():
    data = season()
    report = build_report(SEASON, data, Thresholds(), MemberInput(
        user_id=1, attended=3, ratings=2, fit_sum=7, chemistry_sum=9, gave_help=2, got_help=1,
        introductions_made=1, introductions_received=2, fee_minor=800000,
    ))
    me = report.me
    assert me is not None
    assert me.fit == 3.5 and me.chemistry == 4.5
    assert me.give == 3 and me.get == 3
    assert me.connections == 2 and me.deep_relationships == 1  # pairs (1,2) deep, (1,3)
    assert me.cost_per_attended_meetup_minor == 266_667
    assert me.cost_per_deep_relationship_minor == 800000


def test_member_with_one_rating_sees_own_scores():
    report = build_report(SEASON, season(raters=1), Thresholds(), MemberInput(user_id=9, ratings=1, fit_sum=2, chemistry_sum=5))
    assert report.me is not None
    assert report.me.fit == 2.0  # own numbers are never withheld from oneself
    assert report.group.fit is None


# --------------------------------------------------------------------------- CSV

def test_csv_cells_never_run_as_formulas():
    for dangerous in ("=1+1", "+1", "-1", "@SUM(A1)", "\t=x", "\r=x"):
        assert cell(dangerous) == "'" + dangerous
    assert cell("Monthly meetup") == "Monthly meetup"
    assert cell(None) == ""
    assert cell(-5) == "'-5"


def test_csv_amounts_are_exact():
    assert [amount(m) for m in (0, 5, 123450, -5, -123456, None)] == ["0.00", "0.05", "1234.50", "-0.05", "-1234.56", ""]


def test_csv_rows_escape_titles_and_include_every_meetup():
    data = season(meetups=[replace(meetup(1, 4, 16, 12), title="=HYPERLINK(\"http://x\")")])
    text = to_csv(csv_rows(build_report(SEASON, data, Thresholds()), "@Group"))
    assert "'=HYPERLINK" in text
    assert "'@Group" in text
    assert "\n=" not in text and ",=" not in text and ",@" not in text


# --------------------------------------------------------------------------- properties

scores = st.integers(min_value=1, max_value=5)


@st.composite
def meetups_with_ratings(draw):
    n = draw(st.integers(min_value=1, max_value=6))
    rows = []
    for i in range(n):
        ratings = draw(st.lists(st.tuples(scores, scores, st.booleans()), max_size=12))
        rows.append(MeetupInput(
            i, f"M{i}", T0 + timedelta(days=i), attendees=len(ratings) + draw(st.integers(0, 5)),
            raters=len(ratings), fit_sum=sum(r[0] for r in ratings),
            chemistry_sum=sum(r[1] for r in ratings), worth_yes=sum(1 for r in ratings if r[2]),
        ))
    return rows


@given(meetups_with_ratings(), st.integers(min_value=0, max_value=20))
def test_averages_stay_between_1_and_5(rows, raters):
    report = build_report(SEASON, season(meetups=rows, raters=raters), Thresholds())
    for m in report.meetups:
        for value in (m.fit, m.chemistry):
            assert value is None or 1 <= value <= 5
        assert m.worth_share is None or 0 <= m.worth_share <= 1
    for value in (report.group.fit, report.group.chemistry):
        assert value is None or 1 <= value <= 5
    assert report.group.response_rate is None or 0 <= report.group.response_rate <= 1


@given(meetups_with_ratings())
def test_withheld_exactly_below_three_raters(rows):
    for row in rows:
        figures = meetup_figures(row)
        assert figures.withheld == (row.raters < 3)
        assert (figures.fit is None) == (row.raters < 3)


@given(meetups_with_ratings(), st.data())
def test_adding_a_rating_to_one_meetup_never_changes_another(rows, data):
    index = data.draw(st.integers(0, len(rows) - 1))
    fit, chemistry = data.draw(scores), data.draw(scores)
    changed = list(rows)
    r = rows[index]
    changed[index] = replace(r, raters=r.raters + 1, attendees=r.attendees + 1,
                             fit_sum=r.fit_sum + fit, chemistry_sum=r.chemistry_sum + chemistry)
    before = build_report(SEASON, season(meetups=rows), Thresholds()).meetups
    after = build_report(SEASON, season(meetups=changed), Thresholds()).meetups
    for b, a in zip(before, after, strict=True):
        if b.meetup_id != r.meetup_id:
            assert a == b


@given(meetups_with_ratings(), st.data())
def test_a_rating_at_a_withheld_meetup_never_moves_the_season_averages(rows, data):
    index = data.draw(st.integers(0, len(rows) - 1))
    r = rows[index]
    if r.raters >= 2:  # adding one keeps it below 3 only from 0 or 1 raters
        return
    changed = list(rows)
    changed[index] = replace(r, raters=r.raters + 1, fit_sum=r.fit_sum + data.draw(scores),
                             chemistry_sum=r.chemistry_sum + data.draw(scores))
    before = group_figures(season(meetups=rows))
    after = group_figures(season(meetups=changed))
    assert (before.fit, before.chemistry) == (after.fit, after.chemistry)


@given(st.integers(0, 2), meetups_with_ratings())
def test_fewer_than_three_raters_is_not_enough_data(raters, rows):
    report = build_report(SEASON, season(meetups=rows, raters=raters), Thresholds())
    assert report.verdict.key == "not_enough_data"
    assert report.group.fit is None
