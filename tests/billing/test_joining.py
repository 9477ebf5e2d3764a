"""A new member who joins after the season's first meetup pays what the group says:
the full fee, a share by the meetups left, or nothing until the next season; the
checkout says so before anything is paid."""
from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from billing.models import GroupBilling, Payment
from groups.models import Membership
from tests.billing.conftest import current_test_season, pay_form
from tests.conftest import csrf_token


@pytest.fixture
def midseason(db, season_group, make_member, make_meetup):
    """A DKK 8,000 + 25 % VAT group with 10 monthly meetups this season, 4 of them held by 'now'."""
    def factory(rule: str):
        group, host = season_group()
        db.session.add(GroupBilling(group_id=group.id, legal_name="Founders ApS", joining_price=rule))
        start, _end = current_test_season()
        first = datetime(start.year, start.month, 10, 16, 0).astimezone()
        for i in range(10):
            make_meetup(group, title=f"Meetup {i + 1}", starts_at=first + timedelta(days=30 * i))
        now = first + timedelta(days=30 * 3, hours=3)  # the 4th meetup has begun
        member = make_member(group, status="approved", name="Nina New")
        db.session.commit()
        return group, member, now

    return factory


def _pay(client, auth, group, member, now, provider="invoice"):
    with freeze_time(now):
        auth.login(member)
        url = f"/groups/{group.slug}/pay"
        page = client.get(url).get_data(as_text=True)
        response = client.post(url, data={**pay_form(provider=provider), "csrf_token": csrf_token(client, url)})
    return page, response


def test_prorated_by_the_meetups_left(client, auth, db, midseason):
    group, member, now = midseason("prorated")
    page, response = _pay(client, auth, group, member, now)
    assert "you pay for the 6 of 10 meetups left" in page and "10,000" in page  # the full fee, shown too
    assert re.search(r"Total per seat</dt><dd[^>]*>DKK.6,000", page)  # 8,000 × 6/10 = 4,800 + 25 % VAT
    assert response.status_code == 302
    payment = db.session.scalars(select(Payment).where(Payment.group_id == group.id)).one()
    assert (payment.amount_minor, payment.vat_minor, payment.unit_minor) == (600_000, 120_000, 600_000)


def test_free_until_the_next_season(client, auth, db, midseason):
    group, member, now = midseason("free")
    page, response = _pay(client, auth, group, member, now)
    assert "free until the next season" in page
    assert response.status_code == 302
    payment = db.session.scalars(select(Payment).where(Payment.group_id == group.id)).one()
    assert (payment.status, payment.amount_minor) == ("waived", 0)
    membership = db.session.scalars(select(Membership).where(Membership.user_id == member.id)).one()
    assert membership.status == "active" and membership.paid_through == payment.season_end


def test_the_full_fee_by_default(client, auth, db, midseason):
    group, member, now = midseason("full")
    page, _response = _pay(client, auth, group, member, now)
    assert "meetups left" not in page and "free until" not in page
    payment = db.session.scalars(select(Payment).where(Payment.group_id == group.id)).one()
    assert payment.amount_minor == 1_000_000


def test_the_full_fee_before_the_first_meetup(client, auth, db, midseason):
    group, member, now = midseason("prorated")
    first = db.session.scalar(select(Payment.id))  # nothing paid yet
    assert first is None
    from meetups.models import Meetup

    start = db.session.scalar(select(Meetup.starts_at).where(Meetup.group_id == group.id).order_by(Meetup.starts_at))
    _page, _response = _pay(client, auth, group, member, start - timedelta(days=1))
    payment = db.session.scalars(select(Payment).where(Payment.group_id == group.id)).one()
    assert payment.amount_minor == 1_000_000


def test_a_lapsed_member_pays_the_full_fee(client, auth, db, midseason):
    group, member, now = midseason("prorated")
    membership = db.session.scalars(select(Membership).where(Membership.user_id == member.id)).one()
    membership.status, membership.paid_through = "lapsed", current_test_season()[0] - timedelta(days=1)
    db.session.commit()
    _page, _response = _pay(client, auth, group, member, now)
    payment = db.session.scalars(select(Payment).where(Payment.group_id == group.id)).one()
    assert payment.amount_minor == 1_000_000


def test_the_host_sets_the_rule(client, auth, db, midseason):
    group, _member, _now = midseason("full")
    host = db.session.scalars(select(Membership).where(Membership.group_id == group.id,
                                                       Membership.role == "host")).one().user
    auth.login(host)
    url = f"/groups/{group.slug}/admin/billing"
    page = client.get(url).get_data(as_text=True)
    assert "A member who joins after the season" in page
    data = {"csrf_token": csrf_token(client, url), "legal_name": "Founders ApS", "vat_rate": "25",
            "payment_terms_days": "14", "grace_days": "14", "joining_price": "prorated"}
    assert client.post(url, data=data).status_code == 302
    assert db.session.get(GroupBilling, group.id).joining_price == "prorated"
    data["joining_price"] = "half"
    assert client.post(url, data=data).status_code == 422
    assert db.session.get(GroupBilling, group.id).joining_price == "prorated"
