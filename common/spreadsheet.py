"""CSV cells for people's spreadsheets: text that never runs as a formula, exact amounts."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

# A cell starting with one of these is a formula to Excel, LibreOffice and Google Sheets.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def cell(value: object) -> str:
    """A CSV cell that spreadsheets never evaluate as a formula (QUALITY 15): a leading '."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def amount(minor: int | None) -> str:
    """Minor units as an exact decimal amount ("1234.50", "-0.05"); None is an empty cell."""
    if minor is None:
        return ""
    sign = "-" if minor < 0 else ""
    return f"{sign}{abs(minor) // 100}.{abs(minor) % 100:02d}"


def to_csv(rows: Iterable[Sequence[object]]) -> str:
    """Rows as CSV text, every cell made safe."""
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow([cell(value) for value in row])
    return out.getvalue()
