"""The value CSV carries everything the verdict is made of: a reader recomputes
the verdict from the CSV alone (its counts and its thresholds) and gets the
report's answer."""
from __future__ import annotations

import csv
import io
from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from common.spreadsheet import to_csv
from ratings.figures import MeetupInput, PairInput, Thresholds
from ratings.value import build_report, csv_rows
from tests.ratings.ratings_fixtures import *  # noqa: F403
from tests.ratings.ratings_fixtures import rate_as
from tests.ratings.test_value import SEASON, season


def _table(text: str) -> dict[tuple[str, str], list[str]]:
    rows = list(csv.reader(io.StringIO(text)))
    return {(row[0], row[1]): row[2:] for row in rows if len(row) >= 3 and row[0] in ("group", "threshold")}


def recompute(text: str) -> tuple[str, bool]:
    """The verdict and whether it is tentative, from the CSV's cells alone."""
    table = _table(text)

    def threshold(name: str) -> float:
        return float(table[("threshold", name)][0])

    def ratio(name: str) -> float | None:
        _value, _unit, numerator, denominator = table[("group", name)]
        if "withheld" in (numerator, denominator) or not float(denominator):
            return None
        return float(numerator) / float(denominator)

    response = ratio("rating response rate")
    tentative = response is None or response < threshold("tentative: response rate below")
    raters = float(table[("group", "raters")][0])
    fit, chemistry = ratio("average fit"), ratio("average chemistry")
    if raters < threshold("not enough data: raters below") or fit is None or chemistry is None:
        return "not_enough_data", tentative
    renewal = ratio("renewal yes") or 0.0
    deep = ratio("members with a deep relationship") or 0.0
    value, fees = (int(Decimal(cell) * 100) for cell in table[("group", "return")][2:])  # minor units
    returned = value / fees if fees else 0.0
    if (fit < threshold("not worth: fit below") or chemistry < threshold("not worth: chemistry below")
            or renewal < threshold("not worth: renewal yes below")):
        return "not_worth", tentative
    if (fit >= threshold("worth: fit at least") and chemistry >= threshold("worth: chemistry at least")
            and renewal >= threshold("worth: renewal yes at least")
            and (deep >= threshold("worth: members with a deep relationship at least")
                 or returned >= threshold("worth: or return at least"))):
        return "worth", tentative
    return "borderline", tentative


def _check(data, thresholds: Thresholds | None = None) -> None:
    thresholds = thresholds or Thresholds()
    report = build_report(SEASON, data, thresholds)
    text = to_csv(csv_rows(report, "Group"))
    table = _table(text)
    assert recompute(text) == (report.verdict.key, report.verdict.tentative)
    assert table[("group", "verdict")][0] == report.verdict.key
    assert table[("group", "verdict tentative")][0] == ("yes" if report.verdict.tentative else "no")


scores = st.integers(min_value=1, max_value=5)


@settings(max_examples=150, deadline=None)
@given(
    meetups=st.lists(st.tuples(st.integers(0, 12), st.integers(0, 12), scores, scores, st.integers(0, 12)),
                     min_size=0, max_size=5),
    raters=st.integers(0, 12),
    renewal=st.tuples(st.integers(0, 10), st.integers(0, 10), st.integers(0, 10)),
    deep_pairs=st.integers(0, 6),
    outcomes_value=st.integers(0, 50_000_000),
    fees=st.integers(0, 20_000_000),
)
def test_the_verdict_is_recomputed_from_the_csv_alone(meetups, raters, renewal, deep_pairs, outcomes_value, fees):
    rows = [
        MeetupInput(i + 1, f"M{i}", season().meetups[0].starts_at, attendees=max(a, r), raters=r,
                    fit_sum=f * r, chemistry_sum=c * r, worth_yes=min(w, r))
        for i, (a, r, f, c, w) in enumerate(meetups)
    ]
    data = replace(
        season(), meetups=rows, raters=raters,
        renewal=dict(zip(("yes", "unsure", "no"), renewal, strict=True)),
        pairs=[PairInput(2 * i + 1, 2 * i + 2, 2) for i in range(deep_pairs)],
        outcomes_value_minor=outcomes_value, total_fees_minor=fees,
    )
    _check(data)


@pytest.mark.parametrize("config", [{}, {"VERDICT_WORTH_FIT": "2.0", "VERDICT_RESPONSE_FLOOR": "0.95"}])
def test_the_csv_carries_the_configured_thresholds(config):
    _check(season(), Thresholds.from_config(config))


def test_the_csv_over_http_reproduces_the_page_verdict(client, auth, db, scenario):
    for meetup in scenario.meetups:
        for member in scenario.members[:4]:
            rate_as(meetup, member, fit=4, chemistry=4)
    auth.login(scenario.host)
    text = client.get(f"/groups/{scenario.group.slug}/value.csv").get_data(as_text=True)
    key, _tentative = recompute(text)
    assert key == _table(text)[("group", "verdict")][0] != "not_enough_data"
