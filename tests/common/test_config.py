"""Configuration from the environment (DESIGN.md, "Public contract")."""
from __future__ import annotations

import pytest

from config import database_url


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u:p@db:5432/nq", "postgresql+psycopg://u:p@db:5432/nq"),
        ("postgresql://u@db/nq", "postgresql+psycopg://u@db/nq"),
        ("postgresql+psycopg://u@db/nq", "postgresql+psycopg://u@db/nq"),
        ("sqlite:////srv/nq/nq.sqlite3", "sqlite:////srv/nq/nq.sqlite3"),
    ],
)
def test_database_url_uses_the_shipped_driver(monkeypatch, given, expected):
    monkeypatch.setenv("DATABASE_URL", given)
    assert database_url("sqlite://") == expected


def test_database_url_default(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert database_url("sqlite:///x.sqlite3") == "sqlite:///x.sqlite3"
