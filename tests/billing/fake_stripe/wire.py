"""Stripe's wire format as the fake speaks it: the test keys, object ids,
webhook signatures and the form encoding of parameters (``a[b][0][c]=v``)."""
from __future__ import annotations

import hashlib
import hmac
import itertools
import re
import time
from typing import Any

SECRET_KEY = "sk_test_fake_nq"
WEBHOOK_SECRET = "whsec_test_fake_nq"

_ids = itertools.count(1)


def new_id(prefix: str) -> str:
    return f"{prefix}_test_{next(_ids):06d}"


def sign(payload: str, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """The Stripe-Signature header for ``payload``."""
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{t}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def pattern(path: str) -> str:
    return re.sub(r"\[\d+\]", "[]", path)


def allowed(path: str, rules: set[str]) -> bool:
    """Whether the parameter ``path`` is one of ``rules`` (``[*]``: any key at that place)."""
    norm = pattern(path)
    if norm in rules:
        return True
    for rule in rules:
        if rule.endswith("[*]") and norm.startswith(rule[:-3] + "[") and norm.count("[") == rule.count("["):
            return True
    return False


def nest(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Turn Stripe's form encoding (a[b][0][c]=v) into nested dicts/lists."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        parts = re.findall(r"[^\[\]]+|\[\]", key)
        node: Any = root
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            nxt = None if last else parts[i + 1]
            if isinstance(node, list):
                idx = int(part)
                while len(node) <= idx:
                    node.append({} if not (nxt or "").isdigit() else [])
                if last:
                    node[idx] = value
                else:
                    if not isinstance(node[idx], dict | list):
                        node[idx] = {}
                    node = node[idx]
            else:
                if last:
                    node[part] = value
                else:
                    node = node.setdefault(part, [] if (nxt or "").isdigit() else {})
    return root
