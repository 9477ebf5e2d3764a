"""Forms for meetups: a meetup, the season rule, check-in, announcements.

Times are entered as wall-clock times in the group's timezone; ``to_data``
converts them to UTC (see ``meetups.schedule.local_to_utc``).
"""
from __future__ import annotations

from datetime import UTC, date, datetime

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    DateTimeLocalField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
    URLField,
)
from wtforms.validators import URL, DataRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from common.forms import Form, IntegerField, InYears
from meetups.schedule import SeasonRule, local_to_utc
from meetups.services import MeetupData

MONTH_LABELS = (
    _l("January"), _l("February"), _l("March"), _l("April"), _l("May"), _l("June"),
    _l("July"), _l("August"), _l("September"), _l("October"), _l("November"), _l("December"),
)
WEEKDAY_LABELS = (_l("Monday"), _l("Tuesday"), _l("Wednesday"), _l("Thursday"), _l("Friday"),
                  _l("Saturday"), _l("Sunday"))
ORDINAL_LABELS = ((1, _l("1st")), (2, _l("2nd")), (3, _l("3rd")), (4, _l("4th")), (-1, _l("Last")))
DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class _DetailsMixin:
    place = StringField(_l("Place"), validators=[Optional(), Length(max=200)],
                        description=_l("The venue's name, e.g. \"Kødbyens Kantine\"."))
    address = StringField(_l("Address"), validators=[Optional(), Length(max=300)])
    map_url = URLField(_l("Map link"), validators=[Optional(), URL(), Length(max=500)])
    speaker = StringField(_l("Speaker"), validators=[Optional(), Length(max=200)],
                          description=_l("Name and affiliation, e.g. \"Mette Holm, Novo Nordisk\"."))
    agenda = TextAreaField(_l("Agenda"), validators=[Optional(), Length(max=5000)])
    capacity = IntegerField(_l("Capacity"), validators=[Optional(), NumberRange(min=1, max=10000)],
                            description=_l("Seats available. Leave empty for no limit; "
                                           "when it is full, members join a waitlist."))


class MeetupForm(_DetailsMixin, Form):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=160)])
    starts_at = DateTimeLocalField(_l("Starts"), format=DATETIME_FORMAT, validators=[DataRequired(), InYears()])
    ends_at = DateTimeLocalField(_l("Ends"), format=DATETIME_FORMAT, validators=[DataRequired(), InYears()])
    rsvp_deadline = DateTimeLocalField(
        _l("Answers close"), format=DATETIME_FORMAT, validators=[Optional(), InYears()],
        description=_l("Members can change their answer until then. Empty: until the start."))

    def validate_ends_at(self, field) -> None:
        if self.starts_at.data and field.data and field.data <= self.starts_at.data:
            raise ValidationError(_l("The end must be after the start."))

    def validate_rsvp_deadline(self, field) -> None:
        if self.starts_at.data and field.data and field.data > self.starts_at.data:
            raise ValidationError(_l("Answers must close before the meetup starts."))

    def to_data(self, timezone: str) -> MeetupData:
        return MeetupData(
            title=self.title.data.strip(),
            starts_at=local_to_utc(self.starts_at.data, timezone),
            ends_at=local_to_utc(self.ends_at.data, timezone),
            place=(self.place.data or "").strip(),
            address=(self.address.data or "").strip(),
            map_url=(self.map_url.data or "").strip(),
            agenda=(self.agenda.data or "").strip(),
            speaker=(self.speaker.data or "").strip(),
            capacity=self.capacity.data,
            rsvp_deadline=local_to_utc(self.rsvp_deadline.data, timezone) if self.rsvp_deadline.data else None,
        )


class SeasonForm(_DetailsMixin, Form):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=160)], default=_l("Monthly meetup"),
                        description=_l("Every meetup gets this title; edit each one afterwards."))
    first_month = DateField(_l("First month"), format="%Y-%m", validators=[DataRequired(), InYears()],
                            render_kw={"type": "month"})
    last_month = DateField(_l("Last month"), format="%Y-%m", validators=[DataRequired(), InYears()],
                           render_kw={"type": "month"})
    ordinal = SelectField(_l("Which"), coerce=int, choices=ORDINAL_LABELS, default=2)
    weekday = SelectField(_l("Weekday"), coerce=int, choices=list(enumerate(WEEKDAY_LABELS)), default=1)
    start_time = TimeField(_l("From"), validators=[DataRequired()], format="%H:%M")
    end_time = TimeField(_l("To"), validators=[DataRequired()], format="%H:%M")
    skip_months = MultiCheckboxField(_l("Skip these months"), coerce=int,
                                     choices=[(i + 1, label) for i, label in enumerate(MONTH_LABELS)],
                                     default=[7])

    def validate_last_month(self, field) -> None:
        first = self.first_month.data
        if first and field.data:
            if field.data < first:
                raise ValidationError(_l("The last month must not be before the first."))
            if (field.data.year - first.year) * 12 + field.data.month - first.month >= 24:
                raise ValidationError(_l("A season spans at most two years."))

    def validate_end_time(self, field) -> None:
        if self.start_time.data and field.data and field.data == self.start_time.data:
            raise ValidationError(_l("The end must be after the start."))

    def validate_skip_months(self, field) -> None:
        if len(field.data or []) >= 12:
            raise ValidationError(_l("Leave at least one month in."))

    def to_rule(self, timezone: str) -> SeasonRule:
        return SeasonRule(
            first=self.first_month.data, last=self.last_month.data, weekday=self.weekday.data,
            ordinal=self.ordinal.data, start_time=self.start_time.data, end_time=self.end_time.data,
            timezone=timezone, skip_months=frozenset(self.skip_months.data or []),
        )

    def to_template(self) -> MeetupData:
        """The fields every meetup of the season shares (times come from the rule)."""
        today = date.today()
        placeholder = datetime(today.year, today.month, today.day, tzinfo=UTC)
        return MeetupData(
            title=self.title.data.strip(), starts_at=placeholder, ends_at=placeholder,
            place=(self.place.data or "").strip(), address=(self.address.data or "").strip(),
            map_url=(self.map_url.data or "").strip(), agenda=(self.agenda.data or "").strip(),
            speaker=(self.speaker.data or "").strip(), capacity=self.capacity.data,
        )


class SelfCheckInForm(Form):
    code = StringField(_l("Check-in code"), validators=[DataRequired(), Length(max=20)],
                       description=_l("The code shown at the venue."),
                       render_kw={"autocomplete": "off", "autocapitalize": "characters", "inputmode": "text"})


class WalkInForm(Form):
    user_id = SelectField(_l("Member"), coerce=int, validators=[DataRequired()])


class AnnouncementForm(Form):
    subject = StringField(_l("Subject"), validators=[DataRequired(), Length(max=160)])
    body = TextAreaField(_l("Message"), validators=[DataRequired(), Length(max=10000)],
                         render_kw={"rows": 10})


class AbsenceRuleForm(Form):
    absence_limit = IntegerField(_l("More than this many absences"), validators=[Optional(), NumberRange(min=0, max=50)],
                                 description=_l("Leave empty to switch the rule off."))
    absence_months = IntegerField(_l("Within this many months"), validators=[DataRequired(), NumberRange(min=1, max=24)],
                                  default=6)
