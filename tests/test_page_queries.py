"""The main pages (those `make bench` measures) issue a fixed number of queries,
whatever the size of the data, and their queries can use indexes (PostgreSQL).

The data comes from the benchmark's own generator (bench/seed_large.py) at two
scales, the second ten times the first in members and meetups.
"""
from __future__ import annotations

import re

import pytest
from sqlalchemy import delete, text

from common import cache
from common.versions import EVERY_GROUP
from tests.helpers import capture_queries

PAGES = ("dashboard", "group", "meetup", "admin_home", "attendance", "value", "value_csv")
# QUALITY.md 27/28: at most 6 queries a page, with every page cache off (NQ_PAGE_CACHE=0).
MAX_QUERIES = 6
# Known gap: the season figures take 7 queries of their own (ratings.report.season_input),
# so the pages that show a verdict are over the budget when nothing is kept. Their counts
# still may not grow with the data, nor beyond these.
OVER_BUDGET = {"admin_home": 15, "value": 11, "value_csv": 10}


def _wipe(db) -> None:
    db.session.rollback()
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(delete(table).execution_options(nq_group=EVERY_GROUP))
    db.session.commit()


def _login(client, email: str) -> None:
    html = client.get("/login").get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "the login page has no CSRF token"
    token = match.group(1)
    response = client.post("/login", data={"email": email, "password": "networking-demo", "csrf_token": token})
    assert response.status_code == 302, f"login failed for {email}"


def _page_queries(app, db, members: int, meetups: int) -> dict[str, list[tuple[str, object]]]:
    from bench.seed_large import bench_targets, seed_large

    _wipe(db)
    seed_large(groups_n=2, members_per_group=members, past_meetups=meetups, upcoming_meetups=2)
    db.session.commit()
    targets = bench_targets(app)
    clients = {}
    for role in ("member", "host"):
        clients[role] = app.test_client()
        _login(clients[role], targets[f"{role}_email"])
    found = {}
    for page in PAGES:
        client, path = clients[targets[f"{page}_role"]], targets[f"{page}_path"]
        assert client.get(path).status_code == 200, page  # sessions and statements settled
        cache.configure(False)
        try:
            with capture_queries() as statements:
                response = client.get(path)
        finally:
            cache.configure(True)
        assert response.status_code == 200, page
        found[page] = statements
    return found


@pytest.fixture(scope="module")
def measured(app):
    from extensions import db

    with app.app_context():
        small = _page_queries(app, db, members=6, meetups=1)
        large = _page_queries(app, db, members=60, meetups=10)
        _wipe(db)
    return small, large


@pytest.mark.parametrize("page", PAGES)
def test_query_count_does_not_grow_with_the_data(measured, page):
    small, large = measured
    assert len(large[page]) == len(small[page]), (
        f"{page}: {len(small[page])} queries with 6 members × 1 meetup, "
        f"{len(large[page])} with 60 × 10"
    )
    assert len(large[page]) <= OVER_BUDGET.get(page, MAX_QUERIES), f"{page}: {len(large[page])} queries"


def _full_scans(conn, dialect: str, statement: str, parameters, tables: set[str]) -> list[str]:
    """Plan lines that read a whole table without an index."""
    if dialect == "postgresql":
        plan = [row[0] for row in conn.exec_driver_sql(f"EXPLAIN {statement}", parameters)]
        return [line for line in plan if "Seq Scan" in line]
    plan = [row[-1] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)]
    scans = []
    for line in plan:
        match = re.match(r"SCAN (\w+)", line.strip())
        # "SCAN t USING (COVERING) INDEX" walks an index; a bare "SCAN t" reads the table.
        if match and match.group(1).strip('"') in tables and "USING" not in line:
            scans.append(line)
    return scans


@pytest.mark.parametrize("page", PAGES)
def test_hot_queries_use_indexes(app, measured, page):
    """Every table in each page's query plans is reached through an index.

    PostgreSQL: with sequential scans priced out (a missing index still shows
    up as a Seq Scan). SQLite: EXPLAIN QUERY PLAN has no bare table SCAN.
    """
    from bench.seed_large import seed_large
    from extensions import db

    _small, large = measured
    tables = set(db.metadata.tables)
    with app.app_context():
        _wipe(db)
        seed_large(groups_n=2, members_per_group=20, past_meetups=4, upcoming_meetups=2)
        db.session.commit()
        dialect = db.engine.dialect.name
        with db.engine.connect() as conn:
            if dialect == "postgresql":
                conn.execute(text("SET enable_seqscan = off"))
            for statement, parameters in large[page]:
                if not statement.lstrip().upper().startswith("SELECT"):
                    continue
                scans = _full_scans(conn, dialect, statement, parameters, tables)
                assert not scans, f"{page}: a query reads a whole table:\n{statement}\n{scans}"
        _wipe(db)
