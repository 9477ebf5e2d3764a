"""Template globals shared by every page (navigation, status words)."""
from __future__ import annotations

import secrets
from collections.abc import Callable
from functools import lru_cache
from time import monotonic
from typing import NamedTuple

from flask import Flask, current_app, g, render_template, request, session, url_for
from flask_babel import get_translations
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape
from sqlalchemy import select

from common.formatting import locale_code
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


BADGE_STYLES = {
    "active": "ok", "paid": "ok", "going": "ok", "held": "ok", "approved": "warn", "pending": "warn",
    "waitlisted": "warn", "applied": "info", "scheduled": "info", "lapsed": "bad", "removed": "bad",
    "failed": "bad", "cancelled": "bad", "declined": "bad", "refunded": "info",
}


def status_badge(status: str) -> Markup:
    """A coloured badge with the status in words (a Python global: lists show dozens)."""
    return _badge_html(status, locale_code())


@lru_cache(maxsize=512)
def _badge_html(status: str, locale: str) -> Markup:
    return Markup('<span class="badge badge--{}">{}</span>').format(
        BADGE_STYLES.get(status, "neutral"), status_label(status)
    )


def avatar(user, photo_url: str | None = None, size: str = "") -> Markup:
    """A member's photo, or their initials, in a circle (decorative: the name is beside it)."""
    return _avatar_html("" if photo_url else user.initials, photo_url, size)


@lru_cache(maxsize=4096)
def _avatar_html(initials: str, photo_url: str | None, size: str) -> Markup:
    css = f"avatar avatar--{size}" if size else "avatar"
    inner = Markup('<img src="{}" alt="">').format(photo_url) if photo_url else escape(initials)
    return Markup('<span class="{}" aria-hidden="true">{}</span>').format(css, inner)


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


# Stands in for the CSRF token in a kept fragment: the token is per session and
# is put in on every request. Random per process, so no text can imitate it.
CSRF_PLACEHOLDER = secrets.token_hex(16)


def render_kept(template: str, **context) -> Markup:
    """A fragment that is a pure function of ``context`` (hashable values),
    rendered once per worker and then reused.

    The application, its mount point and the locale are part of the key (the
    fragment's links and words depend on them); a form in it writes
    ``csrf_placeholder`` where this session's token goes.
    """
    return _with_csrf(_render_kept(template, current_app.name, request.script_root, locale_code(), **context))


def render_keyed(template: str, key: tuple, context: Callable[[], dict]) -> Markup:
    """A part of a page rendered once per worker for ``key`` and then reused.

    ``key`` must name every input the part shows: the data versions it was
    read at (``Group.data_version``), the viewer's state, the HTML of the
    sections inside it. ``context()`` is called only when the part is
    rendered; None from it means the part shows nothing (kept as "").
    Kept in ``common.cache`` (not kept when the request wrote).
    """
    from common.cache import kept

    def render() -> str:
        values = context()
        return "" if values is None else _render_keeping(template, values)

    full_key = ("render", template, current_app.name, request.script_root, locale_code(), *key)
    return _with_csrf(kept(full_key, render))


def render_page(template: str, key: tuple, **context) -> str:
    """A whole page kept like ``render_keyed``, for a page whose parts are
    keyed already: ``key`` names what its template shows around them (the
    body's HTML, the data versions its title comes from); the top bar's HTML
    is added to it. A page with a flashed message is drawn afresh, as showing
    the message takes it out of the session."""
    if session.get("_flashes"):
        return render_template(template, **context)
    return render_keyed(template, ("page", *key, topbar()), lambda: context)


def _with_csrf(html: str) -> Markup:
    if CSRF_PLACEHOLDER in html:
        html = html.replace(CSRF_PLACEHOLDER, session_csrf_token())
    return Markup(html)  # noqa: S704 (autoescaped template output)


# Signed CSRF tokens per session token, reused for a while: signing one costs
# more than drawing a page's top bar. A reused token is at most
# CSRF_REUSE_SECONDS older than a fresh one, well inside WTF_CSRF_TIME_LIMIT.
CSRF_REUSE_SECONDS = 60.0
_SIGNED_TOKENS: dict[tuple[str, str], tuple[str, float]] = {}


def session_csrf_token() -> str:
    """This session's signed CSRF token, as ``flask_wtf.csrf.generate_csrf`` makes it."""
    raw = session.get(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))
    key = (current_app.config["SECRET_KEY"], raw) if isinstance(raw, str) else None
    hit = _SIGNED_TOKENS.get(key) if key is not None else None
    if hit is not None and monotonic() - hit[1] < CSRF_REUSE_SECONDS:
        return hit[0]
    token = generate_csrf()
    raw = session.get(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))
    if isinstance(raw, str):
        if len(_SIGNED_TOKENS) >= 10_000:
            _SIGNED_TOKENS.clear()
        _SIGNED_TOKENS[(current_app.config["SECRET_KEY"], raw)] = (token, monotonic())
    return token


@lru_cache(maxsize=16384)
def _render_kept(template: str, app: str, script_root: str, locale: str, **context) -> str:
    del app, script_root, locale  # the key only: render_template reads them from the request
    return _render_keeping(template, context)


def _render_keeping(template: str, context: dict) -> str:
    """Render with the CSRF placeholder where forms put this session's token."""
    outer = g.get("nq_keeping", False)
    g.nq_keeping = True
    try:
        return render_template(template, csrf_placeholder=CSRF_PLACEHOLDER, **context)
    finally:
        g.nq_keeping = outer


def csrf_token() -> str:
    """The template global: this session's token, or the placeholder inside a kept part."""
    return CSRF_PLACEHOLDER if g.get("nq_keeping", False) else session_csrf_token()


class TopBar(NamedTuple):
    """Everything the top bar shows: the bar is a pure function of these."""

    endpoint: str | None
    admin_slug: str | None  # the hosted group whose admin pages are open
    signed_in: bool
    first_name: str = ""
    email: str = ""
    initials: str = ""
    photo: str | None = None
    hosted: tuple[HostedGroup, ...] = ()


def topbar() -> Markup:
    """The top bar, rendered once per distinct TopBar and then reused.

    It is on every page, and rendering it (a dozen links and strings) costs
    more than many a page's own content.
    """
    from members.views import photo_url_for

    user = current_user._get_current_object()
    admin_slug = (request.view_args or {}).get("slug") if request.blueprint == "group_admin" else None
    bar = TopBar(request.endpoint, admin_slug, user.is_authenticated)
    if bar.signed_in:
        name = user.name or ""
        bar = bar._replace(
            first_name=name.split()[0] if name.split() else "", email=user.email, initials=user.initials,
            photo=photo_url_for(user.id, g.get("my_photo_filename")), hosted=tuple(hosted_groups()),
        )
    return render_kept("_topbar.html", bar=bar)


# url_for for templates, remembered per worker: a page builds two dozen links,
# and the same endpoint with the same arguments always gives the same path.
_URLS: dict[tuple, str] = {}
URL_CACHE_SIZE = 20_000


def template_url_for(endpoint: str, **values) -> str:
    if endpoint.startswith(".") or any(name.startswith("_") for name in values):
        return url_for(endpoint, **values)  # relative, external or anchored: not kept
    try:
        key = (current_app.name, request.script_root, endpoint,
               tuple(sorted((name, type(value), value) for name, value in values.items())))
        url = _URLS.get(key)
    except TypeError:  # an argument that cannot be a key (a list): build it each time
        return url_for(endpoint, **values)
    if url is None:
        if len(_URLS) >= URL_CACHE_SIZE:
            _URLS.clear()
        url = _URLS[key] = url_for(endpoint, **values)
    return url


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
        status_badge=status_badge,
        avatar=avatar,
        hosted_groups=hosted_groups,
        topbar=topbar,
        nav_links=nav_links,
        url_for=template_url_for,
        csrf_token=csrf_token,
        render_kept=render_kept,
    )
    app.jinja_env.add_extension("jinja2.ext.do")

    @app.context_processor
    def _request_globals() -> dict:
        # The signed-in user itself rather than Flask-Login's proxy: a page
        # reads it dozens of times, and each read through the proxy costs.
        # csrf_token too: Flask-WTF's context processor (registered before this
        # one) would give templates its generate_csrf, which writes this
        # session's token into a kept part instead of the placeholder.
        return {"current_locale": locale_code(), "current_user": current_user._get_current_object(),
                "csrf_token": csrf_token}
