"""Hostile values in the forms members and visitors post, one case per form (see __init__.py)."""
from __future__ import annotations

import pytest

from tests.conftest import PASSWORD
from tests.hostile.sweep import (
    FormCase,
    assert_base_values_accepted,
    assert_hostile_value_refused,
    group_url,
    hostile_params,
)
from tests.hostile.world import World

_NEW_PASSWORD = "violet submarine drifts at noon"

MEMBER_CASES: list[FormCase] = [
    # groups/
    FormCase("apply", "groups.forms:ApplyForm", "outsider", lambda w: group_url(w, "/apply"),
             lambda w: {"motivation": "New customers.", "contribution": "Ten years of SaaS sales."},
             {"motivation": "text", "contribution": "text"}),
    # meetups/
    FormCase("self-check-in", "meetups.forms:SelfCheckInForm", "member",
             lambda w: group_url(w, f"/meetups/{w.now_meetup.id}/check-in"),
             lambda w: {"code": w.now_meetup.checkin_code}, {"code": "text"},
             extra={"code": {"non-ascii": "ÆØÅ4PQ", "lower-non-ascii": "k7m4pqé"}}),
    # ratings/
    FormCase("rating", "ratings.forms:RatingForm", "member",
             lambda w: group_url(w, f"/meetups/{w.past_meetup.id}/rate"),
             lambda w: {"fit": "4", "chemistry": "5", "worth_time": "yes", "gave_help": "no", "got_help": "yes",
                        "renewal_intent": "yes", "clicked": [str(w.member2.id)], "comment": "Great dinner."},
             {"fit": "choice", "chemistry": "choice", "worth_time": "choice", "gave_help": "choice",
              "got_help": "choice", "renewal_intent": "choice", "clicked": "choice", "comment": "text"}),
    FormCase("outcome", "ratings.forms:OutcomeForm", "member", lambda w: group_url(w, "/outcomes/new"),
             lambda w: {"kind": "deal", "value": "25000.50", "credited_user_id": str(w.member2.id),
                        "introduction_id": "0", "note": "Signed a pilot."},
             {"kind": "choice", "value": "number", "credited_user_id": "choice", "introduction_id": "choice",
              "note": "text"}),
    FormCase("introduction", "ratings.forms:IntroductionForm", "member", lambda w: group_url(w, "/introductions/new"),
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
    FormCase("checkout", "billing.forms:CheckoutForm", "approved", lambda w: group_url(w, "/pay"),
             lambda w: {"payer_kind": "company", "company_name": "Nordlys ApS", "company_vat": "DK12345678",
                        "company_email": "billing@nordlys.example", "company_address": "Havnegade 1",
                        "company_ean": "5798000000001", "po_reference": "PO-7", "provider": "invoice"},
             {"payer_kind": "choice", "company_name": "text", "company_vat": "text", "company_email": "email",
              "company_address": "text", "company_ean": "text", "po_reference": "text", "colleagues": "choice", "provider": "choice"}),
    # Buttons whose one value the view reads itself.
    FormCase("rsvp", None, "member", lambda w: group_url(w, f"/meetups/{w.upcoming.id}/rsvp"),
             lambda w: {"response": "going"}, {"response": "button"},
             page=lambda w: group_url(w, f"/meetups/{w.upcoming.id}")),
    FormCase("introduction-answer", None, "member", lambda w: f"/introductions/{w.introduction.id}/respond",
             lambda w: {"answer": "accept"}, {"answer": "button"}, page=lambda w: "/connections"),
]


@pytest.mark.parametrize("case", MEMBER_CASES, ids=[c.name for c in MEMBER_CASES])
def test_base_values_are_accepted(case: FormCase, world: World, db) -> None:
    assert_base_values_accepted(case, world, db)


@pytest.mark.parametrize("case,name,value", hostile_params(MEMBER_CASES))
def test_hostile_value_is_a_form_error(case: FormCase, name: str, value: str, world: World, db) -> None:
    assert_hostile_value_refused(case, name, value, world, db)
