"""Server-rendered SVG charts (no JavaScript, no CDN; they print as they are)."""
from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from babel.dates import format_date
from flask_babel import get_locale
from markupsafe import Markup, escape

from ratings.figures import MeetupFigures

HEIGHT = 300
TOP, BOTTOM = 20, 56
FIT_COLOUR = "#1f4fa3"
CHEMISTRY_COLOUR = "#b3541e"


def _y(score: float) -> float:
    """Scores 1–5 map to the plot's height (5 at the top)."""
    plot = HEIGHT - TOP - BOTTOM
    return TOP + plot * (5 - score) / 4


def fit_chemistry_chart(
    meetups: Sequence[MeetupFigures],
    *,
    title: str,
    desc: str,
    fit_label: str,
    chemistry_label: str,
    withheld_label: str,
    tz: str = "Europe/Copenhagen",
    width: int = 720,
    font: int = 12,
    id_prefix: str = "chart",
) -> Markup:
    """Two series (fit ● solid, chemistry ▲ dashed) over the season's meetups.

    Withheld meetups (fewer than 3 raters) get a gap and a label, never a point.
    Accessible: role="img" with <title>/<desc>; the page adds a table fallback.
    A narrow ``width`` with a bigger ``font`` gives a chart readable on a phone.
    """
    WIDTH = width  # noqa: N806 (reads like the constants above)
    LEFT, RIGHT = 16 + 2 * font, 16  # noqa: N806
    n = max(len(meetups), 1)
    plot_w = WIDTH - LEFT - RIGHT
    step = plot_w / n
    xs = [LEFT + step * (i + 0.5) for i in range(len(meetups))]
    locale = str(get_locale() or "en")
    parts: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{id_prefix}-title {id_prefix}-desc" class="value-chart" font-family="system-ui, sans-serif">',
        f'<title id="{id_prefix}-title">{escape(title)}</title>',
        f'<desc id="{id_prefix}-desc">{escape(desc)}</desc>',
    ]
    for score in range(1, 6):
        y = _y(score)
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e2e4e8" />'
            f'<text x="{LEFT - 10}" y="{y + 4:.1f}" font-size="{font}" text-anchor="end" fill="#565f6b">{score}</text>'
        )
    for x, m in zip(xs, meetups, strict=True):
        local = m.starts_at.astimezone(ZoneInfo(tz))
        label = format_date(local.date(), "d MMM" if width >= 600 or n <= 5 else "d/M", locale=locale)
        parts.append(
            f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + font + 6}" font-size="{font}" text-anchor="middle" fill="#39414b">{escape(label)}</text>'
        )
        if m.withheld:
            parts.append(
                f'<text x="{x:.1f}" y="{_y(3):.1f}" font-size="{font}" text-anchor="middle" fill="#565f6b">—</text>'
            )
        if m.withheld and (width >= 600 or n <= 3):
            parts.append(
                f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 2 * font + 10}" font-size="{font - 2}" text-anchor="middle" fill="#565f6b">{escape(withheld_label)}</text>'
            )
    for attr, colour, dash, marker in (
        ("fit", FIT_COLOUR, "", "circle"),
        ("chemistry", CHEMISTRY_COLOUR, ' stroke-dasharray="6 4"', "triangle"),
    ):
        segment: list[str] = []
        segments: list[list[str]] = []
        for x, m in zip(xs, meetups, strict=True):
            value = getattr(m, attr)
            if value is None:
                if segment:
                    segments.append(segment)
                segment = []
                continue
            segment.append(f"{x:.1f},{_y(value):.1f}")
        if segment:
            segments.append(segment)
        for seg in segments:
            if len(seg) > 1:
                parts.append(
                    f'<polyline points="{" ".join(seg)}" fill="none" stroke="{colour}" stroke-width="2.5"{dash} />'
                )
        for x, m in zip(xs, meetups, strict=True):
            value = getattr(m, attr)
            if value is None:
                continue
            y = _y(value)
            if marker == "circle":
                parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="{colour}" />')
            else:
                parts.append(
                    f'<polygon points="{x:.1f},{y - 6:.1f} {x - 6:.1f},{y + 5:.1f} {x + 6:.1f},{y + 5:.1f}" fill="{colour}" />'
                )
    legend_y = HEIGHT - 10
    gap = LEFT + 16 + font * (len(fit_label) * 0.6 + 3)
    parts.append(
        f'<g font-size="{font}" fill="#16191d">'
        f'<circle cx="{LEFT + 6}" cy="{legend_y - 4}" r="5" fill="{FIT_COLOUR}" />'
        f'<text x="{LEFT + 16}" y="{legend_y}">{escape(fit_label)}</text>'
        f'<polygon points="{gap + 6},{legend_y - 10} {gap},{legend_y + 1} {gap + 12},{legend_y + 1}" fill="{CHEMISTRY_COLOUR}" />'
        f'<text x="{gap + 18}" y="{legend_y}">{escape(chemistry_label)}</text></g>'
    )
    if not meetups:
        parts.append(
            f'<text x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle" font-size="14" fill="#565f6b">—</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (every text part is escaped above)
