"""Each group's data version, raised by every write that changes what its pages show.

``Group.data_version`` is raised in the same transaction as the write, by
session events, so no write path has to remember it:

- an object flushed (new, changed or deleted) with a ``group_id`` raises that
  group; with a ``meetup_id`` or ``payment_id``, the group of that meetup or
  payment; a user, profile or company raises every group the person is in
  (names and photos show on the group's pages);
- a bulk UPDATE/DELETE/INSERT through the session (``session.execute(update(…))``)
  on such a table raises, at commit, the group named by the statement's
  ``nq_group`` execution option, or else every group (unless it touched no
  row).

Pages read the version with the group itself (one row they load anyway) and
keep what they computed from it per worker (``common.cache``), so a cache hit
is as fresh as the data: a new version is a new key. Writes made outside the
ORM session (a psql console, a script on a raw connection) must end with
``flask bump-versions``.
"""
from __future__ import annotations

from itertools import chain

from sqlalchemy import event, inspect, or_, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from billing.models import Payment
from groups.models import Group, Membership
from meetups.models import Meetup
from members.models import Company, Profile, User

# Tables whose bulk statements may change what a group's pages show.
_LINK_COLUMNS = {"group_id", "meetup_id", "payment_id", "user_id"}
_PEOPLE_TABLES = {"group", "user", "profile", "company"}


def _bump_statement(groups: set, meetups: set, payments: set, users: set, companies: set):
    table = Group.__table__
    conditions = []
    if groups:
        conditions.append(table.c.id.in_(groups))
    if meetups:
        conditions.append(table.c.id.in_(select(Meetup.group_id).where(Meetup.id.in_(meetups))))
    if payments:
        conditions.append(table.c.id.in_(select(Payment.group_id).where(Payment.id.in_(payments))))
    if companies:
        conditions.append(table.c.id.in_(
            select(Membership.group_id).join(Profile, Profile.user_id == Membership.user_id)
            .where(Profile.company_id.in_(companies))
        ))
    if users:
        conditions.append(table.c.id.in_(select(Membership.group_id).where(Membership.user_id.in_(users))))
    if not conditions:
        return None
    return update(table).where(or_(*conditions)).values(data_version=table.c.data_version + 1)


def bump_all_statement():
    table = Group.__table__
    return update(table).values(data_version=table.c.data_version + 1).execution_options(nq_is_bump=True)


def _expire_versions(session: Session) -> None:
    """Loaded groups read their version again: the next key is the new one."""
    for obj in session.identity_map.values():
        if isinstance(obj, Group):
            session.expire(obj, ["data_version"])


_EVERY_GROUP = object()


def _values(obj, attribute: str, new: bool, deleted: bool) -> list:
    """The attribute's value now and, if the flush changed it, before. When
    the value before is unknown (never loaded), every group."""
    state = inspect(obj)
    if attribute not in state.dict and deleted:
        return [_EVERY_GROUP]
    history = state.attrs[attribute].history
    if history.added and not history.deleted and not new:
        return [_EVERY_GROUP]
    values = [getattr(obj, attribute), *history.deleted]
    return [value for value in values if value is not None]


def _after_flush(session: Session, flush_context) -> None:
    new, deleted = set(session.new), set(session.deleted)
    changed = chain(
        new, deleted,
        (obj for obj in session.dirty if session.is_modified(obj, include_collections=False)),
    )
    found: dict[str, set] = {"group_id": set(), "meetup_id": set(), "payment_id": set(), "user_id": set()}
    companies: set = set()
    for obj in changed:
        if isinstance(obj, Group):
            found["group_id"].add(obj.id)
        elif isinstance(obj, User):
            found["user_id"].add(obj.id)
        elif isinstance(obj, Company):
            companies.add(obj.id)
        else:
            columns = inspect(obj).mapper.columns.keys()
            link = next((name for name in ("group_id", "meetup_id", "payment_id") if name in columns), None)
            if link is None and isinstance(obj, Profile):
                link = "user_id"
            if link is not None:
                found[link].update(_values(obj, link, obj in new, obj in deleted))
    if any(_EVERY_GROUP in values for values in found.values()):
        statement = bump_all_statement()
    else:
        statement = _bump_statement(found["group_id"], found["meetup_id"], found["payment_id"],
                                    found["user_id"], companies)
    if statement is None:
        return
    session.connection().execute(statement)
    session.info["nq_wrote"] = True
    _expire_versions(session)


def _before_flush(session: Session, flush_context, instances) -> None:
    """A deleted user's memberships may go with them (ON DELETE CASCADE): note the groups first."""
    deleted = [obj.id for obj in session.deleted if isinstance(obj, User)]
    if deleted:
        groups = session.connection().execute(
            select(Membership.group_id).where(Membership.user_id.in_(deleted))
        ).scalars().all()
        if groups:
            session.connection().execute(_bump_statement(set(groups), set(), set(), set(), set()))


def _on_execute(state):
    """Bulk statements: raise the group they name (``nq_group``), else every group.

    The raise waits for the commit (``_before_commit``): the statement's own
    result must be read before anything else runs on the connection."""
    if not (state.is_update or state.is_delete or state.is_insert) or state.execution_options.get("nq_is_bump"):
        return None
    table = getattr(state.statement, "table", None)
    columns = set(getattr(table, "c", {}).keys()) if table is not None else set()
    if table is None or not (columns & _LINK_COLUMNS or getattr(table, "name", "") in _PEOPLE_TABLES):
        return None
    result = state.invoke_statement()
    if isinstance(result, CursorResult) and not result.returns_rows and result.rowcount == 0:
        return result  # touched nothing
    state.session.info.setdefault("nq_bumps", set()).add(state.execution_options.get("nq_group", _EVERY_GROUP))
    state.session.info["nq_wrote"] = True
    return result


def _before_commit(session: Session) -> None:
    bumps = session.info.pop("nq_bumps", None)
    if not bumps:
        return
    if _EVERY_GROUP in bumps:
        statement = bump_all_statement()
    else:
        statement = _bump_statement(bumps, set(), set(), set(), set())
    session.connection().execute(statement)
    _expire_versions(session)


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
