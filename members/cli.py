"""CLI of the accounts area: `flask users make-admin EMAIL`."""
from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from extensions import db
from members.services import find_user_by_email

users = AppGroup("users", help="Manage user accounts.")


@users.command("make-admin")
@click.argument("email")
def make_admin(email: str) -> None:
    """Make the user with EMAIL a platform admin."""
    user = find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"No user with email {email}.")
    user.is_admin = True
    db.session.commit()
    click.echo(f"{user.email} is now a platform admin.")


def register(app: Flask) -> None:
    app.cli.add_command(users)
