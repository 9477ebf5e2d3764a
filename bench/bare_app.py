"""The benchmark's yardstick: a bare Flask app rendering NQ's base template.

No database, no login, no queries: the same ``templates/base.html`` and
stylesheet, filled with filler content of a requested size, so that NQ's pages
can be compared with "Flask rendering a page of the same size".

    gunicorn -w 2 'bench.bare_app:create_bare_app()'
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from flask import Blueprint, Flask, render_template, request
from flask_babel import Babel
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

from common.formatting import init_formatting
from common.templating import init_templating

ROOT = Path(__file__).resolve().parent.parent
# Endpoints that base.html links to, answered by a no-op view.
BASE_ENDPOINTS = {
    "members": ["dashboard", "account", "profile_edit"],
    "groups": ["index", "create"],
    "auth": ["login", "register", "logout"],
}


@lru_cache(maxsize=64)
def filler(size: int) -> list[str]:
    """Paragraphs of about ``size`` bytes of text (built once per size)."""
    sentence = "Members met, compared notes on their purpose and planned a follow-up. "
    paragraphs, total = [], 0
    while total < size:
        text = sentence * 6
        paragraphs.append(text)
        total += len(text) + 7
    return paragraphs


def create_bare_app() -> Flask:
    app = Flask(__name__, template_folder=str(ROOT / "templates"), static_folder=str(ROOT / "static"))
    app.config.update(SECRET_KEY="bench", WTF_CSRF_ENABLED=True)
    CSRFProtect(app)
    Babel(app)
    login = LoginManager(app)
    login.user_loader(lambda _id: None)
    init_formatting(app)
    init_templating(app)
    for name, endpoints in BASE_ENDPOINTS.items():
        blueprint = Blueprint(name, __name__, url_prefix=f"/_{name}")
        for endpoint in endpoints:
            blueprint.add_url_rule(f"/{endpoint}", endpoint, lambda: "")
        app.register_blueprint(blueprint)

    @app.route("/page")
    def page():
        size = min(max(request.args.get("size", 20000, type=int), 0), 2_000_000)
        return render_template("bench_bare.html", paragraphs=filler(size))

    return app
