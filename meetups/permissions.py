"""Load a meetup and check access: 404 first, then 403 (as ``groups.permissions.load_group``)."""
from __future__ import annotations

from flask import abort
from sqlalchemy import select

from extensions import db
from groups.models import Group, Membership
from groups.permissions import Require, load_group
from meetups.models import Meetup


def load_meetup(slug: str, meetup_id: int, require: Require = None) -> tuple[Group, Membership | None, Meetup]:
    """The group (404/403 as ``load_group``) and its meetup (404 if not one of the group's)."""
    group, membership = load_group(slug, require=require)
    meetup = db.session.scalars(select(Meetup).where(Meetup.id == meetup_id, Meetup.group_id == group.id)).first()
    if meetup is None:
        abort(404)
    return group, membership, meetup
