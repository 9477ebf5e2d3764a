"""Users, their profiles and the companies that pay for them."""
from __future__ import annotations

import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from common.db import UTCDateTime, utcnow
from extensions import Model

if TYPE_CHECKING:
    from groups.models import Membership

PURPOSES = ("sales", "partners", "learning", "lobbying", "career", "other")


def new_calendar_token() -> str:
    return secrets.token_urlsafe(24)


def initials_of(name: str) -> str:
    """Up to two initials for an avatar without a photo."""
    parts = [p for p in name.split() if p]
    return ("".join(p[0] for p in parts[:2]) or "?").upper()


class Company(Model):
    __tablename__ = "company"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    vat_number: Mapped[str] = mapped_column(String(40), default="")
    billing_email: Mapped[str] = mapped_column(String(254), default="")
    address: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class User(Model):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased: one account per address, whatever the capitals.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(120))
    locale: Mapped[str] = mapped_column(String(8), default="en")
    is_verified: Mapped[bool] = mapped_column(Boolean, default=False)
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    is_deactivated: Mapped[bool] = mapped_column(Boolean, default=False)
    # Bumped on logout, password change and deactivation: ends every session.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    calendar_token: Mapped[str] = mapped_column(
        String(64), unique=True, default=new_calendar_token
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    profile: Mapped[Profile] = relationship(
        back_populates="user", uselist=False, cascade="all, delete-orphan", lazy="joined"
    )
    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="raise"
    )

    # Flask-Login protocol -------------------------------------------------
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return not self.is_deactivated

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        # The version travels in the cookie; a bumped version ends the session.
        return f"{self.id}:{self.session_version}"

    @property
    def initials(self) -> str:
        return initials_of(self.name)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


def normalise_email(email: str) -> str:
    return email.strip().lower()


def email_equals(email: str):
    """A WHERE clause matching an address case-insensitively."""
    return func.lower(User.email) == normalise_email(email)


class Profile(Model):
    __tablename__ = "profile"

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    headline: Mapped[str] = mapped_column(String(160), default="")
    company_id: Mapped[int | None] = mapped_column(ForeignKey("company.id", ondelete="SET NULL"))
    industry: Mapped[str] = mapped_column(String(80), default="")
    bio: Mapped[str] = mapped_column(Text, default="")
    purposes: Mapped[list[str]] = mapped_column(JSON, default=list)
    offers_tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    offers_text: Mapped[str] = mapped_column(Text, default="")
    seeks_tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    seeks_text: Mapped[str] = mapped_column(Text, default="")
    linkedin_url: Mapped[str] = mapped_column(String(300), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    photo_filename: Mapped[str | None] = mapped_column(String(80))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    user: Mapped[User] = relationship(back_populates="profile")
    company: Mapped[Company | None] = relationship(lazy="joined")
