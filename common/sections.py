"""Extension points: areas add sections to shared pages without editing them.

A section provider takes the page's objects and returns the section's HTML
(drawn with ``common.templating.render`` from a read model of its own area)
or None when it has nothing to show. The dashboard, the group page, the
meetup page and the host admin home show every registered section in
registration order; the HTML of the sections is part of the page's own read
model. Providers must use a constant number of queries (no N+1).

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
from typing import Any

from markupsafe import Markup

Provider = Callable[..., Markup | None]
_REGISTRIES: dict[str, list[tuple[int, Provider]]] = {
    "dashboard": [],
    "group_page": [],
    "admin_home": [],
    "meetup_page": [],
}


def _register(kind: str, order: int) -> Callable[[Provider], Provider]:
    def decorator(func: Provider) -> Provider:
        _REGISTRIES[kind].append((order, func))
        _REGISTRIES[kind].sort(key=lambda item: item[0])
        return func

    return decorator


def dashboard_section(order: int = 50) -> Callable[[Provider], Provider]:
    return _register("dashboard", order)


def group_page_section(order: int = 50) -> Callable[[Provider], Provider]:
    return _register("group_page", order)


def admin_home_section(order: int = 50) -> Callable[[Provider], Provider]:
    return _register("admin_home", order)


def meetup_page_section(order: int = 50) -> Callable[[Provider], Provider]:
    return _register("meetup_page", order)


def rendered_sections(kind: str, *args: Any) -> tuple[Markup, ...]:
    """The HTML of every provider's section with something to show, in order."""
    rendered = (provider(*args) for _order, provider in _REGISTRIES[kind])
    return tuple(html for html in rendered if html)
