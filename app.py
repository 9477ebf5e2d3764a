"""NQ application factory: `flask --app app …` and `create_app()`."""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel import Locale
from flask import Flask, has_request_context, request
from flask_login import current_user

import config as config_module
from common import cache
from common.db import init_idle_ping, init_transactions
from common.formatting import init_formatting
from common.templating import init_templating
from common.web import configure_logging, init_error_handlers, init_request_plumbing
from extensions import babel, csrf, db, limiter, login_manager, migrate


def select_locale() -> Locale:
    if not has_request_context():  # `flask tick`, services in tests: the default locale
        return locale_of(config_module.Config.BABEL_DEFAULT_LOCALE)
    user = current_user._get_current_object()
    if user.is_authenticated and user.locale:
        return locale_of(user.locale)
    return locale_of(request.accept_languages.best_match(["en", "da"]) or "en")


@lru_cache(maxsize=16)
def locale_of(code: str) -> Locale:
    """Babel parses a locale name on every request otherwise."""
    return Locale.parse(code)


def create_app(config: dict[str, Any] | type | None = None) -> Flask:
    """Build the app: defaults, environment, then the test override."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_object(config_module.Config)
    if isinstance(config, type):
        app.config.from_object(config)
    elif config:
        app.config.update(config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    configure_logging(app)
    db.init_app(app)
    init_idle_ping(app, db)
    init_transactions(app, db)
    migrate.init_app(app, db, render_as_batch=True, compare_type=True, directory=os.path.join(os.path.dirname(__file__), "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    init_request_plumbing(app)
    init_error_handlers(app)
    init_formatting(app)
    cache.configure(app.config["PAGE_CACHE"], app.config["CACHE_SIZE"], app.config["CACHE_URL"])
    init_templating(app)
    register_models()
    from common.versions import track_writes

    track_writes()
    register_blueprints(app)
    register_cli(app)
    return app


def register_models() -> None:
    """Import every model module so metadata and Alembic see all tables."""
    import billing.models  # noqa: F401
    import common.audit  # noqa: F401
    import groups.models  # noqa: F401
    import meetups.models  # noqa: F401
    import members.models  # noqa: F401
    import outbox.models  # noqa: F401
    import ratings.models  # noqa: F401
    import sponsors.models  # noqa: F401


def register_blueprints(app: Flask) -> None:
    from billing.admin import bp as billing_admin_bp
    from billing.views import bp as billing_bp
    from billing.webhooks import bp as webhooks_bp
    from common.views import bp as common_bp
    from groups.admin import bp as group_admin_bp
    from groups.views import bp as groups_bp
    from meetups.admin import bp as meetups_admin_bp
    from meetups.views import bp as meetups_bp
    from members.auth import bp as auth_bp
    from members.views import bp as members_bp
    from ratings.views import bp as ratings_bp
    from sponsors.views import bp as sponsors_bp

    for blueprint in (
        common_bp, auth_bp, members_bp, groups_bp, group_admin_bp,
        meetups_bp, meetups_admin_bp, ratings_bp, billing_bp, billing_admin_bp, webhooks_bp, sponsors_bp,
    ):
        app.register_blueprint(blueprint)
    csrf.exempt(webhooks_bp)


def register_cli(app: Flask) -> None:
    import billing.demo  # noqa: F401  (each area's demo step registers itself)
    import groups.demo  # noqa: F401
    import meetups.demo  # noqa: F401
    import ratings.demo  # noqa: F401
    import sponsors.demo  # noqa: F401
    from bench.seed_large import register as register_seed_large
    from common.cli import register_commands
    from members.cli import register as register_member_commands

    register_commands(app)
    register_member_commands(app)
    register_seed_large(app)
