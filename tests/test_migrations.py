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
