"""Forms for accounts and profiles."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import URL, DataRequired, Email, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from common.forms import Form
from members.models import PURPOSES
from members.security import MAX_PASSWORD_LENGTH, password_problem

PURPOSE_LABELS = {
    "sales": _l("Sales"),
    "partners": _l("Partners"),
    "learning": _l("Learning"),
    "lobbying": _l("Lobbying"),
    "career": _l("Career"),
    "other": _l("Other"),
}


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class StrongPassword:
    """Refuses short and common passwords (zxcvbn); user inputs from other fields."""

    def __init__(self, *other_fields: str) -> None:
        self.other_fields = other_fields

    def __call__(self, form, field) -> None:
        inputs = [form[name].data for name in self.other_fields if name in form]
        problem = password_problem(field.data or "", inputs)
        if problem:
            raise ValidationError(problem)


class RegisterForm(Form):
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(_l("Work email"), validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), StrongPassword("email", "name")],
        description=_l("At least 8 characters. A few unrelated words make a strong passphrase."),
    )


class LoginForm(Form):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])
    remember = BooleanField(_l("Keep me signed in on this device"))


class ResetRequestForm(Form):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])


class NewPasswordForm(Form):
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), StrongPassword()],
        description=_l("At least 8 characters. A few unrelated words make a strong passphrase."),
    )


class ChangePasswordForm(Form):
    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)]
    )
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), StrongPassword()],
        description=_l("At least 8 characters. Changing it signs you out everywhere else."),
    )


class ChangeEmailForm(Form):
    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)]
    )
    email = EmailField(_l("New email"), validators=[DataRequired(), Email(), Length(max=254)])


def _tags(text: str) -> list[str]:
    seen: list[str] = []
    for raw in text.split(","):
        tag = " ".join(raw.strip().lower().split())[:40]
        if tag and tag not in seen:
            seen.append(tag)
    return seen[:20]


class ProfileForm(Form):
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=120)])
    headline = StringField(
        _l("Headline"), validators=[Optional(), Length(max=160)],
        description=_l("One line: what you do, e.g. “CFO at Nordlys, scaling B2B SaaS”."),
    )
    company_name = StringField(_l("Employer"), validators=[Optional(), Length(max=200)])
    company_vat = StringField(_l("Employer CVR/VAT number"), validators=[Optional(), Length(max=40)])
    company_billing_email = EmailField(
        _l("Employer billing email"), validators=[Optional(), Email(), Length(max=254)]
    )
    industry = StringField(_l("Industry"), validators=[Optional(), Length(max=80)])
    bio = TextAreaField(_l("About you"), validators=[Optional(), Length(max=2000)])
    purposes = MultiCheckboxField(
        _l("Why do you network here?"),
        choices=[(p, PURPOSE_LABELS[p]) for p in PURPOSES],
        description=_l("Fit is measured against this. Choose all that apply."),
    )
    offers_tags = StringField(
        _l("I offer (tags)"), validators=[Optional(), Length(max=400)],
        description=_l("Comma-separated, e.g. “cloud migration, board experience”."),
    )
    offers_text = TextAreaField(_l("What I offer"), validators=[Optional(), Length(max=1000)])
    seeks_tags = StringField(
        _l("I seek (tags)"), validators=[Optional(), Length(max=400)],
        description=_l("Comma-separated, e.g. “CFO network, first customers in Germany”."),
    )
    seeks_text = TextAreaField(_l("What I seek"), validators=[Optional(), Length(max=1000)])
    linkedin_url = URLField(
        _l("LinkedIn URL"), validators=[Optional(), URL(require_tld=True), Length(max=300)]
    )
    phone = StringField(_l("Phone (shown to connections)"), validators=[Optional(), Length(max=40)])

    def validate_linkedin_url(self, field) -> None:
        if field.data and not field.data.lower().startswith(("https://", "http://")):
            raise ValidationError(_l("Start the address with https://"))

    @property
    def offers_tag_list(self) -> list[str]:
        return _tags(self.offers_tags.data or "")

    @property
    def seeks_tag_list(self) -> list[str]:
        return _tags(self.seeks_tags.data or "")


class PhotoForm(Form):
    photo = FileField(
        _l("Photo"),
        validators=[FileAllowed(["jpg", "jpeg", "png", "webp"], _l("Use a JPEG, PNG or WebP image."))],
        description=_l("JPEG, PNG or WebP, up to 5 MB. We crop it to a square."),
    )


class DeleteAccountForm(Form):
    current_password = PasswordField(
        _l("Your current password"), validators=[DataRequired(), Length(max=1024)],
        description=_l("To make sure it is really you."),
    )
    confirm = BooleanField(
        _l("I understand that my profile, photo and group memberships are removed for good."),
        validators=[DataRequired(message=_l("Tick the box to confirm."))],
    )
