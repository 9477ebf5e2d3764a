"""Services without HTTP: prices, seasons, invoice numbers under concurrency, renewals, lapse, GDPR."""
from __future__ import annotations

import threading
from datetime import UTC, date, datetime

import pytest
from freezegun import freeze_time
from sqlalchemy import delete, func, select
from sqlalchemy.exc import OperationalError

from billing.fees import quote, season_due
from billing.invoices import issue_invoice
from billing.models import GroupBilling, Invoice, Payment, PaymentSeat
from billing.renewals import due_reminder, lapse_unpaid_memberships, send_renewal_invitations
from billing.services import CheckoutRequest, confirm_payment, create_payment
from common.db import utcnow
from common.versions import EVERY_GROUP
from groups.models import Group, Membership, seat_fee
from groups.seasons import Season, current_season
from tests.conftest import outbox_messages


def _ms(db, user) -> Membership:
    ms = db.session.scalars(select(Membership).where(Membership.user_id == user.id)).one()
    db.session.refresh(ms)
    return ms


# -- prices and seasons -----------------------------------------------------------

@pytest.mark.parametrize("fee,rate,includes,net,vat,total", [
    (800_000, 2500, False, 800_000, 200_000, 1_000_000),
    (800_000, 2500, True, 640_000, 160_000, 800_000),
    (999_999, 2500, True, 799_999, 200_000, 999_999),
    (500_000, 0, False, 500_000, 0, 500_000),
])
def test_quote(fee, rate, includes, net, vat, total):
    group = Group(fee_minor=fee, currency="DKK", vat_rate_bp=rate, fee_includes_vat=includes)
    price = quote(group, 1)
    assert (price.net_minor, price.vat_minor, price.total_minor) == (net, vat, total)
    assert quote(group, 3).total_minor == 3 * total
    assert seat_fee(group) == (net, vat, rate)


def _noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, 0, tzinfo=UTC)


def test_current_season_rolls_forward():
    group = Group(season_start=date(2024, 8, 1), season_end=date(2025, 6, 30), fee_minor=1, timezone="Europe/Copenhagen")
    aug_jun = lambda year: Season.through(date(year, 8, 1), date(year + 1, 6, 30))  # noqa: E731
    assert current_season(group, _noon(date(2025, 3, 1))) == aug_jun(2024)
    assert current_season(group, _noon(date(2025, 7, 10))) == aug_jun(2025)  # the July break: the coming one
    assert current_season(group, _noon(date(2027, 1, 1))) == aug_jun(2026)
    # Without dates: 1 August to 31 July (no longer the calendar year).
    plain = Group(fee_minor=1, timezone="Europe/Copenhagen")
    assert current_season(plain, _noon(date(2027, 5, 5))) == Season(date(2026, 8, 1), date(2027, 8, 1))


def test_season_due_rules():
    group = Group(season_start=date(2026, 8, 1), season_end=date(2027, 6, 30), fee_minor=100,
                  timezone="Europe/Copenhagen")
    this, coming = Season.through(date(2026, 8, 1), date(2027, 6, 30)), Season.through(date(2027, 8, 1), date(2028, 6, 30))
    ms = Membership(role="member", status="approved")
    assert season_due(group, ms, _noon(date(2026, 9, 1))) == this
    paid = Membership(role="member", status="active", paid_through=date(2027, 6, 30))
    assert season_due(group, paid, _noon(date(2026, 9, 1))) is None
    assert season_due(group, paid, _noon(date(2027, 5, 30))) is None  # 31 days before the last day
    assert season_due(group, paid, _noon(date(2027, 5, 31))) == coming  # renewal window
    assert season_due(group, paid, _noon(date(2027, 7, 10))) == coming  # in the break
    behind = Membership(role="member", status="active", paid_through=date(2026, 6, 30))
    assert season_due(group, behind, _noon(date(2026, 9, 1))) == this
    assert season_due(group, Membership(role="host", status="active"), _noon(date(2026, 9, 1))) is None


def test_a_member_who_joined_in_the_renewal_window_is_not_asked_to_renew_yet():
    """Joined (and paid) 20 days before the season's last day: no request for the next
    season's fee until it begins; one who joined before the window is asked as usual."""
    group = Group(season_start=date(2026, 8, 1), season_end=date(2027, 6, 30), fee_minor=100,
                  timezone="Europe/Copenhagen")
    this, coming = Season.through(date(2026, 8, 1), date(2027, 6, 30)), Season.through(date(2027, 8, 1), date(2028, 6, 30))
    late = Membership(role="member", status="active", paid_through=date(2027, 6, 30), joined_at=_noon(date(2027, 6, 10)))
    early = Membership(role="member", status="active", paid_through=date(2027, 6, 30), joined_at=_noon(date(2027, 5, 30)))
    assert season_due(group, late, _noon(date(2027, 6, 11))) is None
    assert season_due(group, late, _noon(date(2027, 6, 29))) is None
    assert season_due(group, early, _noon(date(2027, 6, 11))) == coming
    assert season_due(group, late, _noon(date(2027, 8, 2))) == coming  # the next season has begun
    assert this != coming


def test_season_due_without_dates_on_december_2():
    """Issue 12's member: joining on 2 December pays for the season through 31 July."""
    group = Group(fee_minor=1_000_000, timezone="Europe/Copenhagen")
    due = season_due(group, Membership(role="member", status="approved"), _noon(date(2026, 12, 2)))
    assert due == Season(date(2026, 8, 1), date(2027, 8, 1)) and due.last_day == date(2027, 7, 31)


# -- invoice numbers -------------------------------------------------------------

def test_invoice_numbers_sequential_without_gaps_under_concurrency(app, db, season_group, make_member, make_user):
    """Eight threads issue invoices at once: numbers 1..8, each once; a rolled-back issue leaves no gap."""
    group, _host = season_group()
    other_group, _ = season_group()
    payment_ids = []
    for _ in range(8):
        member = make_member(group, status="approved")
        ms = _ms(db, member)
        p = create_payment(CheckoutRequest(group=group, payer=member, memberships=[ms],
                                           season=current_season(group, utcnow()), provider="invoice"))
        payment_ids.append(p.id)
    db.session.commit()
    # A rolled-back issuance must not burn a number.
    first = db.session.get(Payment, payment_ids[0])
    issue_invoice(first, group, [], date.today())
    db.session.rollback()
    group_id, other_id = group.id, other_group.id
    db.session.remove()

    errors: list[BaseException] = []
    barrier = threading.Barrier(len(payment_ids))

    def worker(pid: int) -> None:
        with app.app_context():
            barrier.wait()
            for _attempt in range(20):
                try:
                    payment = db.session.get(Payment, pid)
                    issue_invoice(payment, db.session.get(Group, group_id), [], date.today())
                    db.session.commit()
                    return
                except OperationalError:  # SQLite "database is locked": the writer retries
                    db.session.rollback()
                except BaseException as exc:  # noqa: BLE001
                    errors.append(exc)
                    db.session.rollback()
                    return
            errors.append(RuntimeError("gave up"))

    threads = [threading.Thread(target=worker, args=(pid,)) for pid in payment_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors
    sequences = sorted(db.session.scalars(select(Invoice.sequence).where(Invoice.group_id == group_id)))
    assert sequences == list(range(1, 9))
    numbers = set(db.session.scalars(select(Invoice.number)))
    assert len(numbers) == 8 and f"NQ{group_id}-00001" in numbers
    # another seller has its own sequence
    other_group = db.session.get(Group, other_id)
    member = make_member(other_group, status="approved")
    p = create_payment(CheckoutRequest(group=other_group, payer=member, memberships=[_ms(db, member)],
                                       season=current_season(other_group, utcnow()), provider="invoice"))
    assert issue_invoice(p, other_group, [], date.today()).sequence == 1


# -- fulfilment ----------------------------------------------------------------------

def test_confirm_is_idempotent_and_renewal_extends_paid_through(db, season_group, make_member):
    group, _ = season_group(season_start=date(2026, 8, 1), season_end=date(2027, 6, 30))
    member = make_member(group, status="active")
    ms = _ms(db, member)
    ms.paid_through = date(2027, 6, 30)
    db.session.commit()
    p = create_payment(CheckoutRequest(group=group, payer=member, memberships=[ms],
                                       season=Season.through(date(2027, 8, 1), date(2028, 6, 30)),
                                       provider="invoice"))
    assert confirm_payment(p.id) is True
    assert confirm_payment(p.id) is False
    assert _ms(db, member).paid_through == date(2028, 6, 30)


# -- renewals and lapse ------------------------------------------------------------

def _paid_member(db, group, make_member, paid_through: date):
    member = make_member(group, status="active")
    ms = _ms(db, member)
    ms.paid_through = paid_through
    db.session.commit()
    return member


@pytest.mark.parametrize("days,expected", [(31, None), (30, 30), (12, 30), (7, 7), (2, 7), (1, 1), (0, 1), (-1, None)])
def test_due_reminder(days, expected):
    assert due_reminder(days) == expected


def test_renewal_invitations_30_7_1_days_before_sent_once(db, season_group, make_member):
    group, _ = season_group(season_start=date(2026, 8, 1), season_end=date(2027, 6, 30))
    member = _paid_member(db, group, make_member, date(2027, 6, 30))
    renewed = _paid_member(db, group, make_member, date(2028, 6, 30))
    at = lambda d: datetime(2027, d[0], d[1], 9, 0, tzinfo=UTC)  # noqa: E731
    assert send_renewal_invitations(at((5, 30))) == 0  # 31 days before
    assert send_renewal_invitations(at((5, 31))) == 1  # 30 days
    assert send_renewal_invitations(at((5, 31))) == 0  # cron again: nothing twice
    assert send_renewal_invitations(at((6, 10))) == 0  # 30-day one already sent
    assert send_renewal_invitations(at((6, 23))) == 1  # 7 days
    assert send_renewal_invitations(at((6, 29))) == 1  # 1 day
    assert send_renewal_invitations(at((6, 29))) == 0
    messages = outbox_messages(to=member.email)
    assert [m.context["days"] for m in messages] == [30, 7, 1]
    assert all("/pay" in m.context["url"] for m in messages)
    assert outbox_messages(to=renewed.email) == []


def test_no_renewal_invitation_right_after_joining(db, season_group, make_member):
    from groups.models import Membership as M

    group, _ = season_group(season_start=date(2026, 8, 1), season_end=date(2027, 6, 30))
    newcomer = _paid_member(db, group, make_member, date(2027, 6, 30))
    membership = db.session.scalars(select(M).where(M.user_id == newcomer.id)).one()
    membership.joined_at = datetime(2027, 6, 12, 9, 0, tzinfo=UTC)  # joined in the window
    db.session.commit()
    assert send_renewal_invitations(datetime(2027, 6, 23, 9, 0, tzinfo=UTC)) == 0  # the 7-day reminder
    assert outbox_messages(to=newcomer.email) == []


@freeze_time("2027-08-10 10:00:00")
def test_lapse_after_grace_period_keeps_data(client, auth, db, season_group, make_member):
    group, _ = season_group(season_start=date(2026, 8, 1), season_end=date(2027, 6, 30))
    unpaid = _paid_member(db, group, make_member, date(2027, 6, 30))
    paid = _paid_member(db, group, make_member, date(2028, 6, 30))
    assert lapse_unpaid_memberships(datetime(2027, 8, 14, tzinfo=UTC)) == 0  # day 13 of grace
    assert lapse_unpaid_memberships(datetime(2027, 8, 15, tzinfo=UTC)) == 1  # 14 days in
    assert lapse_unpaid_memberships(datetime(2027, 8, 16, tzinfo=UTC)) == 0
    assert _ms(db, unpaid).status == "lapsed" and _ms(db, paid).status == "active"
    assert _ms(db, unpaid).paid_through == date(2027, 6, 30)  # history kept
    assert [m.template for m in outbox_messages(to=unpaid.email)] == ["renewal_lapsed"]
    auth.login(unpaid)
    page = client.get(f"/groups/{group.slug}/pay")
    assert page.status_code == 200 and "2027" in page.get_data(as_text=True)
    group_page = client.get(f"/groups/{group.slug}").get_data(as_text=True)
    assert "Your membership has lapsed" in group_page
    dashboard = client.get("/").get_data(as_text=True)
    assert "has lapsed" in dashboard and f"/groups/{group.slug}/pay" in dashboard


def test_lapse_respects_group_grace_setting(db, season_group, make_member):
    group, _ = season_group(season_start=date(2026, 8, 1), season_end=date(2027, 6, 30))
    db.session.add(GroupBilling(group_id=group.id, grace_days=3))
    db.session.commit()
    _paid_member(db, group, make_member, date(2027, 6, 30))
    assert lapse_unpaid_memberships(datetime(2027, 8, 3, tzinfo=UTC)) == 0
    assert lapse_unpaid_memberships(datetime(2027, 8, 4, tzinfo=UTC)) == 1


def test_flask_tick_runs_billing_tasks(runner, db, season_group, make_member):
    group, _ = season_group(season_start=date(2026, 8, 1), season_end=date(2027, 6, 30))
    _paid_member(db, group, make_member, date(2027, 6, 30))
    with freeze_time("2027-06-23 08:00:00"):
        result = runner.invoke(args=["tick"])
    assert '"billing.renewals.send_renewal_invitations": 1' in result.output


# -- GDPR: bookkeeping survives account deletion ----------------------------------------

def test_payment_and_invoice_survive_account_deletion(db, season_group, make_member):
    from members.models import User

    group, _ = season_group()
    member = make_member(group, status="approved", name="Gone Member")
    ms = _ms(db, member)
    p = create_payment(CheckoutRequest(group=group, payer=member, memberships=[ms],
                                       season=current_season(group, utcnow()), provider="invoice"))
    issue_invoice(p, group, [], date.today())
    confirm_payment(p.id)
    db.session.commit()
    user_id, payment_id = member.id, p.id
    db.session.execute(delete(Membership).where(Membership.user_id == user_id).execution_options(nq_group=EVERY_GROUP))
    db.session.execute(delete(User).where(User.id == user_id).execution_options(nq_group=EVERY_GROUP))
    db.session.commit()
    db.session.expire_all()
    payment = db.session.get(Payment, payment_id)
    assert payment is not None and payment.payer_name == "Gone Member" and payment.status == "paid"
    assert db.session.scalar(select(func.count(Invoice.id))) == 1
    seat = db.session.scalars(select(PaymentSeat)).one()
    assert seat.member_name == "Gone Member"
    if db.engine.dialect.name == "postgresql":  # FKs enforced: references are nulled, rows kept
        assert payment.user_id is None and seat.membership_id is None


def test_payments_survive_privacy_delete_account(client, auth, db, season_group, make_member):
    """The member's own "delete my account" keeps invoices and payments (Bookkeeping Act)."""
    from members.privacy import delete_account

    group, _ = season_group()
    member = make_member(group, status="approved", name="Kept Name")
    ms = _ms(db, member)
    p = create_payment(CheckoutRequest(group=group, payer=member, memberships=[ms],
                                       season=current_season(group, utcnow()), provider="invoice"))
    issue_invoice(p, group, [], date.today())
    confirm_payment(p.id)
    db.session.commit()
    payment_id, email = p.id, member.email
    delete_account(member)
    db.session.commit()
    db.session.expire_all()
    payment = db.session.get(Payment, payment_id)
    assert payment.status == "paid" and payment.payer_name == "Kept Name" and payment.payer_email == email
    assert db.session.scalars(select(Invoice)).one().buyer["name"] == "Kept Name"
