"""The sponsor world: company A pays seats in two groups (one employee shares
everything, one nothing, one has left); company B pays a seat in group 1."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from tests.ratings.ratings_fixtures import rate_as


@dataclass
class World:
    group1: Any
    group2: Any
    host1: Any
    company_a: Any
    company_b: Any
    sponsor_a: Any
    sponsor_b: Any
    sharer: Any  # A's employee in group 1 who shares everything
    quiet: Any  # A's employee in group 1 who shares nothing
    leaver: Any  # A's employee in group 2 who left the group
    b_employee: Any
    member: Any  # an ordinary member of group 1, paid by herself
    payment_a1: Any
    payment_b: Any


def pay(group, payer, memberships, company):
    """An invoice payment (with its invoice), confirmed."""
    from billing.invoices import issue_invoice
    from billing.services import CheckoutRequest, confirm_payment, create_payment, seats_of
    from common.db import utcnow
    from groups.seasons import current_season

    payment = create_payment(CheckoutRequest(
        group=group, payer=payer, memberships=memberships, season=current_season(group, utcnow()),
        provider="invoice", payer_kind="company" if company else "self",
        company={"name": company.name, "vat": company.vat_number, "email": "ap@example.com"} if company else {},
    ))
    issue_invoice(payment, group, seats_of(payment.id), utcnow().date())
    confirm_payment(payment.id)
    return payment


@pytest.fixture
def world(db, make_user, make_group, make_member, make_meetup, make_rsvp) -> World:
    from common.db import utcnow
    from groups.models import Membership
    from members.models import Company
    from sponsors.models import Share, Sponsor

    now = utcnow().replace(microsecond=0)
    host1 = make_user(name="Hanne Host", email="host1@example.com")
    group1 = make_group(host=host1, name="Copenhagen Founders", slug="cph-founders",
                        season_start=(now - timedelta(days=60)).date(), rating_window_days=7)
    group2 = make_group(name="Aarhus Builders", slug="aarhus-builders", season_start=(now - timedelta(days=60)).date())
    company_a = Company(name="Nordlys A/S", vat_number="DK11111111")
    company_b = Company(name="Havn ApS", vat_number="DK22222222")
    db.session.add_all([company_a, company_b])
    db.session.flush()

    def employee(group, name, company):
        user = make_member(group, name=name, email=f"{name.split()[0].lower()}@example.com")
        user.profile.company = company
        return user

    sharer = employee(group1, "Sara Sharer", company_a)
    quiet = employee(group1, "Quentin Quiet", company_a)
    leaver = employee(group2, "Lars Leaver", company_a)
    b_employee = employee(group1, "Bent Bee", company_b)
    member = make_member(group1, name="Mia Member", email="mia@example.com")
    others = [make_member(group1, name=f"Other {i}", email=f"other{i}@example.com") for i in range(3)]
    db.session.commit()

    def ms(group, user):
        return db.session.query(Membership).filter_by(group_id=group.id, user_id=user.id).one()

    payment_a1 = pay(group1, sharer, [ms(group1, sharer), ms(group1, quiet)], company_a)
    pay(group2, leaver, [ms(group2, leaver)], company_a)
    payment_b = pay(group1, b_employee, [ms(group1, b_employee)], company_b)
    ms(group2, leaver).status = "left"
    db.session.add(Share(membership_id=ms(group1, sharer).id, company_id=company_a.id,
                         scores=True, relationships=True, outcomes=True))
    sponsor_a = make_user(name="Anne Sponsor", email="sponsor-a@example.com")
    sponsor_b = make_user(name="Bo Sponsor", email="sponsor-b@example.com")
    db.session.add_all([Sponsor(company_id=company_a.id, user_id=sponsor_a.id),
                        Sponsor(company_id=company_b.id, user_id=sponsor_b.id)])
    # A meetup whose rating has closed, rated by four members, with a comment.
    meetup = make_meetup(group1, title="September meetup", starts_at=now - timedelta(days=20),
                         status="held", attendance_taken=True)
    raters = [sharer, quiet, member, *others]
    for user in raters:
        make_rsvp(meetup, user, checked_in=True)
    db.session.commit()
    for user, score in zip(raters, (5, 1, 4, 3, 3, 4), strict=True):
        rate_as(meetup, user, fit=score, chemistry=score, comment=f"Private remark of {user.name}",
                clicks=[sharer] if user is not sharer else [quiet])
    return World(group1, group2, host1, company_a, company_b, sponsor_a, sponsor_b, sharer, quiet, leaver,
                 b_employee, member, payment_a1, payment_b)
