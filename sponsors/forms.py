"""Forms of the sponsor portal."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField
from wtforms.validators import DataRequired, Email, Length

from common.forms import Form


class InviteSponsorForm(Form):
    email = EmailField(_l("Their email"), validators=[
        DataRequired(_l("Enter an email address.")), Email(_l("Enter a valid email address.")), Length(max=254)])


class ShareForm(Form):
    scores = BooleanField(_l("My own fit and chemistry averages"))
    relationships = BooleanField(_l("My number of connections and deep relationships"))
    outcomes = BooleanField(_l("The outcomes I reported and their value"))


class AcceptForm(Form):
    pass
