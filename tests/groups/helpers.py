"""Helpers shared by the membership tests (test_applying.py, test_seat_limits.py,
test_leaving_and_roles.py, test_invites.py): finding a membership, posting a button."""
from __future__ import annotations

from sqlalchemy import select

from groups.models import Membership
from tests.conftest import csrf_token


def find_membership(db, user, group) -> Membership | None:
    db.session.expire_all()
    return db.session.scalars(
        select(Membership).where(Membership.user_id == user.id, Membership.group_id == group.id)
    ).first()


def membership_of(db, user, group) -> Membership:
    membership = find_membership(db, user, group)
    assert membership is not None, "no membership of this user in this group"
    return membership


def post_button(client, path: str, **data):
    """POST a button's form (``data`` and a CSRF token, no form page needed)."""
    return client.post(path, data={**data, "csrf_token": csrf_token(client, "/")})


APPLICATION = {"motivation": "Find partners for export.", "contribution": "Ten years in logistics."}
