"""Configuration from the environment (see DESIGN.md, "Public contract")."""
from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
# Only for local development: production refuses to start with it.
DEV_SECRET_KEY = "dev-only-insecure-key-change-me"  # noqa: S105


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def database_url(default: str) -> str:
    """DATABASE_URL, with plain ``postgres://``/``postgresql://`` URLs (as hosting
    providers give them) mapped to the psycopg 3 driver NQ ships with."""
    url = os.environ.get("DATABASE_URL") or default
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


class Config:
    """Production-safe defaults; every secret and address comes from the environment."""

    SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET_KEY)
    SQLALCHEMY_DATABASE_URI = database_url(f"sqlite:///{BASE_DIR / 'instance' / 'nq.sqlite3'}")
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    # Kept read models and their HTML (common.cache): NQ_PAGE_CACHE=0 turns every kind off;
    # NQ_CACHE_URL=redis://… shares them between workers (default: per worker in memory).
    PAGE_CACHE = os.environ.get("NQ_PAGE_CACHE", "1") not in ("0", "false", "no", "off")
    CACHE_URL = os.environ.get("NQ_CACHE_URL") or None
    CACHE_SIZE = int(os.environ.get("NQ_CACHE_SIZE", "5000"))
    DB_IDLE_PING_SECONDS = 10.0  # a pooled connection idle longer is pinged before use (common.db)
    SQLALCHEMY_TRACK_MODIFICATIONS = False

    # Development is the local default; production sets NQ_ENV=production.
    ENV_NAME = os.environ.get("NQ_ENV", "development")
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", ENV_NAME == "production")
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    REMEMBER_COOKIE_DURATION = 60 * 60 * 24 * 30
    PERMANENT_SESSION_LIFETIME = 60 * 60 * 24 * 14
    # Changing password or email needs a login newer than this (seconds).
    FRESH_LOGIN_SECONDS = 15 * 60
    HSTS = ENV_NAME == "production"
    # Reverse proxies in front of the app (nginx: 1); their X-Forwarded-For and
    # X-Forwarded-Proto are trusted so rate limits see the client's address.
    TRUST_PROXY_HOPS = int(os.environ.get("TRUST_PROXY_HOPS", "0"))
    # argon2id parameters; empty means argon2-cffi's defaults (production).
    ARGON2_PARAMS: dict[str, int] = {}

    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    MAX_CONTENT_LENGTH = 6 * 1024 * 1024
    PHOTO_MAX_BYTES = 5 * 1024 * 1024
    UPLOAD_DIR = os.environ.get("UPLOAD_DIR", str(BASE_DIR / "instance" / "uploads"))

    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_LIMIT_PER_ACCOUNT = "5 per 15 minutes"
    LOGIN_LIMIT_PER_IP = "30 per 15 minutes"

    MAIL_SERVER = os.environ.get("MAIL_SERVER") or None
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME") or None
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD") or None
    MAIL_USE_TLS = _env_bool("MAIL_USE_TLS", False)
    MAIL_FROM = os.environ.get("MAIL_FROM", "NQ <no-reply@nq.local>")
    MAIL_DIR = os.environ.get("MAIL_DIR", str(BASE_DIR / "instance" / "mail"))
    OUTBOX_MAX_ATTEMPTS = 8

    TOKEN_MAX_AGE_VERIFY = 60 * 60 * 48
    TOKEN_MAX_AGE_RESET = 60 * 60
    TOKEN_MAX_AGE_INVITE = 60 * 60 * 24 * 30

    # Public address of the site for links in emails (e.g. https://nq.example.com).
    BASE_URL = os.environ.get("BASE_URL") or None

    STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY") or None
    STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET") or None
    STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE") or None

    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "Europe/Copenhagen"
    LANGUAGES = ["en", "da"]

    # Verdict thresholds of the value report (DESIGN.md).
    VERDICT_WORTH_FIT = float(os.environ.get("VERDICT_WORTH_FIT", "3.5"))
    VERDICT_WORTH_CHEMISTRY = float(os.environ.get("VERDICT_WORTH_CHEMISTRY", "3.5"))
    VERDICT_WORTH_DEEP_SHARE = float(os.environ.get("VERDICT_WORTH_DEEP_SHARE", "0.5"))
    VERDICT_WORTH_RENEWAL_YES = float(os.environ.get("VERDICT_WORTH_RENEWAL_YES", "0.6"))
    VERDICT_NOT_WORTH_FIT = float(os.environ.get("VERDICT_NOT_WORTH_FIT", "2.5"))
    VERDICT_NOT_WORTH_CHEMISTRY = float(os.environ.get("VERDICT_NOT_WORTH_CHEMISTRY", "2.5"))
    VERDICT_NOT_WORTH_RENEWAL_YES = float(os.environ.get("VERDICT_NOT_WORTH_RENEWAL_YES", "0.3"))
    VERDICT_MIN_RATERS = 3
    # Outcomes worth this many times the fees stand in for the deep-relationship share.
    VERDICT_WORTH_RETURN = float(os.environ.get("VERDICT_WORTH_RETURN", "1.0"))
    # Below this rating response rate (ratings ÷ attendances) the verdict is tentative.
    VERDICT_RESPONSE_FLOOR = float(os.environ.get("VERDICT_RESPONSE_FLOOR", "0.5"))


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret-key"  # noqa: S105
    SQLALCHEMY_DATABASE_URI = database_url("sqlite://")
    RATELIMIT_STORAGE_URI = "memory://"
    MAIL_SERVER = None
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    HSTS = False
    # Cheap argon2id so the suite stays fast; production keeps the defaults.
    ARGON2_PARAMS = {"time_cost": 1, "memory_cost": 64, "parallelism": 1}
