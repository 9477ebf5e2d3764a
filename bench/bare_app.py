"""The benchmark's yardstick: plain Flask, no extensions, a 20-row Jinja page.

Nothing from NQ is imported and nothing is added to Flask: no Babel, no
login, no CSRF, no database. ``GET /`` renders ``bench/templates/bare.html``
(a title, a tiny layout and a table of 20 rows of a few fields each);
``POST /write`` reads its form and redirects, the bare side of the mixed
load. This is the stack's ceiling (QUALITY.md 28): the ratio NQ/bare then
measures all of NQ's own cost.

    gunicorn -w 2 'bench.bare_app:create_bare_app()'
"""
from __future__ import annotations

from pathlib import Path

from flask import Flask, redirect, render_template, request

HERE = Path(__file__).resolve().parent

ROWS = [
    {"id": n, "name": f"Member {n}", "company": f"Company {n % 7} ApS", "city": ("Copenhagen", "Aarhus", "Odense")[n % 3],
     "answer": "going" if n % 4 else "not going"}
    for n in range(1, 21)
]


def create_bare_app() -> Flask:
    app = Flask(__name__, template_folder=str(HERE / "templates"), static_folder=None)

    @app.get("/")
    def page():
        return render_template("bare.html", title="Bare Flask page", rows=ROWS)

    @app.post("/write")
    def write():
        return redirect(f"/?seen={len(request.form)}")

    return app
