"""Template globals shared by every page (navigation, status words)."""
from __future__ import annotations

from typing import NamedTuple

from flask import Flask, current_app, g
from flask_babel import get_locale, get_translations
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from extensions import db

STATUS_LABELS = {
    "applied": _l("Applied"),
    "approved": _l("Awaiting payment"),
    "active": _l("Active"),
    "lapsed": _l("Lapsed"),
    "left": _l("Left"),
    "removed": _l("Removed"),
    "declined": _l("Declined"),
    "host": _l("Host"),
    "co-host": _l("Co-host"),
    "member": _l("Member"),
    "scheduled": _l("Scheduled"),
    "cancelled": _l("Cancelled"),
    "held": _l("Held"),
    "going": _l("Going"),
    "not_going": _l("Not going"),
    "waitlisted": _l("Waitlisted"),
    "pending": _l("Pending"),
    "paid": _l("Paid"),
    "refunded": _l("Refunded"),
    "failed": _l("Failed"),
    "expired": _l("Expired"),
    "waived": _l("Waived"),
}

# (endpoint, label) of top-bar links that later areas add when they exist.
NAV_LINKS = (
    ("meetups.mine", _l("Meetups")),
    ("ratings.connections", _l("Connections")),
)


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status.replace("_", " ").capitalize()))


class HostedGroup(NamedTuple):
    slug: str
    name: str


def hosted_groups() -> list:
    """Groups the current user hosts (one query per request, cached on g)."""
    if not current_user.is_authenticated:
        return []
    if "hosted_groups" not in g:
        from groups.models import HOST_ROLES, Group, Membership

        g.hosted_groups = db.session.execute(
            select(Group.slug, Group.name)
            .join(Membership, Membership.group_id == Group.id)
            .where(
                Membership.user_id == current_user.id,
                Membership.role.in_(HOST_ROLES),
                Membership.status == "active",
            )
            .order_by(Group.name)
        ).all()
    return g.hosted_groups


def nav_links() -> list[tuple[str, str]]:
    endpoints = current_app.view_functions
    return [(endpoint, str(label)) for endpoint, label in NAV_LINKS if endpoint in endpoints]


def request_translations():
    """Flask-Babel's translations, looked up once per app context and locale.

    Flask-Babel resolves the context, locale and catalog on every ``_()``
    call (about 9 µs); a page has a hundred strings.
    """
    ctx = g._get_current_object()
    babel_ctx = getattr(ctx, "_flask_babel", None)
    locale = getattr(babel_ctx, "babel_locale", None)
    cached = getattr(ctx, "nq_translations", None)
    if cached is not None and locale is not None and cached[0] is locale:
        return cached[1]
    translations = get_translations()
    ctx.nq_translations = (getattr(getattr(ctx, "_flask_babel", None), "babel_locale", None), translations)
    return translations


def init_templating(app: Flask) -> None:
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: request_translations().ugettext(s),
        ngettext=lambda s, p, n: request_translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: request_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: request_translations().unpgettext(c, s, p, n),
    )
    app.jinja_env.globals.update(
        status_label=status_label,
        hosted_groups=hosted_groups,
        nav_links=nav_links,
    )
    app.jinja_env.add_extension("jinja2.ext.do")

    @app.context_processor
    def _locale() -> dict:
        return {"current_locale": str(get_locale() or "en")}
