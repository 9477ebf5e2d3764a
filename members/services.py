"""Account verbs: register, verify, reset, change password/email, profile."""
from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from common.db import utcnow
from common.urls import external_url
from extensions import db
from members.models import Company, Profile, User, email_equals, normalise_email
from members.security import fingerprint, hash_password, make_token, read_token
from outbox.services import queue_email


def find_user_by_email(email: str) -> User | None:
    return db.session.scalars(select(User).where(email_equals(email))).first()


def create_user(email: str, password: str, name: str, *, verified: bool = False) -> User:
    """Add a user with an empty profile (no email is sent)."""
    user = User(
        email=normalise_email(email),
        password_hash=hash_password(password),
        name=name.strip(),
        is_verified=verified,
    )
    user.profile = Profile()
    db.session.add(user)
    db.session.flush()
    return user


def register_user(email: str, password: str, name: str) -> User | None:
    """Register a new account and queue its verification email.

    If the address is taken, nothing is created and the owner gets a
    "someone tried to register" email instead, so the web answer is the same
    either way (no account enumeration). Returns the new user or None.
    """
    existing = find_user_by_email(email)
    if existing is not None:
        queue_email(
            existing.email,
            _("Someone tried to register with your email"),
            "account_exists",
            {"name": existing.name, "login_url": external_url("auth.login"),
             "reset_url": external_url("auth.reset_request")},
        )
        return None
    user = create_user(email, password, name)
    send_verification(user)
    return user


def _verify_payload(user: User) -> dict:
    return {"uid": user.id, "email": user.email, "fp": fingerprint(user.email, user.is_verified)}


def send_verification(user: User) -> None:
    token = make_token("verify", _verify_payload(user))
    queue_email(
        user.email,
        _("Confirm your email for NQ"),
        "verify_email",
        {"name": user.name, "url": external_url("auth.verify", token=token)},
    )


def verify_email(token: str) -> User | None:
    """Mark the user verified; the token stops working once used."""
    payload = read_token("verify", token, current_app.config["TOKEN_MAX_AGE_VERIFY"])
    if payload is None:
        return None
    user = db.session.get(User, payload.get("uid"))
    if user is None or payload != _verify_payload(user):
        return None
    user.is_verified = True
    return user


def _reset_payload(user: User) -> dict:
    # The password hash is in the fingerprint: once the password changes,
    # the link is spent.
    return {"uid": user.id, "fp": fingerprint(user.password_hash, user.email)}


def request_password_reset(email: str) -> None:
    """Queue a reset link if the account exists; silent otherwise."""
    user = find_user_by_email(email)
    if user is None or user.is_deactivated:
        return
    token = make_token("reset", _reset_payload(user))
    queue_email(
        user.email,
        _("Reset your NQ password"),
        "reset_password",
        {"name": user.name, "url": external_url("auth.reset_password", token=token)},
    )


def user_for_reset_token(token: str) -> User | None:
    payload = read_token("reset", token, current_app.config["TOKEN_MAX_AGE_RESET"])
    if payload is None:
        return None
    user = db.session.get(User, payload.get("uid"))
    if user is None or user.is_deactivated or payload != _reset_payload(user):
        return None
    return user


def set_password(user: User, password: str) -> None:
    """Change the password and end every existing session of the user."""
    user.password_hash = hash_password(password)
    user.session_version += 1


def _email_change_payload(user: User, new_email: str) -> dict:
    return {"uid": user.id, "new": new_email, "fp": fingerprint(user.email, user.password_hash)}


def request_email_change(user: User, new_email: str) -> None:
    """Send a confirmation link to the new address; the old one is told too."""
    new_email = normalise_email(new_email)
    if find_user_by_email(new_email) is not None:
        return  # same answer as success; the address is taken
    token = make_token("email", _email_change_payload(user, new_email))
    queue_email(
        new_email,
        _("Confirm your new email for NQ"),
        "confirm_email_change",
        {"name": user.name, "url": external_url("auth.confirm_email", token=token)},
    )
    queue_email(
        user.email,
        _("Your NQ email is about to change"),
        "email_change_notice",
        {"name": user.name, "new_email": new_email},
    )


def confirm_email_change(token: str) -> User | None:
    payload = read_token("email", token, current_app.config["TOKEN_MAX_AGE_VERIFY"])
    if payload is None:
        return None
    user = db.session.get(User, payload.get("uid"))
    if user is None or payload != _email_change_payload(user, payload.get("new", "")):
        return None
    if find_user_by_email(payload["new"]) is not None:
        return None
    user.email = payload["new"]
    user.is_verified = True
    return user


def end_sessions(user: User) -> None:
    """Invalidate every session cookie of the user (checked on each request)."""
    user.session_version += 1


def record_login(user: User) -> None:
    user.last_login_at = utcnow()


def find_or_create_company(name: str, vat_number: str = "", billing_email: str = "") -> Company | None:
    """The company with this VAT number (or name when no number is given)."""
    name, vat_number = name.strip(), vat_number.strip().upper().replace(" ", "")
    if not name:
        return None
    query = select(Company)
    query = query.where(Company.vat_number == vat_number) if vat_number else query.where(Company.name == name)
    company = db.session.scalars(query.limit(1)).first()
    if company is None:
        company = Company(name=name, vat_number=vat_number, billing_email=billing_email.strip())
        db.session.add(company)
    else:
        company.name = name
        if billing_email.strip():
            company.billing_email = billing_email.strip()
    return company
