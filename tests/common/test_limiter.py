"""ViewLimiter skips the before-request look only when it can find nothing:
view limits, and any default, application or blueprint limit, still apply."""
from __future__ import annotations

import pytest
from flask import Blueprint, Flask

from extensions import ViewLimiter


def _app(**limiter_options):
    app = Flask(__name__)
    limiter = ViewLimiter(key_func=lambda: "one client", storage_uri="memory://", **limiter_options)
    return app, limiter


def _statuses(app, path, n=3):
    client = app.test_client()
    return [client.get(path).status_code for _ in range(n)]


def test_a_view_limit_applies(app):
    flask_app, limiter = _app()

    @flask_app.route("/limited")
    @limiter.limit("2 per minute")
    def limited():
        return "ok"

    limiter.init_app(flask_app)
    assert _statuses(flask_app, "/limited") == [200, 200, 429]


@pytest.mark.parametrize("kind", ["default", "application"])
def test_default_and_application_limits_apply(app, kind):
    flask_app, limiter = _app(**{f"{kind}_limits": ["2 per minute"]})
    flask_app.add_url_rule("/open", "open", lambda: "ok")
    limiter.init_app(flask_app)
    assert _statuses(flask_app, "/open") == [200, 200, 429]


def test_a_blueprint_limit_applies(app):
    flask_app, limiter = _app()
    bp = Blueprint("area", __name__)
    bp.add_url_rule("/area", "page", lambda: "ok")
    limiter.limit("2 per minute")(bp)
    flask_app.register_blueprint(bp)
    limiter.init_app(flask_app)
    assert _statuses(flask_app, "/area") == [200, 200, 429]


def test_without_such_limits_nothing_is_looked_up(app, monkeypatch):
    from flask_limiter import Limiter

    flask_app, limiter = _app()
    flask_app.add_url_rule("/open", "open", lambda: "ok")
    limiter.init_app(flask_app)
    looked = []
    monkeypatch.setattr(Limiter, "_check_request_limit", lambda *a, **k: looked.append(a))
    assert _statuses(flask_app, "/open", 2) == [200, 200]
    assert looked == []
