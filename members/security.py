"""Passwords and signed tokens."""
from __future__ import annotations

import hashlib
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from zxcvbn import zxcvbn

_hasher = PasswordHasher()  # argon2id, salted

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password(password_hash: str, password: str) -> bool:
    """Verify exactly as typed (no trimming, no case folding)."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# A valid hash to verify against when the email is unknown, so that an
# unknown address costs as much time as a wrong password.
_DUMMY_HASH = _hasher.hash("not-a-real-password-ever")


def burn_password_check(password: str) -> None:
    check_password(_DUMMY_HASH, password)


def password_problem(password: str, user_inputs: list[str] | None = None) -> str | None:
    """Why a new password is refused, or None if it is acceptable.

    Length 8+ (long passphrases welcome); common or guessable passwords are
    refused using zxcvbn's frequency lists and pattern matching (score < 2).
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        return _("Use at least %(num)d characters.", num=MIN_PASSWORD_LENGTH)
    if len(password) > MAX_PASSWORD_LENGTH:
        return _("Use at most %(num)d characters.", num=MAX_PASSWORD_LENGTH)
    # zxcvbn's cost grows with length; a long passphrase is strong anyway.
    result = zxcvbn(password[:100], user_inputs=[u for u in (user_inputs or []) if u])
    if result["score"] < 2:
        hint = result["feedback"].get("warning") or ""
        return _("This password is too easy to guess.") + (f" {hint}" if hint else "")
    return None


# Tokens -----------------------------------------------------------------

def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"nq.{salt}")


def fingerprint(*parts: Any) -> str:
    """A short digest of state that, once changed, voids a token (single use)."""
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()
    return digest[:16]


def make_token(salt: str, payload: dict[str, Any]) -> str:
    return _serializer(salt).dumps(payload)


def read_token(salt: str, token: str, max_age: int) -> dict[str, Any] | None:
    """The payload of a valid, unexpired token; None otherwise."""
    try:
        payload = _serializer(salt).loads(token, max_age=max_age)
    except (SignatureExpired, BadSignature):
        return None
    return payload if isinstance(payload, dict) else None
