"""The hostile-value sweep's machinery: the hostile values of each kind of field,
``FormCase``, and the checks that a form accepts its base values and refuses each
hostile one without changing the database."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import select

from tests.conftest import csrf_token
from tests.hostile.world import World

NUL = "ab\x00cd"
LONG = "x" * 10_000
DIGITS_40 = "9" * 40
DIGITS_400 = "9" * 400

# What is sent to a field of each kind. Text fields take any characters, so
# only NUL bytes and over-long values are hostile to them; numbers, dates and
# choices get every odd number.
_ODD_NUMBERS = {
    "1e30": "1e30", "infinity": "Infinity", "-infinity": "-Infinity", "nan": "NaN", "snan": "sNaN",
    "40-digits": DIGITS_40, "400-digits": DIGITS_400,
}
HOSTILE: dict[str, dict[str, str]] = {
    "text": {"nul": NUL, "10k-chars": LONG},
    "email": {"nul": "a\x00b@example.com", "10k-chars": "x" * 10_000 + "@example.com"},
    "url": {"nul": "https://example.com/\x00", "10k-chars": "https://example.com/" + LONG},
    "number": {**_ODD_NUMBERS, "negative": "-1", "negative-40-digits": "-" + DIGITS_40,
               "nul": "1\x002", "10k-digits": "9" * 10_000},
    "choice": {**_ODD_NUMBERS, "negative": "-99", "nul": NUL, "10k-chars": LONG},
    "date": {"year-1": "0001-01-01", "year-9999": "9999-12-31", **_ODD_NUMBERS, "negative": "-1",
             "nul": "2030-01-01\x00", "10k-chars": LONG},
    "datetime": {"year-1": "0001-01-01T00:00", "year-9999": "9999-12-31T23:59", **_ODD_NUMBERS,
                 "negative": "-1", "nul": "2030-01-01T10:00\x00", "10k-chars": LONG},
    "month": {"year-1": "0001-01", "year-9999": "9999-12", **_ODD_NUMBERS, "negative": "-1",
              "nul": "2030-01\x00", "10k-chars": LONG},
    "time": {"24:00": "24:00", **_ODD_NUMBERS, "negative": "-1", "nul": "10:00\x00", "10k-chars": LONG},
    # The one value a button posts (read from request.form, not a WTForm).
    "button": {"empty": "", "nan": "NaN", "40-digits": DIGITS_40, "nul": NUL, "10k-chars": LONG},
}


@dataclass(frozen=True)
class FormCase:
    """One form: where it is posted, by whom, with which valid values, and its fields' kinds."""

    name: str
    form: str | None  # "module:Class", for the completeness check; None for a button
    who: str | None  # a World attribute, or None for anonymous
    url: Callable[[World], str]
    base: Callable[[World], dict[str, Any]]
    fields: dict[str, str]  # field name → kind (a key of HOSTILE)
    page: Callable[[World], str] | None = None  # where the CSRF token is taken; default: url
    flashes: bool = False  # errors come as a flashed message after a redirect
    extra: dict[str, dict[str, str]] = field(default_factory=dict)  # field → more hostile values


def group_url(w: World, suffix: str = "") -> str:
    return f"/groups/{w.group.slug}{suffix}"


def hostile_params(cases: list[FormCase]) -> list:
    """One pytest param per case, field and hostile value of the field's kind."""
    params = []
    for case in cases:
        for name, kind in case.fields.items():
            values = {**HOSTILE[kind], **case.extra.get(name, {})}
            for label, value in values.items():
                params.append(pytest.param(case, name, value, id=f"{case.name}-{name}-{label}"))
    return params


def db_snapshot(db) -> dict[str, list[tuple]]:
    """Every row of every table, in primary-key order."""
    db.session.commit()
    return {
        table.name: [tuple(row) for row in db.session.execute(select(table).order_by(*table.primary_key.columns))]
        for table in db.metadata.sorted_tables
    }


def _prepare(case: FormCase, world: World) -> tuple[str, dict[str, Any]]:
    """Sign in, build the URL and base values, and take the form's CSRF token."""
    url, base = case.url(world), case.base(world)
    if case.who is not None:
        world.auth.login(getattr(world, case.who))
    token = csrf_token(world.client, case.page(world) if case.page else url)
    return url, {**base, "csrf_token": token}


def _shows_error(case: FormCase, response, client, name: str) -> bool:
    if response.status_code not in (200, 302, 422):
        return 400 <= response.status_code < 500  # a malformed request
    if case.flashes:
        assert response.status_code == 302, response.status_code
        return 'class="alert alert--error"' in client.get(response.headers["Location"]).get_data(as_text=True)
    html = response.get_data(as_text=True)
    # Next to the field, or (for a field the page does not draw) in the summary above the form.
    return f'id="{name}-error"' in html or f'<a href="#{name}">' in html


def assert_base_values_accepted(case: FormCase, world: World, db) -> None:
    url, data = _prepare(case, world)
    before = db_snapshot(db)
    response = world.client.post(url, data=data)
    html = response.get_data(as_text=True)
    assert response.status_code in (200, 302), response.status_code
    assert '-error"' not in html and "alert--error" not in html
    if case.flashes:
        assert "alert--error" not in world.client.get(response.headers["Location"]).get_data(as_text=True)
    assert db_snapshot(db) != before, "the valid values changed nothing"


def assert_hostile_value_refused(case: FormCase, name: str, value: str, world: World, db) -> None:
    url, data = _prepare(case, world)
    data[name] = value
    before = db_snapshot(db)
    response = world.client.post(url, data=data)
    assert response.status_code < 500, f"{response.status_code} for {name}={value[:40]!r}"
    assert _shows_error(case, response, world.client, name), f"no error shown for {name}={value[:40]!r}"
    assert db_snapshot(db) == before, f"{name}={value[:40]!r} changed the database"
