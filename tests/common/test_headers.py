"""Security headers, inline code, cookie flags and the production settings (QUALITY.md 12)."""
from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.common.url_walk import InlineScriptFinder, sign_in
from tests.conftest import PASSWORD, csrf_token


def _csp(response) -> dict[str, str]:
    policy = response.headers.get("Content-Security-Policy", "")
    return {part.split()[0]: part for part in (p.strip() for p in policy.split(";")) if part}


def assert_security_headers(response, where) -> None:
    csp = _csp(response)
    assert csp, f"no CSP on {where}"
    script_src = csp.get("script-src", csp.get("default-src", ""))
    assert "'self'" in script_src and "unsafe-inline" not in script_src and "unsafe-eval" not in script_src
    assert "unsafe-inline" not in csp.get("default-src", "")
    assert csp.get("object-src") == "object-src 'none'", where
    assert csp.get("base-uri") == "base-uri 'none'", where
    assert csp.get("frame-ancestors") == "frame-ancestors 'none'", where
    assert response.headers.get("X-Content-Type-Options") == "nosniff", where
    assert response.headers.get("Referrer-Policy") in ("strict-origin-when-cross-origin", "no-referrer",
                                                       "same-origin", "strict-origin"), where
    assert response.headers.get("X-Request-Id"), where



def test_security_headers_on_pages_errors_and_files(app, client, error_app, world):
    responses = {
        "landing": client.get("/"),
        "login": client.get("/login"),
        "group page": client.get(f"/groups/{world.a.group.slug}"),
        "404": client.get("/no-such-page"),
        "405": client.get("/logout"),
        "400": client.post("/login", data={}),
        "static": client.get("/static/css/nq.css"),
        "health": client.get("/healthz"),
        "500": error_app.test_client().get("/_test/boom"),
        "413": client.post("/login", data=b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1),
                           content_type="application/octet-stream"),
    }
    for _ in range(int(app.config["LOGIN_LIMIT_PER_ACCOUNT"].split()[0]) + 1):
        token = csrf_token(client, "/login")
        responses["429"] = client.post("/login", data={"email": "x@example.com", "password": "wrong guess",
                                                       "csrf_token": token})
    assert responses["429"].status_code == 429
    assert responses["413"].status_code == 413
    assert responses["404"].status_code == 404
    assert responses["405"].status_code == 405
    assert responses["400"].status_code == 400
    assert responses["500"].status_code == 500
    for where, response in responses.items():
        assert_security_headers(response, where)
        assert "Strict-Transport-Security" not in response.headers  # not in local development


def test_no_inline_scripts_or_handlers_in_pages(app, client, world):
    """The CSP forbids inline scripts, so pages must not rely on them."""
    sign_in(client, world.a.host)
    for path in ("/", "/groups", f"/groups/{world.a.group.slug}", f"/groups/{world.a.group.slug}/admin"):
        finder = InlineScriptFinder()
        finder.feed(client.get(path).get_data(as_text=True))
        assert not finder.found, (path, finder.found)


def test_session_cookie_flags(client, make_user):
    user = make_user()
    token = csrf_token(client, "/login")
    response = client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    session_cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in session_cookie
    assert "SameSite=Lax" in session_cookie


PRODUCTION_PROBE = """
import json, os
from app import create_app
app = create_app()
client = app.test_client()
response = client.get("/login")
print(json.dumps({"hsts": response.headers.get("Strict-Transport-Security"),
                  "cookies": response.headers.getlist("Set-Cookie"),
                  "remember_secure": app.config["REMEMBER_COOKIE_SECURE"]}))
"""


def _run_probe(tmp_path, **env):
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("NQ_", "SECRET_KEY"))}
    environment.update({"DATABASE_URL": f"sqlite:///{tmp_path}/prod.sqlite3", "MAIL_DIR": str(tmp_path), **env})
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    return subprocess.run([sys.executable, "-c", PRODUCTION_PROBE], cwd=root, env=environment,
                          capture_output=True, text=True, timeout=60)


def test_production_sends_hsts_and_secure_cookies(tmp_path):
    result = _run_probe(tmp_path, NQ_ENV="production", SECRET_KEY="a-real-secret-from-the-environment")
    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    assert probe["hsts"] and "max-age=" in probe["hsts"]
    session_cookie = next(c for c in probe["cookies"] if c.startswith("session="))
    assert "Secure" in session_cookie and "HttpOnly" in session_cookie and "SameSite=Lax" in session_cookie
    assert probe["remember_secure"] is True


def test_production_refuses_the_development_secret_key(tmp_path):
    result = _run_probe(tmp_path, NQ_ENV="production")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr

