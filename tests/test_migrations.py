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


def insert_as_it_was(model, **values) -> int:
    """Insert a row through its table as the database has it now (the model may have
    columns added since): the table's own columns, each given the model's default
    unless set here. Returns the new row's key."""
    from sqlalchemy import MetaData, Table, insert

    from extensions import db

    then = Table(model.__tablename__, MetaData(), autoload_with=db.session.connection())
    defaults = {c.name: getattr(c.default, "arg", None) for c in model.__table__.columns
                if c.default is not None and c.default.is_scalar}
    row = {k: v for k, v in {**defaults, **values}.items() if k in then.c}
    # A new row is on no group's page yet unless it belongs to a group.
    key = next(iter(then.primary_key.columns))
    statement = insert(then).values(row).returning(key).execution_options(nq_group=values.get("group_id", ()))
    return db.session.execute(statement).scalar_one()


def test_groups_billed_without_season_dates_keep_their_calendar_year(fresh_database_url, tmp_path):
    """3c1f0a7d9e42: a group billed on the old calendar-year default keeps that period as its
    season dates, so its members paid through 31 December are not asked to pay (or lapsed)
    under the new 1 August default; groups never billed, or with dates, are left alone."""
    from datetime import UTC, date, datetime

    from flask_migrate import upgrade
    from sqlalchemy import select

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
        db.session.add(user)
        db.session.flush()
        ids = {slug: insert_as_it_was(Group, name=slug, slug=slug, created_at=datetime(2026, 1, 1), **values)
               for slug, values in (("billed", {"fee_minor": 1_000_000}),
                                    ("paid-only", {"season_start": date(2025, 9, 1), "fee_minor": 1}),
                                    ("never", {"fee_minor": 1_000_000}),
                                    ("dated", {"season_start": date(2025, 8, 1), "season_end": date(2026, 6, 30)}))}
        for group_id, start, end, amount in ((ids["billed"], date(2026, 1, 1), date(2026, 12, 31), 1_000_000),
                                             (ids["dated"], date(2025, 8, 1), date(2026, 6, 30), 1)):
            insert_as_it_was(Payment, group_id=group_id, season_start=start, season_end=end, amount_minor=amount,
                             provider="invoice", status="paid", created_at=datetime(2026, 1, 1))
        db.session.add(Membership(user_id=user.id, group_id=ids["paid-only"], status="active",
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


def test_the_fee_s_vat_moves_to_its_group(fresh_database_url, tmp_path):
    """ad0e0c99310b: each group keeps the VAT its checkout charged: the rate and the
    "fee includes VAT" choice of its billing settings, or, without any, the old defaults
    (25 % on top for DKK, none for other currencies)."""
    from datetime import datetime

    from flask_migrate import upgrade
    from sqlalchemy import select, text

    from billing.models import GroupBilling
    from extensions import db
    from groups.models import Group, seat_fee

    class Migrated(TestConfig):
        SQLALCHEMY_DATABASE_URI = fresh_database_url
        MAIL_DIR = str(tmp_path / "mail")

    app = create_app(Migrated)
    with app.app_context():
        upgrade(revision="979941343891")
        made = datetime(2026, 1, 1)
        ids = {slug: insert_as_it_was(Group, name=slug, slug=slug, fee_minor=1_000_000, currency=currency,
                                      created_at=made)
               for slug, currency in (("inclusive", "DKK"), ("plain", "DKK"), ("euro", "EUR"), ("zero", "DKK"))}
        for slug, rate, includes in (("inclusive", 2500, True), ("zero", 0, False)):
            insert_as_it_was(GroupBilling, group_id=ids[slug], legal_name=slug, vat_rate_bp=rate,
                             fee_includes_vat=includes, updated_at=made)
        db.session.commit()
        upgrade()
        db.session.expire_all()
        fees = {g.slug: (g.vat_rate_bp, g.fee_includes_vat, seat_fee(g).total_minor)
                for g in db.session.scalars(select(Group))}
        assert fees == {"inclusive": (2500, True, 1_000_000), "plain": (2500, False, 1_250_000),
                        "euro": (0, False, 1_000_000), "zero": (0, False, 1_000_000)}
        columns = db.session.execute(text("SELECT * FROM group_billing")).keys()
        assert "vat_rate_bp" not in columns and "fee_includes_vat" not in columns
        db.session.remove()
        db.engine.dispose()
