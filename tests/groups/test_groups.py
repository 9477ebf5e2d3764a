"""Creating and configuring groups, the public listing and the group page."""
from __future__ import annotations

import re
from datetime import date

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from common.audit import AuditEntry
from groups.models import Group, Membership
from tests.helpers import page_queries
from tests.members.helpers import post_form

VALID = {
    "name": "Odense Founders",
    "slug": "odense-founders",
    "description": "Founders in Funen.",
    "city": "Odense",
    "timezone": "Europe/Copenhagen",
    "currency": "DKK",
    "fee": "6500",
    "fee_includes_vat": "excl",
    "vat_rate": "25",
    "season_start": "2026-08-01",
    "season_end": "2027-06-30",
    "member_cap": "18",
    "visibility": "public",
    "join_policy": "apply",
}


def test_verified_user_creates_group_and_becomes_host(client, auth, make_user, db):
    user = make_user()
    auth.login(user)
    response = post_form(client, "/groups/new", {**VALID, "one_per_industry": "y"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/groups/odense-founders/admin")
    group = db.session.scalars(select(Group).where(Group.slug == "odense-founders")).one()
    assert group.fee_minor == 650_000  # entered in kroner, stored in øre
    assert group.member_cap == 18 and group.one_per_industry and group.city == "Odense"
    membership = db.session.scalars(select(Membership).where(Membership.group_id == group.id)).one()
    assert (membership.user_id, membership.role, membership.status) == (user.id, "host", "active")
    assert client.get("/groups/odense-founders/admin").status_code == 200


def test_slug_is_derived_from_the_name_when_empty(client, auth, make_user, db):
    auth.login(make_user())
    post_form(client, "/groups/new", {**VALID, "name": "Ærø Kaffeklub", "slug": ""})
    assert db.session.scalar(select(Group.slug)) == "aeroe-kaffeklub"


def test_unverified_user_cannot_create_a_group(client, auth, make_user, db):
    auth.login(make_user(is_verified=False))
    response = client.get("/groups/new")
    assert response.status_code == 302
    token_page = client.get("/", follow_redirects=True)
    assert b"Confirm your email" in token_page.data or b"confirm" in token_page.data.lower()
    from tests.conftest import csrf_token

    client.post("/groups/new", data={**VALID, "csrf_token": csrf_token(client, "/")})
    assert db.session.scalar(select(Group.id)) is None


@pytest.mark.parametrize(
    "override, field_error",
    [
        ({"fee": "-100"}, "Enter an amount from 0"),
        ({"fee": "lots"}, "Not a valid decimal"),
        ({"fee": "12.345"}, "at most two decimals"),
        ({"timezone": "Mars/Olympus"}, "Unknown timezone"),
        ({"timezone": "../../etc/passwd"}, "Unknown timezone"),
        ({"member_cap": "0"}, "Enter a number from 2 to 500"),
        ({"member_cap": "-5"}, "Enter a number from 2 to 500"),
        ({"season_end": "2026-07-01"}, "must end after it starts"),
        ({"season_end": "2027-08-01"}, "at most a year"),
        ({"season_start": "0001-01-01", "season_end": "9999-12-31"}, "at most a year"),
        ({"season_start": "not-a-date"}, "Not a valid date"),
        ({"slug": "Bad Slug!"}, "lower-case letters"),
        ({"slug": "new"}, "reserved"),
        ({"visibility": "secret"}, "Not a valid choice"),
        ({"name": ""}, "This field is required"),
        ({"name": "x" * 121}, "between 3 and 120"),
        ({"fee_includes_vat": ""}, "Say whether the fee includes VAT"),
        ({"fee_includes_vat": "maybe"}, "Say whether the fee includes VAT"),
        ({"vat_rate": "250"}, "Enter a rate from 0 to 100"),
        ({"vat_rate": "12.345"}, "at most two decimals"),
        ({"season_start": ""}, "Enter the first day of the season"),
        ({"season_end": ""}, "s last day."),
    ],
)
def test_invalid_settings_give_form_errors_and_create_nothing(client, auth, make_user, db, override, field_error):
    auth.login(make_user())
    response = post_form(client, "/groups/new", {**VALID, **override})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert field_error in html
    assert 'class="alert alert--error"' in html
    assert db.session.scalar(select(Group.id)) is None


def test_the_new_group_form_proposes_the_default_season_and_danish_vat(client, auth, make_user):
    user = make_user()
    with freeze_time("2026-12-03 10:00:00"):
        auth.login(user)
        html = client.get("/groups/new").get_data(as_text=True)
    assert re.search(r'name="season_start"[^>]* value="2026-08-01"', html)
    assert re.search(r'name="season_end"[^>]* value="2027-07-31"', html)
    assert re.search(r'name="vat_rate"[^>]* value="25"', html)
    assert not re.search(r'<input[^>]*checked[^>]*name="fee_includes_vat"', html)  # the host answers


def test_a_free_group_needs_no_vat_answer(client, auth, make_user, db):
    auth.login(make_user())
    response = post_form(client, "/groups/new", {**VALID, "fee": "0", "fee_includes_vat": ""})
    assert response.status_code == 302
    assert db.session.scalar(select(Group.fee_minor)) == 0


@pytest.mark.parametrize("includes, reads, total", [
    ("excl", "DKK\u00a06,500 + 25 % VAT = DKK\u00a08,125", 812_500),
    ("incl", "DKK\u00a05,200 + 25 % VAT = DKK\u00a06,500", 650_000),
])
def test_the_fee_reads_the_same_on_every_page(client, auth, make_user, make_member, db, includes, reads, total):
    """The host's answer decides what the fee means; the group page, the dashboard and checkout agree."""
    from billing.fees import quote

    host = make_user()
    auth.login(host)
    assert post_form(client, "/groups/new", {**VALID, "fee_includes_vat": includes}).status_code == 302
    group = db.session.scalars(select(Group)).one()
    assert group.fee_includes_vat == (includes == "incl") and quote(group).total_minor == total
    member = make_member(group, status="approved")
    auth.logout()
    auth.login(member)
    for path in ("/groups/odense-founders", "/", "/groups"):
        assert reads in client.get(path).get_data(as_text=True), path
    checkout = client.get("/groups/odense-founders/pay").get_data(as_text=True)
    assert f"DKK\u00a0{total // 100:,}" in checkout


def test_a_season_of_exactly_a_year_is_accepted(client, auth, make_user, db):
    auth.login(make_user())
    response = post_form(client, "/groups/new", {**VALID, "season_end": "2027-07-31"})
    assert response.status_code == 302
    assert db.session.scalar(select(Group.season_end)) == date(2027, 7, 31)


def test_duplicate_slug_is_a_form_error(client, auth, make_user, make_group, db):
    make_group(slug="odense-founders")
    auth.login(make_user())
    response = post_form(client, "/groups/new", VALID)
    assert response.status_code == 200
    assert "Another group already uses this address" in response.get_data(as_text=True)
    assert db.session.scalar(select(Group.id).where(Group.name == "Odense Founders")) is None


def test_entered_values_survive_an_error(client, auth, make_user):
    auth.login(make_user())
    response = post_form(client, "/groups/new", {**VALID, "timezone": "Nowhere/Town"})
    html = response.get_data(as_text=True)
    assert 'value="Odense Founders"' in html and 'value="Nowhere/Town"' in html


def test_host_edits_settings_and_it_is_audited(client, auth, make_user, make_group, db):
    host = make_user()
    group = make_group(host=host, slug="edit-me")
    auth.login(host)
    response = post_form(
        client, "/groups/edit-me/admin/settings",
        {**VALID, "slug": "edit-me", "name": "Renamed", "fee": "1234.50", "member_cap": "12"},
    )
    assert response.status_code == 302
    db.session.refresh(group)
    assert (group.name, group.fee_minor, group.member_cap) == ("Renamed", 123_450, 12)
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "group.settings_changed")).one()
    assert entry.actor_id == host.id and "fee_minor" in entry.detail["fields"]


def test_settings_cap_below_taken_seats_is_refused(client, auth, make_user, make_group, make_member, db):
    host = make_user()
    group = make_group(host=host, slug="busy")
    for _n in range(3):
        make_member(group)
    auth.login(host)
    response = post_form(client, "/groups/busy/admin/settings", {**VALID, "slug": "busy", "member_cap": "3"})
    assert response.status_code == 200
    assert "4 seats are taken" in response.get_data(as_text=True)
    db.session.refresh(group)
    assert group.member_cap == 20


def test_settings_duplicate_slug_of_another_group(client, auth, make_user, make_group, db):
    host = make_user()
    make_group(slug="taken")
    make_group(host=host, slug="mine")
    auth.login(host)
    response = post_form(client, "/groups/mine/admin/settings", {**VALID, "slug": "taken"})
    assert "Another group already uses this address" in response.get_data(as_text=True)
    # keeping its own slug is fine
    response = post_form(client, "/groups/mine/admin/settings", {**VALID, "slug": "mine"})
    assert response.status_code == 302


def test_settings_ignore_fields_that_are_not_settings(client, auth, make_user, make_group, db):
    host = make_user()
    group = make_group(host=host, slug="strict")
    other = make_group(slug="other-group")
    auth.login(host)
    post_form(client, "/groups/strict/admin/settings",
              {**VALID, "slug": "strict", "id": str(other.id), "fee_minor": "1", "created_at": "2000-01-01"})
    db.session.refresh(group)
    assert group.id != other.id and group.fee_minor == 650_000


def test_public_listing_shows_public_groups_only(client, make_group):
    make_group(name="Open Circle", city="Aarhus", fee_minor=800_000, member_cap=20)
    make_group(name="Secret Circle", visibility="invite")
    html = client.get("/groups").get_data(as_text=True)
    assert "Open Circle" in html and "Aarhus" in html
    assert "Secret Circle" not in html
    assert "8,000" in html and "1 member" in html and "19 places left" in html


def test_public_listing_paginates(client, make_group):
    for n in range(14):
        make_group(name=f"Circle {n:02d}")
    first = client.get("/groups").get_data(as_text=True)
    second = client.get("/groups?page=2").get_data(as_text=True)
    assert first.count('class="card card--link group-card"') == 12
    assert second.count('class="card card--link group-card"') == 2
    assert client.get("/groups?page=9").status_code == 404


def test_empty_listing_says_what_to_do(client):
    assert "No public groups yet" in client.get("/groups").get_data(as_text=True)


def test_group_page_for_the_public(client, make_group, make_member):
    group = make_group(name="Nordic Sales Club", slug="nordic-sales", description="We sell.", city="Malmö",
                       fee_minor=500_000, member_cap=10)
    make_member(group)
    html = client.get("/groups/nordic-sales").get_data(as_text=True)
    for text in ("Nordic Sales Club", "We sell.", "Malmö", "5,000", "2 members", "8 places left", "Sign in to apply"):
        assert text in html
    assert "Open the directory" not in html


def test_invite_only_group_page_is_404_to_outsiders(client, auth, make_user, make_group):
    make_group(slug="hidden", visibility="invite")
    assert client.get("/groups/hidden").status_code == 404
    auth.login(make_user())
    assert client.get("/groups/hidden").status_code == 404


def test_unknown_group_is_404(client):
    assert client.get("/groups/does-not-exist").status_code == 404


def test_group_page_escapes_html(client, make_group):
    make_group(slug="xss", description="<script>alert(1)</script>", name="<b>Bold</b>")
    html = client.get("/groups/xss").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert "<b>Bold</b>" not in html


def _group_page_queries(client, auth, make_user, make_group, make_member, n: int) -> int:
    host = make_user()
    group = make_group(host=host, member_cap=50, slug=f"q{n}")
    members = [make_member(group) for _ in range(n)]
    auth.login(members[0])
    count = page_queries(client, f"/groups/q{n}")
    auth.logout()
    return count


def test_group_page_query_count_does_not_grow_with_members(client, auth, make_user, make_group, make_member):
    small = _group_page_queries(client, auth, make_user, make_group, make_member, 3)
    large = _group_page_queries(client, auth, make_user, make_group, make_member, 30)
    assert small == large
