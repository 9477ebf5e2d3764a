"""Dates, money and numbers for people: Babel formatters in the group's timezone."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime, format_time
from babel.numbers import format_currency, get_currency_symbol, parse_pattern
from flask import Flask, g, has_app_context
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _

from common.db import utcnow

DEFAULT_TZ = "Europe/Copenhagen"


def locale_code() -> str:
    """The locale in force ('en', 'da'), cheaply: Flask-Babel keeps it on ``g``.

    Read afresh on every call rather than cached, so ``force_locale`` (emails
    in the recipient's language) is obeyed.
    """
    babel_ctx = g.get("_flask_babel") if has_app_context() else None
    locale = getattr(babel_ctx, "babel_locale", None) or get_locale()
    return _code_of(locale) if locale is not None else "en"


@lru_cache(maxsize=16)
def _code_of(locale: Locale) -> str:
    return str(locale)


def to_local(value: datetime, tz: str | None = None) -> datetime:
    return value.astimezone(ZoneInfo(tz or DEFAULT_TZ))


# Formatting a time or an amount is pure (value, timezone, locale → text) and
# Babel takes 20–50 µs per call; a page shows the same few meetup times and
# fees over and over, so each text is made once per worker.
FORMAT_CACHE_SIZE = 4096


def fmt_datetime(value: datetime | None, tz: str | None = None) -> str:
    """'Tue 9 Dec 2025, 17:00' in the given timezone."""
    if value is None:
        return ""
    return _datetime_text(value, tz, locale_code())


@lru_cache(maxsize=FORMAT_CACHE_SIZE)
def _datetime_text(value: datetime, tz: str | None, locale: str) -> str:
    local = to_local(value, tz)
    return format_datetime(local, "EEE d MMM y, HH:mm", tzinfo=local.tzinfo, locale=locale)


def fmt_date(value: date | datetime | None, tz: str | None = None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_local(value, tz).date()
    return _date_text(value, locale_code())


@lru_cache(maxsize=FORMAT_CACHE_SIZE)
def _date_text(value: date, locale: str) -> str:
    return format_date(value, "EEE d MMM y", locale=locale)


def fmt_span(start: datetime, end: datetime, tz: str | None = None) -> str:
    """'Tue 9 Dec 2025, 17:00–19:30' (the end's date only when it differs)."""
    return _span_text(start, end, tz, locale_code())


@lru_cache(maxsize=FORMAT_CACHE_SIZE)
def _span_text(start: datetime, end: datetime, tz: str | None, locale: str) -> str:
    local_start, local_end = to_local(start, tz), to_local(end, tz)
    if local_start.date() == local_end.date():
        end_text = format_time(local_end, "HH:mm", tzinfo=local_end.tzinfo, locale=locale)
    else:
        end_text = _datetime_text(end, tz, locale)
    return f"{_datetime_text(start, tz, locale)}–{end_text}"


def fmt_relative(value: datetime | None) -> str:
    """'in 3 days', 'tomorrow', '2 hours ago' — a hint next to an absolute date."""
    if value is None:
        return ""
    seconds = (value - utcnow()).total_seconds()
    future = seconds >= 0
    seconds = abs(seconds)
    if seconds < 3600:
        unit, num = "minute", max(int(seconds // 60), 1)
    elif seconds < 86400:
        unit, num = "hour", int(seconds // 3600)
    else:
        unit, num = "day", int(seconds // 86400)
    return _relative_text(unit, num, future, locale_code())


@lru_cache(maxsize=FORMAT_CACHE_SIZE)
def _relative_text(unit: str, num: int, future: bool, locale: str) -> str:
    """The words for one (unit, number, direction) in ``locale`` (the locale in force when called)."""
    if unit == "day" and num == 1:
        return _("tomorrow") if future else _("yesterday")
    if unit == "minute":
        text = ngettext("%(num)d minute", "%(num)d minutes", num)
    elif unit == "hour":
        text = ngettext("%(num)d hour", "%(num)d hours", num)
    else:
        text = ngettext("%(num)d day", "%(num)d days", num)
    return _("in %(span)s", span=text) if future else _("%(span)s ago", span=text)


def fmt_money(minor: int | None, currency: str = "DKK") -> str:
    """Integer minor units to 'DKK 8,000' / '8.000 kr.' per locale.

    Whole amounts drop the decimals; a currency shown as letters (DKK) is
    kept apart from the digits by a no-break space, as CLDR's spacing rule asks.
    """
    if minor is None:
        return ""
    return _money_text(minor, currency, locale_code())


@lru_cache(maxsize=FORMAT_CACHE_SIZE)
def _money_text(minor: int, currency: str, code: str) -> str:
    locale = _babel_locale(code)
    pattern = locale.currency_formats["standard"].pattern
    if minor % 100 == 0:
        pattern = pattern.replace(".00", "")
    symbol = get_currency_symbol(currency, locale)
    if symbol.isalpha():
        pattern = pattern.replace("¤#", "¤\u00a0#")
    return format_currency(
        Decimal(minor) / 100, currency, format=pattern, locale=locale, currency_digits=minor % 100 != 0
    )


@lru_cache(maxsize=64)
def _pattern(fmt: str):
    """Babel parses a number pattern on every call; parse each one once."""
    return parse_pattern(fmt)


@lru_cache(maxsize=16)
def _babel_locale(code: str) -> Locale:
    return Locale.parse(code)


def fmt_number(value: float | int | None, digits: int = 1) -> str:
    if value is None:
        return "—"
    return _number_text(value, digits, locale_code())


@lru_cache(maxsize=FORMAT_CACHE_SIZE)
def _number_text(value: float | int, digits: int, locale: str) -> str:
    return _pattern(f"#,##0.{'0' * digits}" if digits else "#,##0").apply(value, _babel_locale(locale))


def fmt_percent(value: float | None) -> str:
    if value is None:
        return "—"
    return _percent_text(value, locale_code())


@lru_cache(maxsize=FORMAT_CACHE_SIZE)
def _percent_text(value: float, locale: str) -> str:
    return _pattern("#,##0 %").apply(value, _babel_locale(locale))


def fmt_rate_bp(basis_points: int) -> str:
    """A rate in basis points as people write it: 2500 → '25 %', 1250 → '12.5 %' (per locale)."""
    return _pattern("#,##0.## %").apply(basis_points / 10000, _babel_locale(locale_code()))


def init_formatting(app: Flask) -> None:
    app.jinja_env.filters.update(
        datetime=fmt_datetime,
        date=fmt_date,
        span=fmt_span,
        relative=fmt_relative,
        money=fmt_money,
        number=fmt_number,
        percent=fmt_percent,
        rate_bp=fmt_rate_bp,
    )
