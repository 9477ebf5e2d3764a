"""Every form of NQ is in the sweep: each typed field attacked, each form refusing NUL bytes
and over-long text (see __init__.py)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, FileField, HiddenField, StringField, SubmitField

from tests.hostile.test_host_forms import HOST_CASES
from tests.hostile.test_member_forms import MEMBER_CASES

CASES = HOST_CASES + MEMBER_CASES

# Forms whose fields take no typed values, so have nothing to attack.
NOTHING_TO_ATTACK = {"groups.forms:ConfirmForm", "members.forms:PhotoForm",
                     "sponsors.forms:ShareForm", "sponsors.forms:AcceptForm"}


def _form_classes() -> dict[str, type]:
    """Every form class of NQ ("module:Class"): the app has imported them all through its views."""
    found: dict[str, type] = {}
    pending = [FlaskForm]
    while pending:
        for sub in pending.pop().__subclasses__():
            pending.append(sub)
            if not sub.__module__.startswith(("tests.", "flask_wtf", "common.forms")):
                found[f"{sub.__module__}:{sub.__name__}"] = sub
    return found


def test_every_form_refuses_nul_bytes_and_over_long_text(app) -> None:
    """Each form derives from common.forms.Form (the NUL rule), and each text field has a maximum length."""
    from common.forms import Form
    from members.forms import StrongPassword

    with app.test_request_context():
        for key, form_class in _form_classes().items():
            assert issubclass(form_class, Form), f"{key} is not a common.forms.Form"
            for f in form_class(meta={"csrf": False}):
                if isinstance(f, StringField) and not isinstance(f, HiddenField):
                    assert any(getattr(v, "max", -1) > 0 or isinstance(v, StrongPassword) for v in f.validators), (
                        f"{key}.{f.name} has no maximum length")


def test_every_form_field_is_attacked(app) -> None:
    attacked: dict[str, set[str]] = {}
    for case in CASES:
        if case.form is not None:
            attacked.setdefault(case.form, set()).update(case.fields)
    untyped = (BooleanField, FileField, HiddenField, SubmitField)
    with app.test_request_context():
        for key, form_class in _form_classes().items():
            if key in NOTHING_TO_ATTACK:
                continue
            form = form_class(meta={"csrf": False})
            typed = {f.name for f in form if not isinstance(f, untyped)}
            assert key in attacked, f"{key} has no case in CASES"
            assert typed <= attacked[key], f"{key}: {sorted(typed - attacked[key])} are not attacked"
