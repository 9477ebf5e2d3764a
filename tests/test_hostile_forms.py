"""Every host and member form sent hostile values (QUALITY 14, issue 11 part 6).

Each form is described once in ``CASES``: where it is posted, who is signed
in, a set of valid values, and the kind of each field. For every field and
every hostile value of its kind the base values are posted with that one
field replaced; the answer must be a form error (the field's error shown
next to it, or a flashed error after a redirect, or a 4xx), never a 500, and
the database must be exactly as before the request (every row of every
table compared).

``test_base_values_are_accepted`` shows that each case's base values are
valid (they are accepted and change the database), so a hostile value that
is refused is refused for itself. ``test_every_form_field_is_attacked``
fails when a form or a field is added without a line here, and
``test_every_form_refuses_nul_bytes_and_over_long_text`` when a form does not
derive from ``common.forms.Form`` or a text field has no maximum length.

URLs (path and query string) are swept too: NUL bytes and huge numbers.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property
from typing import Any

import pytest
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, FileField, HiddenField, StringField, SubmitField

from common.db import utcnow
from tests.conftest import PASSWORD, csrf_token

NUL = "ab\x00cd"
LONG = "x" * 10_000
DIGITS_40 = "9" * 40
DIGITS_400 = "9" * 400

# What is sent to a field of each kind. Text fields take any characters, so
# only NUL bytes and over-long values are hostile to them; numbers, dates and
# choices get every odd number.
_ODD_NUMBERS = {
    "1e30": "1e30", "infinity": "Infinity", "-infinity": "-Infinity", "nan": "NaN", "snan": "sNaN",
    "40-digits": DIGITS_40, "400-digits": DIGITS_400,
}
HOSTILE: dict[str, dict[str, str]] = {
    "text": {"nul": NUL, "10k-chars": LONG},
    "email": {"nul": "a\x00b@example.com", "10k-chars": "x" * 10_000 + "@example.com"},
    "url": {"nul": "https://example.com/\x00", "10k-chars": "https://example.com/" + LONG},
    "number": {**_ODD_NUMBERS, "negative": "-1", "negative-40-digits": "-" + DIGITS_40,
               "nul": "1\x002", "10k-digits": "9" * 10_000},
    "choice": {**_ODD_NUMBERS, "negative": "-99", "nul": NUL, "10k-chars": LONG},
    "date": {"year-1": "0001-01-01", "year-9999": "9999-12-31", **_ODD_NUMBERS, "negative": "-1",
             "nul": "2030-01-01\x00", "10k-chars": LONG},
    "datetime": {"year-1": "0001-01-01T00:00", "year-9999": "9999-12-31T23:59", **_ODD_NUMBERS,
                 "negative": "-1", "nul": "2030-01-01T10:00\x00", "10k-chars": LONG},
    "month": {"year-1": "0001-01", "year-9999": "9999-12", **_ODD_NUMBERS, "negative": "-1",
              "nul": "2030-01\x00", "10k-chars": LONG},
    "time": {"24:00": "24:00", **_ODD_NUMBERS, "negative": "-1", "nul": "10:00\x00", "10k-chars": LONG},
    # The one value a button posts (read from request.form, not a WTForm).
    "button": {"empty": "", "nan": "NaN", "40-digits": DIGITS_40, "nul": NUL, "10k-chars": LONG},
}


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


@dataclass(frozen=True)
class FormCase:
    """One form: where it is posted, by whom, with which valid values, and its fields' kinds."""

    name: str
    form: str | None  # "module:Class", for the completeness check; None for a button
    who: str | None  # a World attribute, or None for anonymous
    url: Callable[[World], str]
    base: Callable[[World], dict[str, Any]]
    fields: dict[str, str]  # field name → kind (a key of HOSTILE)
    page: Callable[[World], str] | None = None  # where the CSRF token is taken; default: url
    flashes: bool = False  # errors come as a flashed message after a redirect
    extra: dict[str, dict[str, str]] = field(default_factory=dict)  # field → more hostile values


def _group(w: World, suffix: str = "") -> str:
    return f"/groups/{w.group.slug}{suffix}"


def _group_settings(w: World) -> dict[str, Any]:
    return {
        "name": "Aarhus Founders", "slug": "", "description": "Founders who sell B2B.", "city": "Aarhus",
        "timezone": "Europe/Copenhagen", "currency": "DKK", "fee": "8000.50", "season_start": "2030-08-01",
        "season_end": "2031-06-30", "member_cap": "25", "visibility": "public", "join_policy": "apply",
    }


_GROUP_FIELDS = {
    "name": "text", "slug": "text", "description": "text", "city": "text", "timezone": "text",
    "currency": "choice", "fee": "number", "season_start": "date", "season_end": "date",
    "member_cap": "number", "visibility": "choice", "join_policy": "choice",
}
_DETAILS = {"place": "text", "address": "text", "map_url": "url", "speaker": "text", "agenda": "text",
            "capacity": "number"}
_DETAILS_BASE = {"place": "Kødbyens Kantine", "address": "Flæsketorvet 1", "map_url": "https://maps.example.com/x",
                 "speaker": "Mette Holm", "agenda": "Talk, dinner", "capacity": "30"}


def _meetup_values(deadline: str) -> Callable[[World], dict[str, Any]]:
    return lambda _w: {"title": "Spring meetup", "starts_at": "2030-03-12T17:00", "ends_at": "2030-03-12T19:30",
                       "rsvp_deadline": deadline, **_DETAILS_BASE}


_MEETUP_FIELDS = {"title": "text", "starts_at": "datetime", "ends_at": "datetime", "rsvp_deadline": "datetime",
                  **_DETAILS}
_NEW_PASSWORD = "violet submarine drifts at noon"

CASES: list[FormCase] = [
    # groups/
    FormCase("group-create", "groups.forms:GroupForm", "member", lambda w: "/groups/new", _group_settings,
             _GROUP_FIELDS),
    FormCase("group-settings", "groups.forms:GroupForm", "host", lambda w: _group(w, "/admin/settings"),
             _group_settings, _GROUP_FIELDS),
    FormCase("apply", "groups.forms:ApplyForm", "outsider", lambda w: _group(w, "/apply"),
             lambda w: {"motivation": "New customers.", "contribution": "Ten years of SaaS sales."},
             {"motivation": "text", "contribution": "text"}),
    FormCase("invite", "groups.forms:InviteForm", "host", lambda w: _group(w, "/admin/invites"),
             lambda w: {"email": "new.member@example.com"}, {"email": "email"}),
    # meetups/
    FormCase("meetup-new", "meetups.forms:MeetupForm", "host", lambda w: _group(w, "/admin/meetups/new"),
             _meetup_values(""), _MEETUP_FIELDS),
    FormCase("meetup-edit", "meetups.forms:MeetupForm", "host",
             lambda w: _group(w, f"/admin/meetups/{w.upcoming.id}/edit"), _meetup_values("2030-03-11T12:00"), _MEETUP_FIELDS),
    FormCase("season", "meetups.forms:SeasonForm", "host", lambda w: _group(w, "/admin/meetups/season"),
             lambda w: {"action": "save", "title": "Monthly meetup", "first_month": "2030-01",
                        "last_month": "2030-06", "ordinal": "2", "weekday": "1", "start_time": "17:00",
                        "end_time": "19:30", "skip_months": ["7"], **_DETAILS_BASE},
             {"title": "text", "first_month": "month", "last_month": "month", "ordinal": "choice",
              "weekday": "choice", "start_time": "time", "end_time": "time", "skip_months": "choice", **_DETAILS}),
    FormCase("announcement", "meetups.forms:AnnouncementForm", "host", lambda w: _group(w, "/admin/message"),
             lambda w: {"subject": "Dinner moved", "body": "We meet at 18:00."},
             {"subject": "text", "body": "text"},
             # 10,000 characters is the body's limit: one more is refused.
             extra={"body": {"10k-chars": "x" * 10_001}}),
    FormCase("absence-rule", "meetups.forms:AbsenceRuleForm", "host", lambda w: _group(w, "/admin/attendance/members"),
             lambda w: {"absence_limit": "3", "absence_months": "6"},
             {"absence_limit": "number", "absence_months": "number"}),
    FormCase("walk-in", "meetups.forms:WalkInForm", "host",
             lambda w: _group(w, f"/admin/meetups/{w.now_meetup.id}/walk-in"),
             lambda w: {"user_id": str(w.member3.id)}, {"user_id": "choice"},
             page=lambda w: _group(w, f"/admin/meetups/{w.now_meetup.id}/attendance"), flashes=True),
    FormCase("self-check-in", "meetups.forms:SelfCheckInForm", "member",
             lambda w: _group(w, f"/meetups/{w.now_meetup.id}/check-in"),
             lambda w: {"code": w.now_meetup.checkin_code}, {"code": "text"},
             extra={"code": {"non-ascii": "ÆØÅ4PQ", "lower-non-ascii": "k7m4pqé"}}),
    # ratings/
    FormCase("rating", "ratings.forms:RatingForm", "member",
             lambda w: _group(w, f"/meetups/{w.past_meetup.id}/rate"),
             lambda w: {"fit": "4", "chemistry": "5", "worth_time": "yes", "gave_help": "no", "got_help": "yes",
                        "renewal_intent": "yes", "clicked": [str(w.member2.id)], "comment": "Great dinner."},
             {"fit": "choice", "chemistry": "choice", "worth_time": "choice", "gave_help": "choice",
              "got_help": "choice", "renewal_intent": "choice", "clicked": "choice", "comment": "text"}),
    FormCase("outcome", "ratings.forms:OutcomeForm", "member", lambda w: _group(w, "/outcomes/new"),
             lambda w: {"kind": "deal", "value": "25000.50", "credited_user_id": str(w.member2.id),
                        "introduction_id": "0", "note": "Signed a pilot."},
             {"kind": "choice", "value": "number", "credited_user_id": "choice", "introduction_id": "choice",
              "note": "text"}),
    FormCase("introduction", "ratings.forms:IntroductionForm", "member", lambda w: _group(w, "/introductions/new"),
             lambda w: {"member_a_id": str(w.member2.id), "member_b_id": str(w.member3.id),
                        "reason": "Both sell to banks."},
             {"member_a_id": "choice", "member_b_id": "choice", "reason": "text"}),
    # members/
    FormCase("register", "members.forms:RegisterForm", None, lambda w: "/register",
             lambda w: {"name": "Nina New", "email": "nina@example.com", "password": _NEW_PASSWORD},
             {"name": "text", "email": "email", "password": "text"}),
    FormCase("login", "members.forms:LoginForm", None, lambda w: "/login",
             lambda w: {"email": w.member.email, "password": PASSWORD}, {"email": "email", "password": "text"}),
    FormCase("reset-request", "members.forms:ResetRequestForm", None, lambda w: "/reset-password",
             lambda w: {"email": w.member.email}, {"email": "email"}),
    FormCase("reset-password", "members.forms:NewPasswordForm", None,
             lambda w: f"/reset-password/{w.reset_token}", lambda w: {"password": _NEW_PASSWORD},
             {"password": "text"}),
    FormCase("change-password", "members.forms:ChangePasswordForm", "member", lambda w: "/account/password",
             lambda w: {"current_password": PASSWORD, "password": _NEW_PASSWORD},
             {"current_password": "text", "password": "text"}),
    FormCase("change-email", "members.forms:ChangeEmailForm", "member", lambda w: "/account/email",
             lambda w: {"current_password": PASSWORD, "email": "mads.new@example.com"},
             {"current_password": "text", "email": "email"}),
    FormCase("profile", "members.forms:ProfileForm", "member", lambda w: "/profile",
             lambda w: {"name": "Mads Madsen", "headline": "CFO at Nordlys", "company_name": "Nordlys ApS",
                        "company_vat": "DK12345678", "company_billing_email": "billing@nordlys.example",
                        "industry": "Energy", "bio": "Scaling B2B SaaS.", "purposes": ["sales", "partners"],
                        "offers_tags": "cloud, boards", "offers_text": "Board experience.",
                        "seeks_tags": "CFO network", "seeks_text": "First customers in Germany.",
                        "linkedin_url": "https://www.linkedin.com/in/mads", "phone": "+45 1234 5678"},
             {"name": "text", "headline": "text", "company_name": "text", "company_vat": "text",
              "company_billing_email": "email", "industry": "text", "bio": "text", "purposes": "choice",
              "offers_tags": "text", "offers_text": "text", "seeks_tags": "text", "seeks_text": "text",
              "linkedin_url": "url", "phone": "text"}),
    FormCase("delete-account", "members.forms:DeleteAccountForm", "member", lambda w: "/account/delete",
             lambda w: {"current_password": PASSWORD, "confirm": "y"}, {"current_password": "text"},
             page=lambda w: "/account"),
    # billing/
    FormCase("checkout", "billing.forms:CheckoutForm", "approved", lambda w: _group(w, "/pay"),
             lambda w: {"payer_kind": "company", "company_name": "Nordlys ApS", "company_vat": "DK12345678",
                        "company_email": "billing@nordlys.example", "company_address": "Havnegade 1",
                        "po_reference": "PO-7", "provider": "invoice"},
             {"payer_kind": "choice", "company_name": "text", "company_vat": "text", "company_email": "email",
              "company_address": "text", "po_reference": "text", "colleagues": "choice", "provider": "choice"}),
    FormCase("refund", "billing.forms:RefundForm", "host",
             lambda w: _group(w, f"/admin/payments/{w.payment.id}/refund"),
             lambda w: {"amount": "100.50", "reason": "Moved abroad."}, {"amount": "number", "reason": "text"},
             page=lambda w: _group(w, f"/admin/payments/{w.payment.id}"), flashes=True),
    FormCase("billing-settings", "billing.forms:BillingSettingsForm", "host", lambda w: _group(w, "/admin/billing"),
             lambda w: {"legal_name": "Founders ApS", "cvr": "12345678", "address": "Havnegade 1",
                        "email": "billing@founders.example", "bank_account": "1234 5678901234",
                        "iban": "DK5000400440116243", "vat_rate": "25.00", "fee_includes_vat": "y",
                        "payment_terms_days": "14", "grace_days": "30", "included_text": "Ten dinners."},
             {"legal_name": "text", "cvr": "text", "address": "text", "email": "email", "bank_account": "text",
              "iban": "text", "vat_rate": "number", "payment_terms_days": "number", "grace_days": "number",
              "included_text": "text"}),
    # Buttons whose one value the view reads itself.
    FormCase("rsvp", None, "member", lambda w: _group(w, f"/meetups/{w.upcoming.id}/rsvp"),
             lambda w: {"response": "going"}, {"response": "button"},
             page=lambda w: _group(w, f"/meetups/{w.upcoming.id}")),
    FormCase("set-role", None, "host", lambda w: _group(w, f"/admin/members/{w.member_membership_id}/role"),
             lambda w: {"role": "co-host"}, {"role": "button"}, page=lambda w: _group(w, "/admin/members"),
             flashes=True),
    FormCase("introduction-answer", None, "member", lambda w: f"/introductions/{w.introduction.id}/respond",
             lambda w: {"answer": "accept"}, {"answer": "button"}, page=lambda w: "/connections"),
]

# Forms whose fields take no typed values, so have nothing to attack.
NOTHING_TO_ATTACK = {"groups.forms:ConfirmForm", "members.forms:PhotoForm"}


def _hostile_params() -> list:
    params = []
    for case in CASES:
        for name, kind in case.fields.items():
            values = {**HOSTILE[kind], **case.extra.get(name, {})}
            for label, value in values.items():
                params.append(pytest.param(case, name, value, id=f"{case.name}-{name}-{label}"))
    return params


@pytest.fixture
def world(client, auth, db, make_user, make_group, make_member, make_meetup, make_rsvp) -> World:
    return World(client, auth, db, make_user, make_group, make_member, make_meetup, make_rsvp)


def db_snapshot(db) -> dict[str, list[tuple]]:
    """Every row of every table, in primary-key order."""
    db.session.commit()
    return {
        table.name: [tuple(row) for row in db.session.execute(select(table).order_by(*table.primary_key.columns))]
        for table in db.metadata.sorted_tables
    }


def _prepare(case: FormCase, world: World) -> tuple[str, dict[str, Any]]:
    """Sign in, build the URL and base values, and take the form's CSRF token."""
    url, base = case.url(world), case.base(world)
    if case.who is not None:
        world.auth.login(getattr(world, case.who))
    token = csrf_token(world.client, case.page(world) if case.page else url)
    return url, {**base, "csrf_token": token}


def _shows_error(case: FormCase, response, client, name: str) -> bool:
    if response.status_code not in (200, 302, 422):
        return 400 <= response.status_code < 500  # a malformed request
    if case.flashes:
        assert response.status_code == 302, response.status_code
        return 'class="alert alert--error"' in client.get(response.headers["Location"]).get_data(as_text=True)
    html = response.get_data(as_text=True)
    # Next to the field, or (for a field the page does not draw) in the summary above the form.
    return f'id="{name}-error"' in html or f'<a href="#{name}">' in html


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_base_values_are_accepted(case: FormCase, world: World, db) -> None:
    url, data = _prepare(case, world)
    before = db_snapshot(db)
    response = world.client.post(url, data=data)
    html = response.get_data(as_text=True)
    assert response.status_code in (200, 302), response.status_code
    assert '-error"' not in html and "alert--error" not in html
    if case.flashes:
        assert "alert--error" not in world.client.get(response.headers["Location"]).get_data(as_text=True)
    assert db_snapshot(db) != before, "the valid values changed nothing"


@pytest.mark.parametrize("case,name,value", _hostile_params())
def test_hostile_value_is_a_form_error(case: FormCase, name: str, value: str, world: World, db) -> None:
    url, data = _prepare(case, world)
    data[name] = value
    before = db_snapshot(db)
    response = world.client.post(url, data=data)
    assert response.status_code < 500, f"{response.status_code} for {name}={value[:40]!r}"
    assert _shows_error(case, response, world.client, name), f"no error shown for {name}={value[:40]!r}"
    assert db_snapshot(db) == before, f"{name}={value[:40]!r} changed the database"


def _form_classes() -> dict[str, type]:
    """Every form class of NQ ("module:Class"): the app has imported them all through its views."""
    found: dict[str, type] = {}
    pending = [FlaskForm]
    while pending:
        for sub in pending.pop().__subclasses__():
            pending.append(sub)
            if not sub.__module__.startswith(("tests.", "flask_wtf", "common.forms")):
                found[f"{sub.__module__}:{sub.__name__}"] = sub
    return found


def test_every_form_refuses_nul_bytes_and_over_long_text(app) -> None:
    """Each form derives from common.forms.Form (the NUL rule), and each text field has a maximum length."""
    from common.forms import Form
    from members.forms import StrongPassword

    with app.test_request_context():
        for key, form_class in _form_classes().items():
            assert issubclass(form_class, Form), f"{key} is not a common.forms.Form"
            for f in form_class(meta={"csrf": False}):
                if isinstance(f, StringField) and not isinstance(f, HiddenField):
                    assert any(getattr(v, "max", -1) > 0 or isinstance(v, StrongPassword) for v in f.validators), (
                        f"{key}.{f.name} has no maximum length")


def test_every_form_field_is_attacked(app) -> None:
    attacked: dict[str, set[str]] = {}
    for case in CASES:
        if case.form is not None:
            attacked.setdefault(case.form, set()).update(case.fields)
    untyped = (BooleanField, FileField, HiddenField, SubmitField)
    with app.test_request_context():
        for key, form_class in _form_classes().items():
            if key in NOTHING_TO_ATTACK:
                continue
            form = form_class(meta={"csrf": False})
            typed = {f.name for f in form if not isinstance(f, untyped)}
            assert key in attacked, f"{key} has no case in CASES"
            assert typed <= attacked[key], f"{key}: {sorted(typed - attacked[key])} are not attacked"


# URLs --------------------------------------------------------------------------

@dataclass(frozen=True)
class UrlCase:
    name: str
    who: str | None
    url: Callable[[World], str]
    query: dict[str, str] = field(default_factory=dict)


URL_CASES = [
    UrlCase("directory-q-nul", "member", lambda w: _group(w, "/members"), {"q": NUL}),
    UrlCase("directory-tag-nul", "member", lambda w: _group(w, "/members"), {"tag": NUL}),
    UrlCase("attendance-q-nul", "host", lambda w: _group(w, f"/admin/meetups/{w.now_meetup.id}/attendance"),
            {"q": NUL}),
    UrlCase("members-show-nul", "host", lambda w: _group(w, "/admin/members"), {"show": NUL}),
    UrlCase("groups-page-40-digits", None, lambda w: "/groups", {"page": DIGITS_40}),
    UrlCase("groups-page-nul", None, lambda w: "/groups", {"page": "1\x00"}),
    UrlCase("groups-page-superscript", None, lambda w: "/groups", {"page": "²"}),
    UrlCase("groups-page-10k-digits", None, lambda w: "/groups", {"page": "9" * 10_000}),
    UrlCase("audit-page-40-digits", "host", lambda w: _group(w, "/admin/audit"), {"page": DIGITS_40}),
    UrlCase("audit-page-superscript", "host", lambda w: _group(w, "/admin/audit"), {"page": "²"}),
    UrlCase("value-season-40-digits", "host", lambda w: _group(w, "/value"), {"season": DIGITS_40}),
    UrlCase("value-view-nul", "host", lambda w: _group(w, "/value"), {"view": NUL}),
    UrlCase("payments-season-year-1", "host", lambda w: _group(w, "/admin/payments"), {"season": "0001-01-01"}),
    UrlCase("payments-season-year-9999", "host", lambda w: _group(w, "/admin/payments"),
            {"season": "9999-12-31"}),
    UrlCase("payments-season-nul", "host", lambda w: _group(w, "/admin/payments"), {"season": "2030-08-01\x00"}),
    UrlCase("check-in-code-nul", "member", lambda w: _group(w, f"/meetups/{w.now_meetup.id}/check-in"),
            {"code": NUL}),
    UrlCase("rate-token-nul", None, lambda w: _group(w, f"/meetups/{w.past_meetup.id}/rate"), {"t": NUL}),
    UrlCase("pay-success-session-nul", "approved", lambda w: _group(w, "/pay/success"), {"session_id": NUL}),
    UrlCase("login-next-nul", None, lambda w: "/login", {"next": "/\x00"}),
    UrlCase("group-slug-nul", None, lambda w: "/groups/a%00b"),
    UrlCase("calendar-token-nul", None, lambda w: "/calendar/a%00b.ics"),
    UrlCase("invite-token-nul", None, lambda w: "/invite/a%00b"),
    UrlCase("invoice-number-nul", "member", lambda w: "/invoices/a%00b"),
]


@pytest.mark.parametrize("case", URL_CASES, ids=[c.name for c in URL_CASES])
def test_hostile_url_is_never_a_server_error(case: UrlCase, world: World, db) -> None:
    url = case.url(world)
    if case.who is not None:
        world.auth.login(getattr(world, case.who))
    before = db_snapshot(db)
    response = world.client.get(url, query_string=case.query)
    assert response.status_code < 500, response.status_code
    if "%00" in url or any("\x00" in value for value in case.query.values()):
        assert response.status_code == 400  # a malformed request (common.web.refuse_nul_bytes_in_url)
    assert db_snapshot(db) == before
