"""The shared form pieces of common/forms.py, without HTTP (the sweep is tests/test_hostile_forms.py)."""
from __future__ import annotations

from decimal import Decimal

import pytest
from werkzeug.datastructures import MultiDict
from wtforms import StringField
from wtforms.validators import DataRequired, NumberRange, Optional

from common.forms import DecimalField, Form, IntegerField


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
