"""What every meetup email carries: the meetup's context and its .ics attachment."""
from __future__ import annotations

from common.formatting import fmt_span
from common.urls import external_url
from meetups.models import Meetup
from members.models import User


def ics_attachment(meetup: Meetup, user: User, response: str) -> dict[str, str]:
    from meetups.calendar import meetup_ics

    return {
        "filename": f"meetup-{meetup.id}.ics",
        "content_type": "text/calendar",
        "content": meetup_ics(meetup, response, user, email_context(meetup)["url"]),
    }


def email_context(meetup: Meetup) -> dict:
    group = meetup.group
    return {
        "title": meetup.title,
        "group_name": group.name,
        "when": fmt_span(meetup.starts_at, meetup.ends_at, group.timezone),
        "place": meetup.place,
        "address": meetup.address,
        "url": external_url("meetups.detail", slug=group.slug, meetup_id=meetup.id),
    }
