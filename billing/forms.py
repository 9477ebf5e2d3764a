"""Forms of the checkout, the host payment actions and the billing settings."""
from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from wtforms import (
    EmailField,
    RadioField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Email, InputRequired, Length, NumberRange, Optional, Regexp, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from common.forms import DecimalField, Form, IntegerField


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class CheckoutForm(Form):
    payer_kind = RadioField(
        _l("Who pays?"), choices=[("self", _l("I pay myself")), ("company", _l("My company pays"))],
        default="self", validators=[InputRequired()],
    )
    company_name = StringField(_l("Company name"), validators=[Optional(), Length(max=200)])
    company_vat = StringField(_l("CVR / VAT number"), validators=[Optional(), Length(max=40)],
                              description=_l("Printed on the invoice; Stripe also collects it."))
    company_email = EmailField(_l("Billing email"), validators=[Optional(), Email(), Length(max=254)],
                               description=_l("Where the invoice or receipt is sent."))
    company_address = TextAreaField(_l("Billing address"), validators=[Optional(), Length(max=500)],
                                    render_kw={"rows": 3})
    company_ean = StringField(
        _l("EAN number (public customers)"),
        validators=[Optional(), Length(max=13), Regexp(r"^\d{13}$", message=_l("An EAN number is 13 digits."))],
        description=_l("For electronic invoices to a public institution (EAN-lokationsnummer)."))
    po_reference = StringField(_l("Purchase order reference (optional)"), validators=[Optional(), Length(max=30)])
    colleagues = MultiCheckboxField(_l("Also pay for colleagues"), coerce=int, choices=[],
                                    description=_l("Approved members of your company in this group."))
    provider = RadioField(_l("How to pay"), choices=[], validators=[InputRequired()])

    def validate_company_name(self, field: StringField) -> None:
        if self.payer_kind.data == "company" and not (field.data or "").strip():
            raise ValidationError(_l("Enter the company name."))

    def validate_company_email(self, field: EmailField) -> None:
        if self.payer_kind.data == "company" and not (field.data or "").strip():
            raise ValidationError(_l("Enter the billing email."))

    def validate_colleagues(self, field: MultiCheckboxField) -> None:
        if field.data and self.payer_kind.data != "company":
            raise ValidationError(_l("Only a company can pay for colleagues' seats."))


class RefundForm(Form):
    amount = DecimalField(_l("Amount to refund"), places=2,
                          validators=[InputRequired(), NumberRange(min=Decimal("0.01"), max=Decimal("10000000"))])
    reason = StringField(_l("Reason (optional)"), validators=[Optional(), Length(max=200)])


class BillingSettingsForm(Form):
    legal_name = StringField(_l("Legal name (seller)"), validators=[InputRequired(), Length(max=200)])
    cvr = StringField(_l("CVR number"), validators=[Optional(), Length(max=40)])
    address = TextAreaField(_l("Address"), validators=[Optional(), Length(max=500)], render_kw={"rows": 3})
    email = EmailField(_l("Billing contact email"), validators=[Optional(), Email(), Length(max=254)])
    bank_account = StringField(_l("Bank account (reg. and account no.)"),
                               validators=[Optional(), Length(max=80)])
    iban = StringField(_l("IBAN (optional)"), validators=[Optional(), Length(max=40)])
    joining_price = RadioField(
        _l("A member who joins after the season's first meetup pays"),
        choices=[("full", _l("The full fee")), ("prorated", _l("A share of the fee: the meetups left of the season")),
                 ("free", _l("Nothing until the next season"))],
        default="full", validators=[Optional()],
    )
    payment_terms_days = IntegerField(_l("Payment terms (days)"),
                                      validators=[InputRequired(), NumberRange(min=0, max=120)])
    grace_days = IntegerField(_l("Grace period after the season starts (days)"),
                              validators=[InputRequired(), NumberRange(min=0, max=120)],
                              description=_l("Unpaid members lapse after this many days of the new season."))
    included_text = TextAreaField(_l("What the fee includes"), validators=[Optional(), Length(max=1000)],
                                  render_kw={"rows": 3},
                                  description=_l("Shown on the payment page, e.g. meetups, dinners, speakers."))
