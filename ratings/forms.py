"""Forms: rating a meetup, reporting an outcome, proposing an introduction."""
from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectField, SelectMultipleField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from common.forms import DecimalField, Form

SCALE = [(n, str(n)) for n in range(1, 6)]
YES_NO = [("yes", _l("Yes")), ("no", _l("No"))]
RENEWAL_CHOICES = [("yes", _l("Yes")), ("unsure", _l("Not sure")), ("no", _l("No"))]
OUTCOME_KIND_LABELS = {
    "deal": _l("A deal (new business)"),
    "partner": _l("A partner"),
    "job_lead": _l("A job lead or hire"),
    "learning": _l("Learning"),
    "other": _l("Something else"),
}


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class RatingForm(Form):
    fit = RadioField(
        _l("Fit: did it serve your purpose?"), choices=SCALE, coerce=int,
        validators=[InputRequired(_l("Choose 1 to 5."))],
    )
    chemistry = RadioField(
        _l("Chemistry: did you click with people?"), choices=SCALE, coerce=int,
        validators=[InputRequired(_l("Choose 1 to 5."))],
    )
    worth_time = RadioField(
        _l("Was it worth your time?"), choices=YES_NO, validators=[InputRequired(_l("Choose yes or no."))]
    )
    gave_help = RadioField(
        _l("Did you give someone help?"), choices=YES_NO,
        validators=[InputRequired(_l("Choose yes or no."))],
    )
    got_help = RadioField(
        _l("Did you get help?"), choices=YES_NO,
        validators=[InputRequired(_l("Choose yes or no."))],
    )
    renewal_intent = RadioField(
        _l("Would you renew your membership next season?"), choices=RENEWAL_CHOICES,
        validators=[InputRequired(_l("Choose one."))],
    )
    clicked = MultiCheckboxField(_l("Who did you click with?"), coerce=int, validators=[Optional()])
    comment = TextAreaField(
        _l("A comment to the host (optional)"),
        validators=[Optional(), Length(max=2000)],
        description=_l("Shown to the host without your name, and only once at least 3 people rated."),
    )


class OutcomeForm(Form):
    kind = SelectField(
        _l("What did the group bring you?"), choices=list(OUTCOME_KIND_LABELS.items()),
        validators=[DataRequired()],
    )
    value = DecimalField(
        _l("Value (optional)"), places=2, validators=[Optional(), NumberRange(min=0, max=Decimal("100000000"))],
        description=_l("Roughly what it is worth, in the group's currency."),
    )
    credited_user_id = SelectField(
        _l("Thank a member (optional)"), coerce=int, validators=[Optional()],
        description=_l("They get a note that you credited them."),
    )
    introduction_id = SelectField(
        _l("Did it come from an introduction? (optional)"), coerce=int, validators=[Optional()]
    )
    note = TextAreaField(_l("What happened?"), validators=[Optional(), Length(max=2000)])

    def validate_credited_user_id(self, field) -> None:
        if field.data and field.data not in {value for value, _label in field.choices}:
            raise ValidationError(_l("Choose a member of this group."))


class IntroductionForm(Form):
    member_a_id = SelectField(_l("Introduce"), coerce=int, validators=[DataRequired(_l("Choose a member."))])
    member_b_id = SelectField(_l("to"), coerce=int, validators=[DataRequired(_l("Choose a member."))])
    reason = TextAreaField(
        _l("Why should they meet?"), validators=[DataRequired(), Length(max=1000)],
        description=_l("Both see this. Contact details are shared once both accept."),
    )

    def validate_member_b_id(self, field) -> None:
        if field.data == self.member_a_id.data:
            raise ValidationError(_l("Choose two different members."))
