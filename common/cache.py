"""What a page read, kept per worker under the data versions it was read at.

A key names every version its value depends on (``Group.data_version``, see
``groups.versions``), so a write makes a new key rather than a stale entry.
Values are plain data (tuples, named tuples), never ORM objects: those are
rebuilt per request from kept columns (``kept_objects``).

Reads that depend on the clock say until when they hold (``until``): a list
of upcoming meetups holds until the first of them ends. A value read in a
transaction that has written is read afresh and not kept: it may never be
committed, and the kept values do not show the request's own writes.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from copy import deepcopy
from datetime import datetime
from typing import Any, TypeVar

from common.db import attach_loaded, utcnow

T = TypeVar("T")
# Entries are small reads and pages of about 10 KB (keyed partly by HTML of the
# same size): 5,000 of them stay well under 200 MB per worker.
MAX_ENTRIES = 5_000

_entries: OrderedDict[tuple, tuple[Any, datetime | None]] = OrderedDict()
_lock = threading.Lock()


def kept(key: tuple, read: Callable[[], T], until: Callable[[T], datetime | None] | None = None) -> T:
    """The value kept under ``key``, else ``read()`` (kept unless the session wrote).

    ``until(value)``: the moment the value stops being true by the clock alone
    (None: only a new version ends it).
    """
    if _session_wrote():  # the request's own writes are not in any kept value
        return read()
    with _lock:
        entry = _entries.get(key)
        if entry is not None:
            value, expires = entry
            if expires is None or utcnow() < expires:
                _entries.move_to_end(key)
                return value
    value = read()
    if _session_wrote():  # read() flushed a write: its result may never be committed
        return value
    expires = until(value) if until is not None else None
    with _lock:
        _entries[key] = (value, expires)
        if len(_entries) > MAX_ENTRIES:
            _entries.popitem(last=False)
    return value


def kept_objects(key: tuple | None, read: Callable[[], list], *models) -> list[tuple]:
    """Rows of ORM objects read once and rebuilt from their kept columns later.

    ``read()`` returns rows (tuples) of objects of ``models``, a row's object
    possibly None (an outer join). What is kept is their column values; each
    request gets persistent objects of its own session
    (``common.db.attach_loaded``), lazy relationships and all.
    """
    from sqlalchemy import inspect

    if key is None:  # nothing to key it by: read for this request only
        return [tuple(row) for row in read()]
    keys = [tuple(attribute.key for attribute in inspect(model).column_attrs) for model in models]
    rows = kept(key, lambda: tuple(
        tuple(None if obj is None else tuple(getattr(obj, k) for k in names) for obj, names in zip(row, keys, strict=True))
        for row in read()
    ))
    # JSON values are lists and dicts: each request gets copies it may change.
    attached = [
        tuple(None if values is None else attach_loaded(model, {
            k: deepcopy(v) if isinstance(v, list | dict) else v for k, v in zip(names, values, strict=True)
        }) for model, names, values in zip(models, keys, row, strict=True))
        for row in rows
    ]
    for row in attached:
        _link(row)
    return attached


def _link(row: tuple) -> None:
    """Objects of one row refer to each other as the query loaded them (and
    the session, which holds objects weakly, keeps them as long as the row)."""
    from sqlalchemy import inspect
    from sqlalchemy.orm import MANYTOONE
    from sqlalchemy.orm.attributes import set_committed_value

    for obj in row:
        if obj is None:
            continue
        for relationship in inspect(type(obj)).relationships:
            if relationship.direction is not MANYTOONE:
                continue
            for other in row:
                if isinstance(other, relationship.mapper.class_) and all(
                    getattr(obj, local.key) == getattr(other, remote.key)
                    for local, remote in relationship.local_remote_pairs
                ):
                    set_committed_value(obj, relationship.key, other)


def page_key() -> tuple | None:
    """The key of everything the current page reads, if its view set one
    (``g.nq_page_key``: the dashboard's is the user with the versions of their groups)."""
    from flask import g, has_request_context

    return g.get("nq_page_key") if has_request_context() else None


def kept_for_page(name: str, read: Callable[[], T], until: Callable[[T], datetime | None] | None = None) -> T:
    """``kept`` under the page's key (``page_key``); read afresh when there is none."""
    key = page_key()
    return read() if key is None else kept((name, *key), read, until)


def earliest(times) -> datetime | None:
    """The first of some moments (None when there are none): an ``until`` helper."""
    return min(times, default=None)


def clear() -> None:
    with _lock:
        _entries.clear()


def _session_wrote() -> bool:
    from extensions import db
    from groups.versions import has_uncommitted_writes

    return has_uncommitted_writes(db.session())
