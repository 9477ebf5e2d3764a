"""Extension points: areas add sections to shared pages without editing them.

A section provider takes the page's objects and returns ``(template, context)``,
a ``KeptSection`` (rendered once per key, see ``common.templating.render_keyed``)
or None (nothing to show). The dashboard, the group page and the host admin
home render every registered section in registration order. Providers must
use a constant number of queries (no N+1).

    @dashboard_section(order=20)
    def upcoming_meetups(user): ...
    @group_page_section(order=20)
    def group_meetups(group, membership): ...
    @admin_home_section(order=20)
    def attendance_tile(group): ...
    @meetup_page_section(order=20)
    def rate_this_meetup(meetup, membership, rsvp): ...
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from flask import render_template
from markupsafe import Markup


class KeptSection(NamedTuple):
    """A section rendered once per ``key``, which names everything it shows;
    ``context()`` is called only to render it, and may return None: nothing
    to show (so a key can also keep the decision to show nothing)."""

    template: str
    key: tuple
    context: Callable[[], dict[str, Any]]


Section = tuple[str, dict[str, Any]] | KeptSection | None
_REGISTRIES: dict[str, list[tuple[int, Callable[..., Section]]]] = {
    "dashboard": [],
    "group_page": [],
    "admin_home": [],
    "meetup_page": [],
}


def _register(kind: str, order: int) -> Callable:
    def decorator(func: Callable[..., Section]) -> Callable[..., Section]:
        _REGISTRIES[kind].append((order, func))
        _REGISTRIES[kind].sort(key=lambda item: item[0])
        return func

    return decorator


def dashboard_section(order: int = 50) -> Callable:
    return _register("dashboard", order)


def group_page_section(order: int = 50) -> Callable:
    return _register("group_page", order)


def admin_home_section(order: int = 50) -> Callable:
    return _register("admin_home", order)


def meetup_page_section(order: int = 50) -> Callable:
    return _register("meetup_page", order)


def rendered_sections(kind: str, *args: Any) -> tuple[Markup, ...]:
    """The HTML of every provider's section, in order (a page shows them as they are)."""
    from common.templating import render_keyed

    rendered = (
        render_keyed(section.template, section.key, section.context) if isinstance(section, KeptSection)
        else Markup(render_template(section[0], **section[1]))  # noqa: S704 (autoescaped template output)
        for section in render_sections(kind, *args)
    )
    return tuple(html for html in rendered if html)


def render_sections(kind: str, *args: Any) -> list[tuple[str, dict[str, Any]]]:
    """The (template, context) pairs of every provider with something to show."""
    results = []
    for _order, provider in _REGISTRIES[kind]:
        section = provider(*args)
        if section is not None:
            results.append(section)
    return results
