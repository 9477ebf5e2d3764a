"""The one cache: read models and their HTML, kept under keys made of their inputs.

A **read model** is a function of an area's ``pages.py`` decorated with
``@read_model``. It takes plain values (ids, a group's data version, the
viewer's standing, a day) and returns a frozen value of plain data (a
NamedTuple or a frozen dataclass). Its key is its name and its arguments,
so nobody writes a key by hand, and a value can only depend on what the key
names: a write raises the data version (``common.versions``), which makes a
new key rather than a stale entry; the clock enters as an argument (a day, a
phase, an "in 3 days" text).

``common.templating.render`` keeps the HTML of a template drawn from one such
value, under the template and the value itself.

Nothing is kept, or read from the cache, while the request's transaction has
written: what it reads may never be committed. ``NQ_PAGE_CACHE=0`` turns
every kind of keeping off. The default store is per worker in memory (least
recently used out first, ``NQ_CACHE_SIZE`` entries); ``NQ_CACHE_URL`` names
a shared one (``redis://…``, through cachelib).
"""
from __future__ import annotations

import dataclasses
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import wraps
from typing import Any, Protocol, TypeVar

from common.versions import has_uncommitted_writes

T = TypeVar("T")
_MISSING = object()


class Store(Protocol):
    def get(self, key: Any) -> Any: ...
    def set(self, key: Any, value: Any) -> Any: ...
    def clear(self) -> Any: ...


class MemoryStore:
    """Per worker, least recently used out first. Values are frozen, so they
    are shared as they are (cachelib's SimpleCache pickles every value and
    sorts the whole cache on each insert once full)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[Any, Any] = OrderedDict()

    def get(self, key: Any) -> Any:
        value = self._entries.get(key, _MISSING)
        if value is not _MISSING:
            self._entries.move_to_end(key)
        return value

    def set(self, key: Any, value: Any) -> None:
        self._entries[key] = value
        if len(self._entries) > self.size:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        self._entries.clear()


class SharedStore:
    """A cachelib cache shared by every worker: keys become digests of their
    text (``repr`` of plain values is the same in every process)."""

    def __init__(self, backend: Any) -> None:
        self.backend = backend

    @staticmethod
    def _digest(key: Any) -> str:
        return hashlib.sha256(repr(key).encode()).hexdigest()

    def get(self, key: Any) -> Any:
        value = self.backend.get(self._digest(key))
        return _MISSING if value is None else value

    def set(self, key: Any, value: Any) -> None:
        self.backend.set(self._digest(key), value, timeout=24 * 3600)

    def clear(self) -> None:
        self.backend.clear()


_store: Store = MemoryStore(5_000)
_enabled = True
_lock = threading.Lock()


def configure(enabled: bool, size: int = 5_000, url: str | None = None) -> None:
    """Set up the cache for this process (``create_app``)."""
    global _store, _enabled
    _enabled = enabled
    if url:
        from cachelib import RedisCache
        from redis import Redis

        # The prefix keeps clear() to NQ's entries (rate limits may share the database).
        _store = SharedStore(RedisCache(host=Redis.from_url(url), key_prefix="nq-cache:"))
    else:
        _store = MemoryStore(size)


def enabled() -> bool:
    return _enabled


def clear() -> None:
    with _lock:
        _store.clear()


def keep(key: tuple, build: Callable[[], T]) -> T:
    """The value kept under ``key`` (plain values only), else ``build()``, kept."""
    if not _enabled or _request_wrote():
        return build()
    with _lock:
        value = _store.get(key)
    if value is not _MISSING:
        return value
    check_plain(key)
    value = build()
    if _request_wrote():  # build() flushed a write: its result may never be committed
        return value
    with _lock:
        _store.set(key, value)
    return value


def read_model(builder: Callable[..., T]) -> Callable[..., T]:
    """Keep ``builder``'s values under its name and its (plain) arguments."""
    name = f"{builder.__module__}.{builder.__qualname__}"

    @wraps(builder)
    def kept(*args: Any) -> T:
        return keep((name, *args), lambda: builder(*args))

    kept.build = builder  # type: ignore[attr-defined]  # the uncached builder, for tests
    return kept


PLAIN_TYPES = (str, int, float, bool, type(None), date, datetime, timedelta, Decimal)


def check_plain(value: Any) -> None:
    """Refuse anything but plain data in a key: an ORM object, a dict or a set
    would make a key that names less than its value shows (or never matches)."""
    if isinstance(value, PLAIN_TYPES):
        return
    if isinstance(value, tuple):
        for item in value:
            check_plain(item)
        return
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        if not type(value).__dataclass_params__.frozen:  # type: ignore[attr-defined]
            raise TypeError(f"{type(value).__name__} must be a frozen dataclass to be part of a key")
        for field in dataclasses.fields(value):
            check_plain(getattr(value, field.name))
        return
    raise TypeError(f"{type(value).__name__} is not plain data and cannot be part of a cache key")


def _request_wrote() -> bool:
    from extensions import db

    return has_uncommitted_writes(db.session())
