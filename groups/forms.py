"""Forms for groups: settings, applying, inviting."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from functools import cache
from zoneinfo import available_timezones

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from common.forms import DecimalField, Form, IntegerField, InYears
from groups.seasons import spans_a_year
from groups.services import RESERVED_SLUGS, SLUG_RE, slug_taken

CURRENCIES = ("DKK", "EUR", "SEK", "NOK", "GBP", "USD")
MAX_FEE_MAJOR = Decimal("10000000")


@cache
def _timezones() -> frozenset[str]:
    return frozenset(available_timezones())


class GroupForm(Form):
    """Every setting of a group. ``group_id`` (not a field) excludes the group itself from the slug check."""

    name = StringField(_l("Group name"), validators=[DataRequired(), Length(min=3, max=120)])
    slug = StringField(
        _l("Web address"),
        validators=[Optional(), Length(min=3, max=60)],
        description=_l("Lower-case letters, digits and dashes; shown in the group's web address. Leave empty to derive it from the name."),
    )
    description = TextAreaField(
        _l("Description"), validators=[Optional(), Length(max=4000)],
        description=_l("Who the group is for, what a meetup looks like, what members get out of it."),
    )
    city = StringField(_l("City"), validators=[Optional(), Length(max=80)])
    timezone = StringField(
        _l("Timezone"), default="Europe/Copenhagen", validators=[DataRequired(), Length(max=64)],
        description=_l("An IANA name such as Europe/Copenhagen; meetup times are shown in it."),
    )
    currency = SelectField(_l("Currency"), choices=[(c, c) for c in CURRENCIES], default="DKK")
    fee = DecimalField(
        _l("Season fee"), places=None, default=Decimal("0"),
        validators=[Optional(), NumberRange(min=0, max=MAX_FEE_MAJOR, message=_l("Enter an amount from 0 up to 10,000,000."))],
        description=_l("Per member and season, in whole currency units (e.g. 8000). 0 means free."),
    )
    fee_includes_vat = RadioField(
        _l("The fee you entered is"),
        choices=[("excl", _l("Before VAT: VAT is added at checkout")), ("incl", _l("Including VAT"))],
        validators=[Optional()],
    )
    vat_rate = DecimalField(
        _l("VAT rate (%)"), places=None, default=Decimal("25"),
        validators=[InputRequired(), NumberRange(min=0, max=100, message=_l("Enter a rate from 0 to 100."))],
        description=_l("25 % is the Danish standard rate; 0 if the group does not charge VAT."),
    )
    season_start = DateField(
        _l("Season starts"), validators=[Optional(), InYears()],
        description=_l("The first day of the fee period; every season starts on this day. "
                       "Empty: 1 August."),
    )
    season_end = DateField(
        _l("Season ends"), validators=[Optional(), InYears()],
        description=_l("The last day members pay for (e.g. 30 June, before the summer break), "
                       "at most a year after the start. Empty: a full year."),
    )
    member_cap = IntegerField(
        _l("Member cap"), default=20,
        validators=[InputRequired(), NumberRange(min=2, max=500, message=_l("Enter a number from 2 to 500."))],
        description=_l("Deep beats broad: most good groups have 12–25 members."),
    )
    visibility = RadioField(
        _l("Who can find the group"),
        choices=[("public", _l("Public — listed under Find a group")), ("invite", _l("Invite-only — not listed"))],
        default="public",
    )
    join_policy = RadioField(
        _l("How people join"),
        choices=[("apply", _l("Apply and be approved by a host")), ("open", _l("Open — join directly"))],
        default="apply",
    )
    one_per_industry = BooleanField(
        _l("One member per industry"),
        description=_l("Like BNI's one-per-profession: members never compete with each other inside the group."),
    )

    def __init__(self, *args, group_id: int | None = None, seats_taken: int = 0, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._group_id = group_id
        self._seats_taken = seats_taken

    def validate_slug(self, field) -> None:
        if not field.data:
            return
        field.data = field.data.strip().lower()
        if not SLUG_RE.match(field.data):
            raise ValidationError(_l("Use lower-case letters, digits and single dashes."))
        if field.data in RESERVED_SLUGS:
            raise ValidationError(_l("That address is reserved. Choose another."))
        if slug_taken(field.data, self._group_id):
            raise ValidationError(_l("Another group already uses this address."))

    def validate_timezone(self, field) -> None:
        field.data = (field.data or "").strip()
        if field.data not in _timezones():
            raise ValidationError(_l("Unknown timezone. Use a name like Europe/Copenhagen."))

    def validate_fee(self, field) -> None:
        # Only an amount inside the range is quantized (NumberRange reports the others):
        # quantizing 1e30 or a 40-digit number exceeds the decimal precision and raises.
        if field.data is None or not field.data.is_finite() or not 0 <= field.data <= MAX_FEE_MAJOR:
            return
        if field.data != field.data.quantize(Decimal("0.01")):
            raise ValidationError(_l("Use at most two decimals."))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        # The host says it whenever there is a fee: the same number reads 8,000 or 10,000 otherwise.
        # (Checked here: an unanswered radio skips the field's own validators.)
        fee = self.fee.data
        if self.fee_includes_vat.data not in ("excl", "incl") and fee and fee.is_finite() and fee > 0:
            self.fee_includes_vat.errors = [_l("Say whether the fee includes VAT.")]
            return False
        return valid

    def validate_vat_rate(self, field) -> None:
        if field.data is None or not field.data.is_finite() or not 0 <= field.data <= 100:
            return
        if field.data != field.data.quantize(Decimal("0.01")):
            raise ValidationError(_l("Use at most two decimals."))

    def validate_season_end(self, field) -> None:
        if field.data and self.season_start.data and field.data <= self.season_start.data:
            raise ValidationError(_l("The season must end after it starts."))
        if field.data and self.season_start.data and spans_a_year(self.season_start.data, field.data - timedelta(days=1)):
            raise ValidationError(_l("A season lasts at most a year."))

    def validate_member_cap(self, field) -> None:
        if field.data is not None and field.data < self._seats_taken:
            raise ValidationError(
                _l("%(n)d seats are taken; the cap cannot be lower.", n=self._seats_taken)
            )

    @property
    def fee_minor(self) -> int:
        return int((self.fee.data or Decimal("0")) * 100)

    def settings(self) -> dict:
        """The validated settings, copied field by field (never the raw request)."""
        return {
            "name": self.name.data.strip(),
            "slug": self.slug.data or "",
            "description": (self.description.data or "").strip(),
            "city": (self.city.data or "").strip(),
            "timezone": self.timezone.data,
            "currency": self.currency.data,
            "fee_minor": self.fee_minor,
            "vat_rate_bp": int((self.vat_rate.data or Decimal(0)) * 100),
            "fee_includes_vat": self.fee_includes_vat.data == "incl",
            "season_start": self.season_start.data,
            "season_end": self.season_end.data,
            "member_cap": self.member_cap.data,
            "visibility": self.visibility.data,
            "join_policy": self.join_policy.data,
            "one_per_industry": bool(self.one_per_industry.data),
        }


class NewGroupForm(GroupForm):
    """Creating a group: the host confirms the season dates (the view proposes the default season)."""

    season_start = DateField(
        _l("Season starts"), validators=[InputRequired(message=_l("Enter the first day of the season.")), InYears()],
        description=_l("The first day of the fee period; every season starts on this day."),
    )
    season_end = DateField(
        _l("Season ends"), validators=[InputRequired(message=_l("Enter the season's last day.")), InYears()],
        description=_l("The last day members pay for (e.g. 30 June, before the summer break), "
                       "at most a year after the start."),
    )


class ApplyForm(Form):
    motivation = TextAreaField(
        _l("Why do you want to join?"),
        validators=[DataRequired(), Length(max=1500)],
        description=_l("Your purpose: sales, partners, learning, lobbying, career… Fit is measured against it."),
    )
    contribution = TextAreaField(
        _l("What do you bring?"),
        validators=[DataRequired(), Length(max=1500)],
        description=_l("Give at least as much as you get: experience, contacts, skills you can share."),
    )


class InviteForm(Form):
    email = EmailField(_l("Email address"), validators=[DataRequired(), Email(), Length(max=254)])


class ConfirmForm(Form):
    """A bare form for POST buttons: only the CSRF token."""
