"""Request plumbing shared by every blueprint: headers, request ids, errors."""
from __future__ import annotations

import logging
import re
import secrets
import time
from collections import OrderedDict

from flask import Flask, abort, g, jsonify, render_template, request
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from config import DEV_SECRET_KEY
from extensions import db

log = logging.getLogger("nq.request")

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self' https://checkout.stripe.com; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)


class RequestIdFilter(logging.Filter):
    """Adds the current request id (or '-') to every log record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            record.request_id = g.get("request_id", "-")
        except RuntimeError:
            record.request_id = "-"
        return True


def configure_logging(app: Flask) -> None:
    """One stderr handler on the root logger whose lines carry the request id."""
    root = logging.getLogger()
    if any(getattr(h, "nq_handler", False) for h in root.handlers):
        return
    handler = logging.StreamHandler()
    handler.nq_handler = True  # type: ignore[attr-defined]
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")
    )
    root.addHandler(handler)
    if root.level > logging.INFO or root.level == logging.NOTSET:
        root.setLevel(logging.INFO)


# A request id passed in by a proxy is kept only if it is harmless in a log line.
_REQUEST_ID_RE = re.compile(r"[A-Za-z0-9._-]{1,64}")


def check_production_config(app: Flask) -> None:
    """Refuse to start in production with the development secret key."""
    if app.config.get("ENV_NAME") == "production" and app.config.get("SECRET_KEY") in (None, "", DEV_SECRET_KEY):
        raise RuntimeError("Set SECRET_KEY in the environment before running NQ in production.")


class KeptCookieSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with each cookie checked and decoded once
    per worker.

    A browser sends the same cookie on every request until the session
    changes; checking its signature and decoding its JSON again costs more
    than a page's query. A cookie is kept (by its whole value, signature
    included) with its signing time, so it still expires on time; only
    sessions of plain values are kept, as a view may change a list in place.
    """

    max_entries = 4096

    def __init__(self) -> None:
        self._decoded: OrderedDict[str, tuple[float, dict]] = OrderedDict()

    def open_session(self, app, request):
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return super().open_session(app, request)
        max_age = app.permanent_session_lifetime.total_seconds()
        kept = self._decoded.get(value)
        if kept is not None and time.time() - kept[0] <= max_age:
            return self.session_class(kept[1])
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        try:
            data, signed_at = serializer.loads(value, max_age=int(max_age), return_timestamp=True)
        except BadSignature:
            return self.session_class()
        if all(isinstance(v, (str, int, float, bool, type(None))) for v in data.values()):
            self._decoded[value] = (signed_at.timestamp(), data)
            if len(self._decoded) > self.max_entries:
                self._decoded.popitem(last=False)
        return self.session_class(data)


def refuse_nul_bytes_in_url() -> None:
    """A NUL byte in the path or the query string makes the request malformed
    (400): no link NQ makes has one, and PostgreSQL cannot compare text with
    it. (In a form field it is a field error instead: ``common.forms.Form``.)"""
    if "\x00" in request.path or any("\x00" in key or "\x00" in value
                                     for key, value in request.args.items(multi=True)):
        abort(400)


def request_id_from(header: str | None) -> str:
    if header and _REQUEST_ID_RE.fullmatch(header):
        return header
    return secrets.token_hex(8)


def init_request_plumbing(app: Flask) -> None:
    check_production_config(app)
    app.session_interface = KeptCookieSessionInterface()
    hops = int(app.config.get("TRUST_PROXY_HOPS") or 0)
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]

    def _start() -> None:
        g.request_id = request_id_from(request.headers.get("X-Request-Id"))
        g.started = time.perf_counter()

    # First of all before-request functions, so that a request refused early
    # (CSRF, rate limit) still has its id in the logs and the response.
    app.before_request_funcs.setdefault(None, []).insert(0, _start)
    app.before_request(refuse_nul_bytes_in_url)

    @app.after_request
    def _headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Permissions-Policy", "camera=(self), microphone=(), geolocation=()")
        if app.config.get("HSTS"):
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if "request_id" in g:
            headers["X-Request-Id"] = g.request_id
        if response.mimetype == "text/html":
            headers.setdefault("Cache-Control", "no-store")
        return response


# No list has this many pages; a 40-digit page would overflow the query's OFFSET.
MAX_PAGE = 100_000
_DIGITS_RE = re.compile(r"[0-9]+")


def page_arg() -> int:
    """The page of a list asked for with ``?page=``: 1 when missing or not a
    number (ASCII digits only: ``"²".isdigit()`` holds but ``int`` refuses it),
    404 past ``MAX_PAGE``."""
    raw = request.args.get("page", "")
    if not _DIGITS_RE.fullmatch(raw):
        return 1
    if len(raw) > 9 or int(raw) > MAX_PAGE:
        abort(404)
    return max(int(raw), 1)


def wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def init_error_handlers(app: Flask) -> None:
    def handle_http(error: HTTPException):
        code = error.code or 500
        if wants_json() or request.path.startswith("/webhooks/"):
            return jsonify(error=error.name, status=code), code
        template = f"errors/{code}.html" if code in (400, 403, 404, 413, 429) else "errors/generic.html"
        return render_template(template, error=error, code=code), code

    for code in (400, 401, 403, 404, 405, 409, 413, 429):
        app.register_error_handler(code, handle_http)

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        if isinstance(error, HTTPException):
            return handle_http(error)
        try:
            db.session.rollback()  # nothing of the failed request is kept
        except SQLAlchemyError:
            log.warning("rollback after an error failed", exc_info=True)
        log.exception(
            "unhandled error (request %s) on %s %s", g.get("request_id", "-"), request.method, request.path
        )
        if wants_json() or request.path.startswith("/webhooks/"):
            return jsonify(error="Internal Server Error", status=500), 500
        try:
            return render_template("errors/500.html", code=500), 500
        except Exception:  # noqa: BLE001 (the error page must not fail in turn, e.g. with the database down)
            log.exception("the 500 page itself failed")
            return _BARE_500, 500, {"Content-Type": "text/html; charset=utf-8"}


_BARE_500 = (
    "<!doctype html><html lang=en><meta charset=utf-8><title>Something went wrong</title>"
    "<h1>Something went wrong</h1><p>Nothing was saved. Please try again.</p></html>"
)
