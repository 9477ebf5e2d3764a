"""Data versions: every write raises the version of each group whose pages it changes.

Kept read models name a group's data version in their key (``common.cache``),
so a write makes new keys rather than stale entries. The version is raised in
the same transaction as the write, by session events, so no write path has to
remember it. Each area registers its own models (``track``) or says in
writing why a model needs no version (``exempt``); a test walks the mapped
models so that a new table cannot be forgotten.

- A flushed object (new, changed or deleted) of a tracked model raises the
  groups that its column's values (now and before the change) lead to.
- A bulk INSERT/UPDATE/DELETE on a tracked table must name the groups it
  touches: ``.execution_options(nq_group=id)`` (an id, a tuple of ids, a
  SELECT of group ids run at commit, or ``EVERY_GROUP``). One that names none raises ``UnnamedBulkWrite``.
- A version is never reused, even after a backup is restored: a raised
  version is the larger of the old one plus one and the current time in
  microseconds, so it is past every version issued before the restore (as
  long as the app servers' clocks are roughly right).

Writes made outside NQ (a psql console) must end with ``flask bump-versions``.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, Table, bindparam, case, event, inspect, or_, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

EVERY_GROUP = "every group"
Resolver = Callable[[set], Any]  # values → a SELECT of group ids


class UnnamedBulkWrite(RuntimeError):
    """A bulk statement on a tracked table without ``nq_group``."""


@dataclass(frozen=True)
class _Tracked:
    column: str
    groups_of: Resolver | None  # None: the column's values are group ids
    unseen: frozenset[str]  # columns no page shows: changing only these raises nothing


_tracked: dict[type, _Tracked] = {}
_exempt: dict[type, str] = {}
_version: dict[str, Any] = {}  # "table", "id", "version": the groups table and its columns


def version_table(table: Table, id_column: Column, version_column: Column) -> None:
    """Where versions live (the groups area registers its table)."""
    _version.update(table=table, id=id_column, version=version_column)


def track(model: type, column: str = "group_id", groups_of: Resolver | None = None,
          unseen: tuple[str, ...] = ()) -> None:
    """Writes to ``model`` raise the groups its ``column`` leads to: the values
    are group ids, or ``groups_of(values)`` selects them. A change of only
    ``unseen`` columns (shown on no page) raises nothing."""
    _tracked[model] = _Tracked(column, groups_of, frozenset(unseen))


def exempt(model: type, reason: str) -> None:
    """``model`` changes nothing any group's pages show (``reason`` says why)."""
    _exempt[model] = reason


def tracked_models() -> dict[type, str]:
    return {model: spec.column for model, spec in _tracked.items()}


def exempt_models() -> dict[type, str]:
    return dict(_exempt)


def _spec_of(model: type) -> _Tracked | None:
    for cls in model.__mro__:
        if cls in _tracked:
            return _tracked[cls]
    return None


def _spec_of_table(table: Any) -> _Tracked | None:
    name = getattr(table, "name", None)
    for model, spec in _tracked.items():
        if getattr(getattr(model, "__table__", None), "name", None) == name:
            return spec
    return None


def next_version_floor() -> int:
    """The clock part of a new version (microseconds since the epoch)."""
    return time.time_ns() // 1000


def bump_statement(groups: Iterable[int] | str, selects: Iterable[Any] = ()):
    """Raise the version of ``groups`` (ids or EVERY_GROUP) and of the groups the SELECTs give."""
    table, ids, version = _version["table"], _version["id"], _version["version"]
    floor = bindparam("nq_floor", next_version_floor(), type_=version.type)
    raised = case((version + 1 > floor, version + 1), else_=floor)
    statement = update(table).values({version.key: raised}).execution_options(nq_is_bump=True)
    if groups != EVERY_GROUP:
        conditions = [ids.in_(list(groups))] if groups else []
        conditions += [ids.in_(select) for select in selects]
        if not conditions:
            return None
        statement = statement.where(or_(*conditions))
    return statement


_UNKNOWN = object()


def _values(obj: Any, attribute: str, new: bool, deleted: bool) -> list:
    """The attribute's value now and, if the flush changed it, before
    (``_UNKNOWN`` when the value before was never loaded)."""
    state = inspect(obj)
    if attribute not in state.dict and deleted:
        return [_UNKNOWN]
    history = state.attrs[attribute].history
    if history.added and not history.deleted and not new:
        return [_UNKNOWN]
    values = [getattr(obj, attribute), *history.deleted]
    return [value for value in values if value is not None]


def _only_unseen(obj: Any, spec: _Tracked) -> bool:
    state = inspect(obj)
    changed = {attr.key for attr in state.attrs if attr.history.has_changes()}
    return changed <= spec.unseen


def _collect(objects: Iterable[Any], new: set, deleted: set) -> tuple[set | str, list]:
    """Group ids and SELECTs of group ids that these changed objects lead to."""
    groups: set = set()
    found: dict[Resolver, set] = {}
    for obj in objects:
        spec = _spec_of(type(obj))
        if spec is None or (spec.unseen and obj not in new and obj not in deleted and _only_unseen(obj, spec)):
            continue
        values = _values(obj, spec.column, obj in new, obj in deleted)
        if _UNKNOWN in values:
            return EVERY_GROUP, []
        if spec.groups_of is None:
            groups.update(values)
        elif values:
            found.setdefault(spec.groups_of, set()).update(values)
    return groups, [groups_of(values) for groups_of, values in found.items()]


def _execute_bump(session: Session, groups: set | str, selects: list) -> None:
    statement = bump_statement(groups, selects)
    if statement is None:
        return
    session.connection().execute(statement)
    session.info["nq_wrote"] = True
    for obj in session.identity_map.values():  # loaded groups read their new version
        if inspect(obj).mapper.local_table is _version["table"]:
            session.expire(obj, [_version["version"].key])


def _before_flush(session: Session, flush_context, instances) -> None:
    """Deleted rows may take others with them (ON DELETE CASCADE): their
    groups are looked up now, while the rows that lead to them still exist."""
    deleted = [obj for obj in session.deleted if (spec := _spec_of(type(obj))) and spec.groups_of is not None]
    if not deleted:
        return
    groups, selects = _collect(deleted, set(), set(session.deleted))
    if groups == EVERY_GROUP:
        _execute_bump(session, EVERY_GROUP, [])
        return
    connection = session.connection()
    for select in selects:
        groups.update(connection.execute(select).scalars())  # type: ignore[union-attr]
    _execute_bump(session, groups, [])


def _after_flush(session: Session, flush_context) -> None:
    new, deleted = set(session.new), set(session.deleted)
    dirty = (obj for obj in session.dirty if session.is_modified(obj, include_collections=False))
    groups, selects = _collect([*new, *deleted, *dirty], new, deleted)
    _execute_bump(session, groups, selects)


def _on_execute(state) -> Any:
    """Bulk statements raise, at commit, the groups their ``nq_group`` names."""
    if not (state.is_update or state.is_delete or state.is_insert) or state.execution_options.get("nq_is_bump"):
        return None
    spec = _spec_of_table(getattr(state.statement, "table", None))
    if spec is None:
        return None
    named = state.execution_options.get("nq_group")
    if named is None:
        raise UnnamedBulkWrite(f"name the groups this statement touches (nq_group=…): {state.statement}")
    result = state.invoke_statement()
    if isinstance(result, CursorResult) and not result.returns_rows and result.rowcount == 0:
        return result  # touched nothing
    bumps = state.session.info.setdefault("nq_bumps", [])
    bumps.extend(named if isinstance(named, tuple | list | set | frozenset) else (named,))
    state.session.info["nq_wrote"] = True
    return result


def _before_commit(session: Session) -> None:
    bumps = session.info.pop("nq_bumps", None)
    if not bumps:
        return
    if EVERY_GROUP in bumps:
        _execute_bump(session, EVERY_GROUP, [])
    else:
        ids = {bump for bump in bumps if isinstance(bump, int)}
        _execute_bump(session, ids, [bump for bump in bumps if not isinstance(bump, int)])


def _forget_writes(session: Session, *args) -> None:
    session.info.pop("nq_wrote", None)
    session.info.pop("nq_bumps", None)


def has_uncommitted_writes(session: Session) -> bool:
    """True between a write and the end of its transaction: what is read then
    may never be committed, so it must not be kept under a version."""
    return bool(session.info.get("nq_wrote"))


def track_writes() -> None:
    """Listen on every ORM session (once per process)."""
    for name, listener in (
        ("before_flush", _before_flush), ("after_flush", _after_flush), ("do_orm_execute", _on_execute),
        ("before_commit", _before_commit), ("after_commit", _forget_writes), ("after_rollback", _forget_writes),
    ):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)
