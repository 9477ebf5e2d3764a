"""The shared form pieces of common/forms.py, without HTTP (the sweep is tests/hostile/)."""
from __future__ import annotations

from decimal import Decimal

import pytest
from werkzeug.datastructures import MultiDict
from wtforms import DateField, DateTimeLocalField, StringField
from wtforms.validators import DataRequired, NumberRange, Optional

from common.forms import DecimalField, Form, IntegerField, InYears


class _Sample(Form):
    text = StringField(validators=[Optional()])
    amount = DecimalField(validators=[Optional(), NumberRange(min=0, max=100)])


def _form(app, **data: str) -> _Sample:
    with app.test_request_context(method="POST"):
        form = _Sample(formdata=MultiDict(data), meta={"csrf": False})
        form.validate()
        return form


def test_nul_byte_is_refused_in_any_field_before_other_checks(app) -> None:
    form = _form(app, text="a\x00b", amount="1\x002")
    assert form.text.errors == ["This contains characters that are not allowed."]
    assert "This contains characters that are not allowed." in form.amount.errors


def test_nul_byte_rule_runs_before_a_required_check(app) -> None:
    class Required(Form):
        name = StringField(validators=[DataRequired()])

    with app.test_request_context(method="POST"):
        form = Required(formdata=MultiDict({"name": "\x00"}), meta={"csrf": False})
        assert not form.validate()
        assert form.name.errors == ["This contains characters that are not allowed."]


@pytest.mark.parametrize("value", ["Infinity", "-Infinity", "NaN", "sNaN", "-sNaN"])
def test_decimal_field_refuses_non_finite_numbers(app, value: str) -> None:
    form = _form(app, amount=value)
    assert form.amount.data is None
    assert form.amount.errors[0] == "Not a valid decimal value."


@pytest.mark.parametrize("value", ["1e30", "9" * 40, "-1"])
def test_decimal_field_out_of_range_is_a_range_error(app, value: str) -> None:
    form = _form(app, amount=value)
    assert form.amount.errors and "between" in form.amount.errors[0]


def test_decimal_field_keeps_a_plain_number(app) -> None:
    form = _form(app, amount="12.50", text="ok")
    assert form.amount.data == Decimal("12.50") and not form.errors


class _Count(Form):
    count = IntegerField(validators=[Optional(), NumberRange(min=0, max=50)])


@pytest.mark.parametrize("value", ["9" * 40, "9" * 400, "-" + "9" * 400, str(2**63)])
def test_integer_field_refuses_numbers_past_64_bits(app, value: str) -> None:
    with app.test_request_context(method="POST"):
        form = _Count(formdata=MultiDict({"count": value}), meta={"csrf": False})
        assert not form.validate()
        assert form.count.data is None and form.count.errors[0] == "Not a valid integer value."


def test_integer_field_in_64_bits_is_range_checked(app) -> None:
    with app.test_request_context(method="POST"):
        form = _Count(formdata=MultiDict({"count": str(2**63 - 1)}), meta={"csrf": False})
        assert not form.validate()
        assert "between" in form.count.errors[0]


class _Dates(Form):
    day = DateField(validators=[Optional(), InYears()])
    starts = DateTimeLocalField(format="%Y-%m-%dT%H:%M", validators=[Optional(), InYears()])


@pytest.mark.parametrize("day,starts", [("0001-01-01", "0001-01-01T00:00"), ("9999-12-31", "9999-12-31T23:59"),
                                        ("1999-12-31", "2101-01-01T00:00")])
def test_dates_outside_2000_to_2100_are_refused(app, day: str, starts: str) -> None:
    with app.test_request_context(method="POST"):
        form = _Dates(formdata=MultiDict({"day": day, "starts": starts}), meta={"csrf": False})
        assert not form.validate()
        assert form.day.errors == form.starts.errors == ["Enter a date from 2000 to 2100."]


def test_dates_at_the_ends_of_the_range_are_kept(app) -> None:
    with app.test_request_context(method="POST"):
        form = _Dates(formdata=MultiDict({"day": "2000-01-01", "starts": "2100-12-31T23:59"}), meta={"csrf": False})
        assert form.validate(), form.errors
