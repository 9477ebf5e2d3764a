"""The member dashboard and the account page."""
from __future__ import annotations

from tests.conftest import AuthActions


def test_landing_for_anonymous(client):
    html = client.get("/").get_data(as_text=True)
    assert "Is your networking group worth the fee?" in html


def test_empty_state(client, auth, make_user):
    auth.login(make_user())
    html = client.get("/").get_data(as_text=True)
    assert "You&#39;re not in a group yet" in html or "You're not in a group yet" in html
    assert 'href="/groups"' in html and 'href="/groups/new"' in html


def test_my_groups_and_statuses(client, auth, make_user, make_group, make_member):
    user = make_user()
    make_member(make_group(name="Active Circle"), user=user)
    make_member(make_group(name="Paying Circle", fee_minor=800_000), user=user, status="approved")
    make_member(make_group(name="Pending Circle"), user=user, status="applied")
    make_member(make_group(name="Former Circle"), user=user, status="left")
    auth.login(user)
    html = client.get("/").get_data(as_text=True)
    assert "Active Circle" in html and "Paying Circle" in html and "Pending Circle" in html
    assert "Former Circle" not in html
    assert "Awaiting payment" in html and "8,000" in html
    assert "Your application to Pending Circle is with the host" in html


def test_unverified_banner_with_resend(client, auth, make_user):
    auth.login(make_user(is_verified=False))
    html = client.get("/").get_data(as_text=True)
    assert "Please confirm your email." in html and 'action="/verify/resend"' in html


def test_host_sees_pending_applications(client, auth, make_user, make_group, make_member):
    host = make_user()
    group = make_group(host=host, name="Busy Circle")
    make_member(group, status="applied")
    make_member(group, status="applied")
    auth.login(host)
    assert "2 applications to Busy Circle wait for your answer" in client.get("/").get_data(as_text=True)


def test_account_page_links(client, auth, make_user):
    auth.login(make_user())
    html = client.get("/account").get_data(as_text=True)
    for href in ("/account/password", "/account/email", "/account/export", "/account/delete"):
        assert href in html


def test_dashboard_does_not_leak_between_users(app, client, auth, make_user, make_group, make_member):
    first = make_user(name="First Person")
    make_member(make_group(name="First Circle"), user=first)
    auth.login(first)
    assert "First Circle" in client.get("/").get_data(as_text=True)
    second_client = app.test_client()
    AuthActions(second_client).login(make_user())
    assert "First Circle" not in second_client.get("/").get_data(as_text=True)


def _dashboard_queries(client, auth, make_user, make_group, make_member, n: int) -> int:
    from tests.members.helpers import count_queries

    user = make_user()
    for i in range(n):
        make_member(make_group(), user=user, status="active" if i % 3 else "applied")
        hosted = make_group(host=user)
        make_member(hosted, status="applied")
    auth.login(user)
    client.get("/")
    with count_queries() as statements:
        assert client.get("/").status_code == 200
    auth.logout()
    return len(statements)


def test_dashboard_query_count_is_constant(client, auth, make_user, make_group, make_member):
    small = _dashboard_queries(client, auth, make_user, make_group, make_member, 3)
    large = _dashboard_queries(client, auth, make_user, make_group, make_member, 30)
    assert small == large
