"""One season everywhere: the host overview, the payments page and the value report of a group
created without season dates show the same season, and a payment made now pays for it."""
from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from billing.models import Payment
from billing.services import confirm_payment
from groups.models import Membership
from groups.seasons import Season, current_season
from ratings.report import value_report
from tests.billing.conftest import pay_form
from tests.conftest import csrf_token

# Issue 12's day: a member joins on 2 December.
NOW = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
SEASON = Season(date(2026, 8, 1), date(2027, 8, 1))
LABEL = "Season 2026–27"
RANGE = "Sat 1 Aug 2026 – Sat 31 Jul 2027"


@pytest.fixture
def undated_group(make_group, make_user, make_member, db):
    host = make_user(name="Hanne Host")
    group = make_group(host=host, fee_minor=1_000_000)
    assert group.season_start is None and group.season_end is None
    member = make_member(group, status="approved", name="Dorte December")
    return group, host, member


@freeze_time(NOW)
def test_overview_payments_and_value_report_show_the_same_season(client, auth, db, undated_group):
    group, host, member = undated_group
    assert current_season(group, NOW) == SEASON

    # A payment made now (the member pays by invoice, the host sees the transfer).
    auth.login(member)
    pay_page = client.get(f"/groups/{group.slug}/pay").get_data(as_text=True)
    assert RANGE in pay_page and "Paid through Sat 31 Jul 2027" in pay_page
    client.post(f"/groups/{group.slug}/pay",
                data={**pay_form(provider="invoice"), "csrf_token": csrf_token(client, f"/groups/{group.slug}/pay")})
    payment = db.session.scalars(select(Payment).where(Payment.group_id == group.id)).one()
    assert payment.season == SEASON
    assert (payment.season_start, payment.season_end) == (date(2026, 8, 1), date(2027, 7, 31))  # as invoiced
    assert confirm_payment(payment.id)
    db.session.commit()
    membership = db.session.scalars(select(Membership).where(Membership.user_id == member.id)).one()
    assert membership.status == "active" and membership.paid_through == SEASON.last_day
    done = client.get(f"/payments/{payment.id}").get_data(as_text=True)
    assert "paid through Sat 31 Jul 2027" in done
    auth.logout()

    auth.login(host)
    overview = client.get(f"/groups/{group.slug}/admin").get_data(as_text=True)
    assert f"Is it worth the fee? {LABEL}" in overview  # the value tile
    assert "Fees paid in season 2026–27, net of refunds" in overview  # the payments tile
    assert "DKK" in overview and "12,500" in overview  # … counts the payment made now (incl. 25 % VAT)

    payments = client.get(f"/groups/{group.slug}/admin/payments").get_data(as_text=True)
    assert '<option value="2026" selected>2026–27</option>' in payments and f"{LABEL}: {RANGE}" in payments
    assert "Dorte December" in payments and "Outstanding this season (0)" in payments

    value = client.get(f"/groups/{group.slug}/value").get_data(as_text=True)
    assert f"{LABEL}: {RANGE}" in value

    # The season the value report counts the group's fees for is the one the payment paid.
    report = value_report(group, current_season(group, NOW), NOW)
    assert report.season == payment.season == SEASON
    assert report.group.members == 2  # host and the member who paid
    # "Fees paid" is one number: money received, net of refunds, the same on every page.
    assert report.group.total_fees_minor == 1_250_000
    fees = re.search(r'tile__value">([^<]+)</div><div class="tile__label">Fees paid, net of refunds', payments)
    assert fees and "12,500" in fees.group(1)
    assert re.search(r'Fees paid</div>\s*<div class="figure__value">DKK.12,500', value)
    assert "12,500" in overview.split("Fees paid in season")[0].rsplit("tile__value", 1)[1]


@freeze_time(NOW)
def test_payments_page_season_picker_uses_the_season_keys(client, auth, db, undated_group):
    group, host, _member = undated_group
    auth.login(host)
    page = client.get(f"/groups/{group.slug}/admin/payments").get_data(as_text=True)
    for key, label in ((2027, "2027–28"), (2026, "2026–27"), (2025, "2025–26"), (2024, "2024–25")):
        assert f'<option value="{key}"' in page and f">{label}</option>" in page
    older = client.get(f"/groups/{group.slug}/admin/payments?season=2025").get_data(as_text=True)
    assert '<option value="2025" selected>2025–26</option>' in older
    assert "Season 2025–26: Fri 1 Aug 2025 – Fri 31 Jul 2026" in older
    assert client.get(f"/groups/{group.slug}/admin/payments?season=2001").status_code == 404
    old_link = client.get(f"/groups/{group.slug}/admin/payments?season=2025-08-01").get_data(as_text=True)
    assert '<option value="2025" selected>' in old_link  # links made before the key was the start year
    for bad in ("next", "2025-13-01", "²⁰²⁵"):
        assert client.get(f"/groups/{group.slug}/admin/payments?season={bad}").status_code == 400
