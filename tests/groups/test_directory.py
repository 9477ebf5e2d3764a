"""The member directory: who sees it, filtering, and a constant number of queries."""
from __future__ import annotations

import pytest

from tests.members.helpers import count_queries


@pytest.fixture
def world(make_user, make_group, make_member):
    host = make_user(name="Hanne Host")
    group = make_group(host=host, slug="club")
    other_group = make_group(slug="elsewhere")
    return {
        "group": group,
        "host": host,
        "member": make_member(group, name="Mona Member", headline="CFO at Nordlys",
                              offers_tags=["fundraising", "pricing"], seeks_tags=["export"]),
        "peer": make_member(group, name="Per Peer", offers_tags=["export"], seeks_tags=["pricing"]),
        "applicant": make_member(group, status="applied", name="Anna Applicant"),
        "awaiting": make_member(group, status="approved", name="Walt Waiting"),
        "left": make_member(group, status="left", name="Lars Left"),
        "outsider": make_member(other_group, name="Otto Outsider"),
        "stranger": make_user(name="Stine Stranger"),
    }


@pytest.mark.parametrize(
    "who, expected",
    [
        ("host", 200), ("member", 200), ("peer", 200),
        ("applicant", 403), ("awaiting", 403), ("left", 403),
        ("outsider", 403), ("stranger", 403), (None, 302),
    ],
)
def test_directory_visibility(client, auth, world, who, expected):
    if who:
        auth.login(world[who])
    response = client.get("/groups/club/members")
    assert response.status_code == expected
    if expected == 302:
        assert "/login" in response.headers["Location"]
    if expected == 200:
        html = response.get_data(as_text=True)
        assert "Mona Member" in html and "Per Peer" in html and "Hanne Host" in html
        for hidden in ("Anna Applicant", "Walt Waiting", "Lars Left", "Otto Outsider"):
            assert hidden not in html


def test_directory_shows_profile_details(client, auth, world):
    auth.login(world["peer"])
    html = client.get("/groups/club/members").get_data(as_text=True)
    assert "CFO at Nordlys" in html and "fundraising" in html


def test_directory_filters_by_tag(client, auth, world):
    auth.login(world["member"])
    html = client.get("/groups/club/members?tag=export").get_data(as_text=True)
    # Mona seeks export, Per offers it; the host has no such tag
    assert "Mona Member" in html and "Per Peer" in html
    assert f'href="/members/{world["host"].id}"' not in html
    html = client.get("/groups/club/members?tag=fundraising").get_data(as_text=True)
    assert "Mona Member" in html and "Per Peer" not in html


def test_directory_searches_by_name(client, auth, world):
    auth.login(world["member"])
    html = client.get("/groups/club/members?q=per").get_data(as_text=True)
    assert "Per Peer" in html and "Mona Member" not in html
    html = client.get("/groups/club/members?q=nobody-like-this").get_data(as_text=True)
    assert "Nobody matches" in html


def test_directory_escapes_profile_text(client, auth, make_group, make_member):
    group = make_group(slug="club")
    viewer = make_member(group)
    make_member(group, headline="<img src=x onerror=alert(1)>", offers_tags=["<script>"])
    auth.login(viewer)
    html = client.get("/groups/club/members").get_data(as_text=True)
    assert "<img src=x" not in html and "<script>" not in html.replace('<script src="/static/js/nq.js"', "")


def _directory_queries(client, auth, make_user, make_group, make_member, n: int) -> int:
    group = make_group(member_cap=50, slug=f"dir{n}")
    members = [
        make_member(group, headline=f"Role {i}", offers_tags=["a", f"t{i}"], seeks_tags=["b"], industry="X")
        for i in range(n)
    ]
    from members.services import find_or_create_company

    for i, member in enumerate(members):
        member.profile.company = find_or_create_company(f"Company {i}", f"DK{i:08d}")
    from extensions import db

    db.session.commit()
    auth.login(members[0])
    client.get(f"/groups/dir{n}/members")
    with count_queries() as statements:
        response = client.get(f"/groups/dir{n}/members?tag=a")
    assert response.status_code == 200
    assert response.get_data(as_text=True).count("person-card") >= n
    auth.logout()
    return len(statements)


def test_directory_query_count_is_constant(client, auth, make_user, make_group, make_member):
    small = _directory_queries(client, auth, make_user, make_group, make_member, 3)
    large = _directory_queries(client, auth, make_user, make_group, make_member, 30)
    assert small == large
