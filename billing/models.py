"""Payments, invoices and provider events (issue 5 fills this in)."""
from __future__ import annotations
