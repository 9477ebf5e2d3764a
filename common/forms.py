"""What every NQ form shares, so that hostile input is a form error (QUALITY 14).

* ``Form`` (the base of every form) refuses NUL bytes in any field: they never
  belong in typed input and PostgreSQL cannot store them in text. This is the
  one place that rule lives.
* ``DecimalField`` takes only finite numbers and ``IntegerField`` only numbers
  that fit in 64 bits, so the range checks after them compare plain numbers
  (``sNaN`` makes any comparison raise; a 400-digit integer overflows the
  float that ``NumberRange`` converts it to).
* ``InYears`` keeps dates within the years a season or meetup can be in:
  year 1 or 9999 falls off the calendar when converted between timezones.
"""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import fields
from wtforms.meta import DefaultMeta
from wtforms.validators import StopValidation, ValidationError

MAX_INTEGER = 2**63 - 1  # a BIGINT
MIN_YEAR = 2000
MAX_YEAR = 2100


def reject_nul_bytes(form: Any, field: fields.Field) -> None:
    """Refuses a field whose submitted value contains a NUL byte, before any other check sees it."""
    if any(isinstance(value, str) and "\x00" in value for value in field.raw_data or ()):
        raise StopValidation(_l("This contains characters that are not allowed."))


class Form(FlaskForm):
    """The base of every NQ form: Flask-WTF (CSRF) plus the NUL byte rule on every field."""

    class Meta(DefaultMeta):
        def bind_field(self, form: Any, unbound_field: Any, options: dict[str, Any]) -> Any:
            bound = super().bind_field(form, unbound_field, options)
            bound.validators = [reject_nul_bytes, *bound.validators]
            return bound


class DecimalField(fields.DecimalField):
    """A decimal field whose value is a finite number: ``Infinity``, ``NaN`` and ``sNaN`` are not valid."""

    data: Any  # a Decimal, or None; as untyped as every WTForms field's, which views assign to freely

    def process_formdata(self, valuelist: list[Any]) -> None:
        super().process_formdata(valuelist)
        if self.data is not None and not self.data.is_finite():
            self.data = None
            raise ValueError(self.gettext("Not a valid decimal value."))


class IntegerField(fields.IntegerField):
    """An integer field whose value fits in a 64-bit column; a longer number is not valid."""

    data: Any  # an int, or None (see DecimalField.data)

    def process_formdata(self, valuelist: list[Any]) -> None:
        super().process_formdata(valuelist)
        if self.data is not None and abs(self.data) > MAX_INTEGER:
            self.data = None
            raise ValueError(self.gettext("Not a valid integer value."))


class InYears:
    """A date or datetime from year ``first`` to year ``last``, inclusive."""

    def __init__(self, first: int = MIN_YEAR, last: int = MAX_YEAR) -> None:
        self.first = first
        self.last = last

    def __call__(self, form: Any, field: fields.Field) -> None:
        if field.data is not None and not self.first <= field.data.year <= self.last:
            raise ValidationError(_l("Enter a date from %(first)d to %(last)d.", first=self.first, last=self.last))
