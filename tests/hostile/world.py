"""The world the hostile forms act on: people, a group, meetups, a payment, made when first used."""
from __future__ import annotations

from datetime import date, timedelta
from functools import cached_property

from sqlalchemy import select

from common.db import utcnow
from tests.conftest import csrf_token


class World:
    """The people, group, meetups and payment the forms act on, made when first used."""

    def __init__(self, client, auth, db, make_user, make_group, make_member, make_meetup, make_rsvp) -> None:
        self.client, self.auth, self.db = client, auth, db
        self._make_user, self._make_group, self._make_member = make_user, make_group, make_member
        self._make_meetup, self._make_rsvp = make_meetup, make_rsvp

    @cached_property
    def host(self):
        return self._make_user(name="Hanne Host")

    @cached_property
    def group(self):
        today = date.today()
        start_year = today.year if today.month >= 7 else today.year - 1
        return self._make_group(host=self.host, name="Copenhagen Founders",
                                season_start=date(start_year, 8, 1), season_end=date(start_year + 1, 6, 30))

    @cached_property
    def member(self):
        return self._make_member(self.group, name="Mads Member")

    @cached_property
    def member2(self):
        return self._make_member(self.group, name="Sofie Second")

    @cached_property
    def member3(self):
        return self._make_member(self.group, name="Tove Third")

    @cached_property
    def approved(self):
        """Approved, so owes the season fee (the checkout form)."""
        return self._make_member(self.group, name="Anna Approved", status="approved")

    @cached_property
    def outsider(self):
        return self._make_user(name="Olaf Outsider")

    @cached_property
    def upcoming(self):
        return self._make_meetup(self.group, title="Next meetup")

    @cached_property
    def now_meetup(self):
        """Happening now: self check-in and walk-ins are open."""
        now = utcnow().replace(microsecond=0)
        meetup = self._make_meetup(self.group, title="Tonight", starts_at=now - timedelta(minutes=10),
                                   ends_at=now + timedelta(hours=2))
        self.member  # noqa: B018 (a member who can check in)
        self.member3  # noqa: B018 (a walk-in candidate)
        return meetup

    @cached_property
    def past_meetup(self):
        """Ended two hours ago with the member and member2 checked in: its rating window is open."""
        now = utcnow().replace(microsecond=0)
        meetup = self._make_meetup(self.group, title="Last week", starts_at=now - timedelta(hours=5),
                                   ends_at=now - timedelta(hours=2), status="held", attendance_taken=True)
        self._make_rsvp(meetup, self.member, checked_in=True)
        self._make_rsvp(meetup, self.member2, checked_in=True)
        return meetup

    @cached_property
    def payment(self):
        """A paid invoice payment of the approved member (the refund form)."""
        from billing.models import Payment

        slug, client = self.group.slug, self.client
        self.auth.login(self.approved)
        client.post(f"/groups/{slug}/pay", data={
            "payer_kind": "self", "provider": "invoice", "csrf_token": csrf_token(client, f"/groups/{slug}/pay")})
        self.auth.logout()
        payment = self.db.session.scalars(select(Payment)).one()
        self.auth.login(self.host)
        client.post(f"/groups/{slug}/admin/payments/{payment.id}/mark-paid",
                    data={"csrf_token": csrf_token(client, f"/groups/{slug}/admin/payments")})
        self.auth.logout()
        return payment

    @cached_property
    def company_payment(self):
        """A company's payment of member2's seat (the sponsor invitation form)."""
        from billing.services import CheckoutRequest, confirm_payment, create_payment
        from groups.models import Membership
        from groups.seasons import current_season

        membership = self.db.session.scalars(select(Membership).where(Membership.user_id == self.member2.id)).one()
        payment = create_payment(CheckoutRequest(
            group=self.group, payer=self.member2, memberships=[membership], season=current_season(self.group, utcnow()),
            provider="invoice", payer_kind="company", company={"name": "Nordlys A/S", "vat": "DK11111111"},
        ))
        confirm_payment(payment.id)
        self.db.session.commit()
        return payment

    @cached_property
    def member_membership_id(self) -> int:
        from groups.models import Membership

        return self.db.session.scalar(select(Membership.id).where(Membership.user_id == self.member.id))

    @cached_property
    def introduction(self):
        """member2 introduces the member to member3; the member has not answered yet."""
        from ratings.introductions import propose_introduction

        intro = propose_introduction(self.group, self.member2, self.member.id, self.member3.id,
                                     "Both sell to banks.", utcnow())
        self.db.session.commit()
        return intro

    @cached_property
    def reset_token(self) -> str:
        from members.security import make_token
        from members.services import _reset_payload

        return make_token("reset", _reset_payload(self.member))
