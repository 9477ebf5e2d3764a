"""The foundation part of the demo seed keeps DESIGN.md's contract."""
from __future__ import annotations

from sqlalchemy import select

from groups.demo import seed_foundation
from groups.models import Membership
from members.security import check_password


def test_seed_foundation_contract(app, db):
    with app.test_request_context():
        ctx = seed_foundation("networking-demo")
        db.session.commit()
    group1, group2 = ctx["group1"], ctx["group2"]
    assert ctx["host"].email == "host@example.com"
    assert [m.email for m in ctx["members"]] == [f"member{n}@example.com" for n in range(1, 11)]
    assert group1.fee_minor == 800_000 and group1.currency == "DKK" and group1.member_cap == 20
    assert group1.is_public and group1.season_start < group1.season_end
    assert ctx["summary"]

    def statuses(email: str) -> dict[str, str]:
        user = ctx["users"][email]
        rows = db.session.scalars(select(Membership).where(Membership.user_id == user.id)).all()
        return {m.group.slug: m.status for m in rows}

    for member in ctx["members"]:
        assert statuses(member.email) == {group1.slug: "active"}
        assert member.profile.purposes and member.profile.offers_tags and member.profile.seeks_tags
        assert member.profile.company is not None and member.profile.industry
    assert statuses("member11@example.com") == {group2.slug: "active"}
    assert statuses("member12@example.com") == {group2.slug: "active"}
    assert statuses("member13@example.com") == {group1.slug: "approved"}
    assert statuses("applicant1@example.com") == {group1.slug: "applied"}
    host2 = db.session.scalars(select(Membership).where(Membership.user_id == ctx["users"]["host2@example.com"].id)).one()
    assert (host2.group_id, host2.role) == (group2.id, "host")
    assert check_password(ctx["users"]["member1@example.com"].password_hash, "networking-demo")
    # offers and seeks overlap, so matching has something to find
    offers = {t for m in ctx["members"] for t in m.profile.offers_tags}
    seeks = {t for m in ctx["members"] for t in m.profile.seeks_tags}
    assert len(offers & seeks) >= 5
