"""Hostile values in the forms that run a group (creating one, too), one case per form (see __init__.py)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.hostile.sweep import (
    FormCase,
    assert_base_values_accepted,
    assert_hostile_value_refused,
    group_url,
    hostile_params,
)
from tests.hostile.world import World


def _group_settings(w: World) -> dict[str, Any]:
    return {
        "name": "Aarhus Founders", "slug": "", "description": "Founders who sell B2B.", "city": "Aarhus",
        "timezone": "Europe/Copenhagen", "currency": "DKK", "fee": "8000.50", "fee_includes_vat": "excl",
        "vat_rate": "25", "season_start": "2030-08-01",
        "season_end": "2031-06-30", "member_cap": "25", "visibility": "public", "join_policy": "apply",
    }


_GROUP_FIELDS = {
    "name": "text", "slug": "text", "description": "text", "city": "text", "timezone": "text",
    "currency": "choice", "fee": "number", "fee_includes_vat": "choice", "vat_rate": "number", "season_start": "date", "season_end": "date",
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

HOST_CASES: list[FormCase] = [
    # groups/
    FormCase("group-create", "groups.forms:NewGroupForm", "member", lambda w: "/groups/new", _group_settings,
             _GROUP_FIELDS),
    FormCase("group-settings", "groups.forms:GroupForm", "host", lambda w: group_url(w, "/admin/settings"),
             _group_settings, _GROUP_FIELDS),
    FormCase("invite", "groups.forms:InviteForm", "host", lambda w: group_url(w, "/admin/invites"),
             lambda w: {"email": "new.member@example.com"}, {"email": "email"}),
    # meetups/
    FormCase("meetup-new", "meetups.forms:MeetupForm", "host", lambda w: group_url(w, "/admin/meetups/new"),
             _meetup_values(""), _MEETUP_FIELDS),
    FormCase("meetup-edit", "meetups.forms:MeetupForm", "host",
             lambda w: group_url(w, f"/admin/meetups/{w.upcoming.id}/edit"), _meetup_values("2030-03-11T12:00"), _MEETUP_FIELDS),
    FormCase("season", "meetups.forms:SeasonForm", "host", lambda w: group_url(w, "/admin/meetups/season"),
             lambda w: {"action": "save", "title": "Monthly meetup", "first_month": "2030-01",
                        "last_month": "2030-06", "ordinal": "2", "weekday": "1", "start_time": "17:00",
                        "end_time": "19:30", "skip_months": ["7"], **_DETAILS_BASE},
             {"title": "text", "first_month": "month", "last_month": "month", "ordinal": "choice",
              "weekday": "choice", "start_time": "time", "end_time": "time", "skip_months": "choice", **_DETAILS}),
    FormCase("announcement", "meetups.forms:AnnouncementForm", "host", lambda w: group_url(w, "/admin/message"),
             lambda w: {"subject": "Dinner moved", "body": "We meet at 18:00."},
             {"subject": "text", "body": "text"},
             # 10,000 characters is the body's limit: one more is refused.
             extra={"body": {"10k-chars": "x" * 10_001}}),
    FormCase("absence-rule", "meetups.forms:AbsenceRuleForm", "host", lambda w: group_url(w, "/admin/attendance/members"),
             lambda w: {"absence_limit": "3", "absence_months": "6"},
             {"absence_limit": "number", "absence_months": "number"}),
    FormCase("walk-in", "meetups.forms:WalkInForm", "host",
             lambda w: group_url(w, f"/admin/meetups/{w.now_meetup.id}/walk-in"),
             lambda w: {"user_id": str(w.member3.id)}, {"user_id": "choice"},
             page=lambda w: group_url(w, f"/admin/meetups/{w.now_meetup.id}/attendance"), flashes=True),
    # sponsors/
    FormCase("sponsor-invite", "sponsors.forms:InviteSponsorForm", "host",
             lambda w: f"/companies/{w.company_payment.company_id}/invite",
             lambda w: {"email": "billing@nordlys.example.com"}, {"email": "email"}),
    # billing/
    FormCase("refund", "billing.forms:RefundForm", "host",
             lambda w: group_url(w, f"/admin/payments/{w.payment.id}/refund"),
             lambda w: {"amount": "100.50", "reason": "Moved abroad."}, {"amount": "number", "reason": "text"},
             page=lambda w: group_url(w, f"/admin/payments/{w.payment.id}"), flashes=True),
    FormCase("billing-settings", "billing.forms:BillingSettingsForm", "host", lambda w: group_url(w, "/admin/billing"),
             lambda w: {"legal_name": "Founders ApS", "cvr": "12345678", "address": "Havnegade 1",
                        "email": "billing@founders.example", "bank_account": "1234 5678901234",
                        "iban": "DK5000400440116243",
                        "payment_terms_days": "14", "grace_days": "30", "included_text": "Ten dinners.",
                        "joining_price": "prorated"},
             {"legal_name": "text", "cvr": "text", "address": "text", "email": "email", "bank_account": "text",
              "iban": "text", "payment_terms_days": "number", "grace_days": "number",
              "included_text": "text", "joining_price": "choice"}),
    # Buttons whose one value the view reads itself.
    FormCase("set-role", None, "host", lambda w: group_url(w, f"/admin/members/{w.member_membership_id}/role"),
             lambda w: {"role": "co-host"}, {"role": "button"}, page=lambda w: group_url(w, "/admin/members"),
             flashes=True),
]


@pytest.mark.parametrize("case", HOST_CASES, ids=[c.name for c in HOST_CASES])
def test_base_values_are_accepted(case: FormCase, world: World, db) -> None:
    assert_base_values_accepted(case, world, db)


@pytest.mark.parametrize("case,name,value", hostile_params(HOST_CASES))
def test_hostile_value_is_a_form_error(case: FormCase, name: str, value: str, world: World, db) -> None:
    assert_hostile_value_refused(case, name, value, world, db)
