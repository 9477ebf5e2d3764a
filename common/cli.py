"""CLI: `flask tick`, `flask seed-demo`, `flask bump-versions` (areas add their own: members/cli.py)."""
from __future__ import annotations

import json

import click
from flask import Flask, current_app

from common.db import utcnow
from extensions import db


def register_commands(app: Flask) -> None:
    @app.cli.command("tick")
    def tick() -> None:
        """Queue due reminders, rating requests and renewals; send the outbox."""
        from common.tick import run_tick

        results = run_tick(utcnow())
        click.echo(json.dumps(results, sort_keys=True))

    @app.cli.command("seed-demo")
    @click.option("--if-new", is_flag=True, help="Do nothing (exit 0) if the database has users.")
    def seed_demo(if_new: bool) -> None:
        """Fill a new database with the demo groups (refuses to run twice)."""
        from common.demo import DEMO_PASSWORD, DemoRefused
        from common.demo import seed_demo as run_seed

        if current_app.config.get("ENV_NAME") == "production":
            raise click.ClickException("seed-demo never runs in production.")
        try:
            summary = run_seed()
        except DemoRefused as exc:
            if if_new:
                click.echo("The database already has data; the demo seed is not needed.")
                return
            raise click.ClickException(str(exc)) from exc
        db.session.commit()
        click.echo(f"Demo data created. Every demo account's password: {DEMO_PASSWORD}")
        for line in summary:
            click.echo(f"  {line}")

    @app.cli.command("bump-versions")
    def bump_versions() -> None:
        """Raise every group's data version: workers recompute what they keep.
        Run it after changing data outside NQ (a database console, a script)."""
        from common.versions import EVERY_GROUP, bump_statement

        db.session.execute(bump_statement(EVERY_GROUP))
        db.session.commit()
        click.echo("Every group's data version is raised.")
