"""The Alembic migrations build exactly the models' schema, and the demo seeds on it."""
from __future__ import annotations

import os
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app import create_app
from config import TestConfig


@pytest.fixture
def fresh_database_url(tmp_path):
    """An empty database of the same kind as the suite's (SQLite file or PostgreSQL)."""
    url = make_url(os.environ["DATABASE_URL"])
    if url.get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrated.sqlite3'}"
        return
    name = f"nq_mig_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_migrations_match_models_and_demo_seeds(fresh_database_url, tmp_path):
    from flask_migrate import upgrade

    from common.demo import seed_demo
    from extensions import db

    class Migrated(TestConfig):
        SQLALCHEMY_DATABASE_URI = fresh_database_url
        MAIL_DIR = str(tmp_path / "mail")

    app = create_app(Migrated)
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata)
        assert diff == [], f"models and migrations differ: {diff}"
        seed_demo()
        db.session.commit()
        users = db.session.execute(text('SELECT COUNT(*) FROM "user"')).scalar_one()
        assert users >= 14
        db.session.remove()
        db.engine.dispose()


def test_groups_billed_without_season_dates_keep_their_calendar_year(fresh_database_url, tmp_path):
    """3c1f0a7d9e42: a group billed on the old calendar-year default keeps that period as its
    season dates, so its members paid through 31 December are not asked to pay (or lapsed)
    under the new 1 August default; groups never billed, or with dates, are left alone."""
    from datetime import UTC, date, datetime

    from flask_migrate import upgrade
    from sqlalchemy import MetaData, Table, insert, select

    from billing.models import Payment
    from extensions import db
    from groups.models import Group, Membership
    from groups.seasons import season_of
    from members.models import User

    class Migrated(TestConfig):
        SQLALCHEMY_DATABASE_URI = fresh_database_url
        MAIL_DIR = str(tmp_path / "mail")

    app = create_app(Migrated)
    with app.app_context():
        upgrade(revision="5dee23a60cc5")
        user = User(email="m@example.com", password_hash="x", name="M")
        billed = Group(name="Billed", slug="billed", fee_minor=1_000_000)
        paid_only = Group(name="Paid through", slug="paid-only", season_start=date(2025, 9, 1), fee_minor=1)
        never = Group(name="Never billed", slug="never", fee_minor=1_000_000)
        dated = Group(name="Dated", slug="dated", season_start=date(2025, 8, 1), season_end=date(2026, 6, 30))
        db.session.add_all([user, billed, paid_only, never, dated])
        db.session.flush()
        # The payment table as it was then (the model has columns added since): its own
        # columns, each given the model's default unless set here.
        then = Table("payment", MetaData(), autoload_with=db.session.connection())
        defaults = {c.name: getattr(c.default, "arg", None) for c in Payment.__table__.columns
                    if c.default is not None and c.default.is_scalar}
        for group_id, start, end, amount in ((billed.id, date(2026, 1, 1), date(2026, 12, 31), 1_000_000),
                                             (dated.id, date(2025, 8, 1), date(2026, 6, 30), 1)):
            values = {**defaults, "group_id": group_id, "season_start": start, "season_end": end,
                      "amount_minor": amount, "provider": "invoice", "status": "paid",
                      "created_at": datetime(2026, 1, 1)}
            db.session.execute(insert(then).values({k: v for k, v in values.items() if k in then.c})
                               .execution_options(nq_group=group_id))
        db.session.add(Membership(user_id=user.id, group_id=paid_only.id, status="active",
                                  paid_through=date(2025, 12, 31)))
        db.session.commit()
        upgrade()
        db.session.expire_all()
        dates = {g.slug: (g.season_start, g.season_end) for g in db.session.scalars(select(Group))}
        assert dates == {
            "billed": (date(2026, 1, 1), date(2026, 12, 31)),
            "paid-only": (date(2025, 1, 1), date(2025, 12, 31)),
            "never": (None, None),
            "dated": (date(2025, 8, 1), date(2026, 6, 30)),
        }
        billed = db.session.scalars(select(Group).where(Group.slug == "billed")).one()
        payment = db.session.scalars(select(Payment).where(Payment.group_id == billed.id)).one()
        assert season_of(billed, datetime(2026, 12, 2, tzinfo=UTC).date()) == payment.season
        db.session.remove()
        db.engine.dispose()
