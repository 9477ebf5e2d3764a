"""Passwords and signed tokens."""
from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from typing import Any, TypedDict, cast

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from zxcvbn import zxcvbn

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024


class Argon2Params(TypedDict, total=False):
    """What ``ARGON2_PARAMS`` may override: PasswordHasher's int parameters."""

    time_cost: int
    memory_cost: int
    parallelism: int
    hash_len: int
    salt_len: int


@lru_cache(maxsize=4)
def _hasher_for(params: tuple[tuple[str, int], ...]) -> PasswordHasher:
    # The pairs are ARGON2_PARAMS (names and ints); PasswordHasher rejects unknown names itself.
    return PasswordHasher(**cast(Argon2Params, dict(params)))  # argon2id, salted


def _hasher() -> PasswordHasher:
    """argon2id with argon2-cffi's defaults, unless ``ARGON2_PARAMS`` overrides
    them (TestConfig does, to keep the suite fast)."""
    params = current_app.config.get("ARGON2_PARAMS") or {}
    return _hasher_for(tuple(sorted(params.items())))


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def check_password(password_hash: str, password: str) -> bool:
    """Verify exactly as typed (no trimming, no case folding)."""
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with other argon2 parameters than today's."""
    try:
        return _hasher().check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


@lru_cache(maxsize=4)
def _dummy_hash(hasher: PasswordHasher) -> str:
    return hasher.hash("not-a-real-password-ever")


def burn_password_check(password: str) -> None:
    """Spend the time of a real check, so that an unknown email answers as
    slowly as a wrong password (no account enumeration by timing)."""
    hasher = _hasher()
    try:
        hasher.verify(_dummy_hash(hasher), password)
    except (VerificationError, InvalidHashError):
        pass


def password_problem(password: str, user_inputs: list[str] | None = None) -> str | None:
    """Why a new password is refused, or None if it is acceptable.

    Length 8+ (long passphrases welcome); common or guessable passwords are
    refused using zxcvbn's frequency lists and pattern matching (score < 2).
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        return _("Use at least %(num)d characters.", num=MIN_PASSWORD_LENGTH)
    if len(password) > MAX_PASSWORD_LENGTH:
        return _("Use at most %(num)d characters.", num=MAX_PASSWORD_LENGTH)
    # zxcvbn refuses more than 72 characters (its cost grows with length); a long
    # passphrase is judged by its start, which must be strong on its own.
    result = zxcvbn(password[:72], user_inputs=_personal_words(user_inputs or []))
    if result["score"] < 2:
        hint = result["feedback"].get("warning") or ""
        return _("This password is too easy to guess.") + (f" {hint}" if hint else "")
    return None


def _personal_words(inputs: list[str]) -> list[str]:
    """Name and email as zxcvbn dictionary words: whole, in parts and joined
    ("Ada Lovelace" → "ada lovelace", "ada", "lovelace", "adalovelace")."""
    words: list[str] = []
    for value in inputs:
        if not value:
            continue
        value = value.lower()
        parts = [p for p in re.split(r"[^\w]+", value) if len(p) >= 3]
        words += [value, *parts, "".join(parts)]
        if "@" in value:
            words.append(value.split("@", 1)[0])
    return list(dict.fromkeys(w for w in words if w))


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
