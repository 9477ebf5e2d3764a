"""Screenshots of pages in headless Chromium, at desktop and phone width.

    python tools/screenshot.py http://127.0.0.1:5000 /groups /login \
        --login host@example.com --out screenshots/

Logs in first (password networking-demo unless --password), then saves
<out>/<slug>-desktop.png and <out>/<slug>-phone.png for each path.
"""
from __future__ import annotations

import argparse
import re
from pathlib import Path

from playwright.sync_api import ViewportSize, sync_playwright

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("base")
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--login")
    parser.add_argument("--password", default="networking-demo")
    parser.add_argument("--out", default="screenshots")
    parser.add_argument("--full", action="store_true", help="full-page screenshots")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        viewports: tuple[tuple[str, ViewportSize], ...] = (
            ("desktop", {"width": 1280, "height": 800}), ("phone", {"width": 390, "height": 844}),
        )
        for label, viewport in viewports:
            context = browser.new_context(viewport=viewport)
            page = context.new_page()
            if args.login:
                page.goto(args.base + "/login")
                page.fill("input[name=email]", args.login)
                page.fill("input[name=password]", args.password)
                page.click("button[type=submit]")
                page.wait_for_load_state()
            for path in args.paths:
                page.goto(args.base + path)
                slug = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "home"
                target = out / f"{slug}-{label}.png"
                page.screenshot(path=str(target), full_page=args.full)
                print(target, page.url)
            context.close()
        browser.close()


if __name__ == "__main__":
    main()
