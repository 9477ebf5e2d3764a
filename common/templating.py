"""Template globals shared by every page (navigation, status words)."""
from __future__ import annotations

import dataclasses
import hashlib
import hmac
from functools import lru_cache
from time import monotonic
from typing import Any, NamedTuple

from flask import Flask, current_app, g, render_template, request, session, url_for
from flask_babel import get_translations
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from jinja2 import Environment, StrictUndefined
from markupsafe import Markup, escape

from common.cache import keep
from common.formatting import locale_code

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


def hosted_groups() -> tuple[HostedGroup, ...]:
    """Groups the current user hosts, as the user query brought them (members.auth)."""
    return tuple(g.get("hosted_groups", ())) if current_user.is_authenticated else ()


# Kept HTML -------------------------------------------------------------------
#
# A kept part of a page is drawn from one read model (common.cache) by a
# template that is given that value and nothing else: the environment it is
# drawn in has no request, session, g, current_user or flashed messages, and
# an undefined name is an error, so a template cannot show what its key does
# not name. What belongs to the request is put in afterwards, where the kept
# HTML holds a slot for it: this session's CSRF token, the top bar, the
# flashed messages.

BLOCKED_GLOBALS = frozenset({
    "request", "session", "g", "current_user", "config", "get_flashed_messages", "hosted_groups", "photo_url",
})
BLOCKED_FILTERS = frozenset({"relative"})  # the clock: kept parts are given their relative texts


def _slot(app: Flask, name: str) -> str:
    """A marker no text can imitate (it depends on the secret key), the same in every worker."""
    secret = str(app.config.get("SECRET_KEY", "")).encode()
    return "nq-" + hmac.new(secret, name.encode(), hashlib.sha256).hexdigest()[:24]


class Slots(NamedTuple):
    csrf: str
    topbar: str
    flashes: str


def _slots() -> Slots:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    slots = app.extensions.get("nq_slots")
    if slots is None:
        slots = app.extensions["nq_slots"] = Slots(_slot(app, "csrf"), _slot(app, "topbar"), _slot(app, "flashes"))
    return slots


def _kept_env(app: Flask) -> Environment:
    """The environment kept parts are drawn in (made on first use, after every
    blueprint has added its globals)."""
    env = app.extensions.get("nq_kept_env")
    if env is None:
        slots = _slots()
        env = app.jinja_env.overlay(undefined=StrictUndefined)
        env.globals = {k: v for k, v in app.jinja_env.globals.items() if k not in BLOCKED_GLOBALS}
        env.globals.update(
            csrf_token=lambda: slots.csrf, csrf_placeholder=slots.csrf,
            topbar=lambda: Markup(slots.topbar), flashes=lambda: Markup(slots.flashes),  # noqa: S704
        )
        env.filters = {k: v for k, v in app.jinja_env.filters.items() if k not in BLOCKED_FILTERS}
        app.extensions["nq_kept_env"] = env
    return env


def fields_of(model: Any) -> dict[str, Any]:
    """A read model's fields: a NamedTuple's or a frozen dataclass's."""
    if hasattr(model, "_asdict"):
        return model._asdict()
    if dataclasses.is_dataclass(model) and not isinstance(model, type):
        return {field.name: getattr(model, field.name) for field in dataclasses.fields(model)}
    raise TypeError(f"{type(model).__name__} is not a read model (a NamedTuple or a frozen dataclass)")


def render(template: str, model: Any) -> Markup:
    """The HTML of ``template`` drawn from ``model``'s fields alone, kept under
    the template, the locale, the mount point and the value itself.

    It holds slots for the request's own parts (the top bar, the flashed
    messages, the session's CSRF token), which are put in as the response
    leaves (``fill_request_parts``), so a part can sit inside another."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    locale = locale_code()

    def draw() -> Markup:
        html = _kept_env(app).get_template(template).render(current_locale=locale, **fields_of(model))
        return Markup(html)  # noqa: S704 (autoescaped template output)

    return keep(("html", template, locale, request.script_root, model), draw)


def fill_request_parts(html: str) -> Markup:
    slots = _slots()
    if slots.topbar in html:
        html = html.replace(slots.topbar, topbar())
    if slots.flashes in html:
        html = html.replace(slots.flashes, flashes())
    if slots.csrf in html:
        html = html.replace(slots.csrf, session_csrf_token())
    return Markup(html)  # noqa: S704 (autoescaped template output)


def flashes() -> Markup:
    """This request's flashed messages (taken out of the session by showing them)."""
    if not session.get("_flashes"):
        return Markup("")
    return Markup(render_template("_flashes.html"))  # noqa: S704 (autoescaped template output)


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
    companies: tuple[tuple[int, str], ...] = ()  # the companies the viewer acts for (id, name)


class _TopBarModel(NamedTuple):
    bar: TopBar


def topbar() -> Markup:
    """The top bar of this request's viewer, kept per distinct TopBar."""
    user = current_user._get_current_object()
    admin_slug = (request.view_args or {}).get("slug") if request.blueprint == "group_admin" else None
    bar = TopBar(request.endpoint, admin_slug, user.is_authenticated)
    if bar.signed_in:
        name = user.name or ""
        photo = g.get("my_photo_filename")
        bar = bar._replace(
            first_name=name.split()[0] if name.split() else "", email=user.email, initials=user.initials,
            photo=url_for("members.photo", user_id=user.id, v=photo[:8]) if photo else None,
            hosted=tuple(hosted_groups()), companies=tuple(g.get("sponsored_companies", ())),
        )
    return render("_topbar.html", _TopBarModel(bar))


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
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]  # added by jinja2.ext.i18n
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
        csrf_token=session_csrf_token,
        flashes=flashes,
        render=render,
    )
    app.jinja_env.add_extension("jinja2.ext.do")

    @app.after_request
    def _fill_request_parts(response):
        if response.mimetype == "text/html" and not response.direct_passthrough and not response.is_streamed:
            html = response.get_data(as_text=True)
            if any(slot in html for slot in _slots()):
                response.set_data(fill_request_parts(html))
        return response

    @app.context_processor
    def _request_globals() -> dict:
        # The signed-in user itself rather than Flask-Login's proxy: a page
        # reads it dozens of times, and each read through the proxy costs.
        return {"current_locale": locale_code(), "current_user": current_user._get_current_object()}
