"""Group data versions: every write that changes what a group's pages show
raises that group's version, in the write's own transaction, and nothing else does."""
from __future__ import annotations

import pytest
from sqlalchemy import delete, select, update

from groups.models import Group


def versions(db, *groups) -> list[int]:
    db.session.expire_all()
    ids = [group.id for group in groups]
    found = dict(db.session.execute(select(Group.id, Group.data_version).where(Group.id.in_(ids))).all())
    return [found[i] for i in ids]


@pytest.fixture
def two_groups(make_group):
    return make_group(), make_group()


def raised(before: list[int], after: list[int]) -> list[bool]:
    return [b > a for a, b in zip(before, after, strict=True)]


def test_a_new_group_starts_past_every_version_issued_before(make_group, db, make_meetup):
    a = make_group()
    for _ in range(3):
        make_meetup(a)
    b = make_group()  # a reused id (after a delete) never meets an old cache entry
    assert versions(db, b)[0] > versions(db, a)[0]


def test_a_version_is_never_reused_after_a_backup_is_restored(db, two_groups, make_meetup):
    """Back up, write on (workers keep what they read at the new versions),
    restore the backup's version, write again: the version is a new one."""
    a, _b = two_groups
    backup = versions(db, a)[0]
    issued = set()
    for _ in range(3):
        make_meetup(a)
        issued.add(versions(db, a)[0])
    # The restore: the row goes back to the backup's value, outside NQ's session events.
    with db.engine.begin() as connection:
        connection.execute(update(Group.__table__).where(Group.__table__.c.id == a.id).values(data_version=backup))
    db.session.expire_all()
    make_meetup(a)
    after = versions(db, a)[0]
    assert after not in issued and after > max(issued)


def test_every_model_that_reaches_a_group_is_tracked_or_exempt(app):
    """A new table cannot be forgotten: each mapped model with a foreign-key
    path to the groups table raises versions or says in writing why not."""
    from common import versions as registry
    from extensions import Model

    tables = {mapper.class_.__table__.name: mapper.class_ for mapper in Model.registry.mappers}
    edges = {name: {fk.column.table.name for column in cls.__table__.columns for fk in column.foreign_keys}
             for name, cls in tables.items()}

    def reaches_group(name: str, seen: frozenset = frozenset()) -> bool:
        return name == "group" or any(reaches_group(n, seen | {name}) for n in edges[name] - seen)

    decided = set(registry.tracked_models()) | set(registry.exempt_models())
    forgotten = [name for name, cls in tables.items() if reaches_group(name) and cls not in decided]
    assert forgotten == []
    assert all(reason.strip() for reason in registry.exempt_models().values())


def test_a_meetup_raises_its_group_only(db, two_groups, make_meetup):
    a, b = two_groups
    before = versions(db, a, b)
    make_meetup(a)
    assert raised(before, versions(db, a, b)) == [True, False]


def test_an_rsvp_raises_the_group_of_its_meetup(db, two_groups, make_meetup, make_member, make_rsvp):
    a, b = two_groups
    meetup = make_meetup(b)
    member = make_member(b)
    before = versions(db, a, b)
    make_rsvp(meetup, member, response="maybe")
    assert raised(before, versions(db, a, b)) == [False, True]


def test_a_member_renamed_raises_every_group_they_are_in(db, make_group, make_member):
    a, b, c = make_group(), make_group(), make_group()
    person = make_member(a)
    make_member(b, user=person)
    before = versions(db, a, b, c)
    person.name = "Someone Else"
    db.session.commit()
    assert raised(before, versions(db, a, b, c)) == [True, True, False]


def test_a_profile_photo_raises_the_member_s_groups(db, two_groups, make_member):
    a, b = two_groups
    person = make_member(a)
    before = versions(db, a, b)
    person.profile.photo_filename = "new.jpg"
    db.session.commit()
    assert raised(before, versions(db, a, b)) == [True, False]


def test_a_changed_group_raises_itself(db, two_groups):
    a, b = two_groups
    before = versions(db, a, b)
    a.description = "New words"
    db.session.commit()
    assert raised(before, versions(db, a, b)) == [True, False]


def test_a_membership_moved_between_groups_raises_both(db, make_group, make_member):
    from groups.models import Membership

    a, b, c = make_group(), make_group(), make_group()
    person = make_member(a)
    membership = db.session.scalar(select(Membership).where(Membership.user_id == person.id))
    before = versions(db, a, b, c)
    membership.group_id = b.id  # its old group is not loaded: every group, to be safe
    db.session.commit()
    assert raised(before, versions(db, a, b, c))[:2] == [True, True]


def test_a_deleted_user_raises_the_groups_they_were_in(db, two_groups, make_member):
    from members.models import User

    a, b = two_groups
    person = make_member(a)
    before = versions(db, a, b)
    db.session.delete(db.session.get(User, person.id))
    db.session.commit()
    assert raised(before, versions(db, a, b)) == [True, False]


def test_a_bulk_update_raises_the_group_it_names(db, two_groups, make_meetup):
    from meetups.models import Meetup

    a, b = two_groups
    meetup = make_meetup(a)
    before = versions(db, a, b)
    db.session.execute(update(Meetup).where(Meetup.id == meetup.id).values(title="Renamed")
                       .execution_options(nq_group=a.id))
    db.session.commit()
    assert raised(before, versions(db, a, b)) == [True, False]


def test_a_bulk_update_naming_no_group_is_refused_and_changes_nothing(db, two_groups, make_meetup):
    from common.versions import UnnamedBulkWrite
    from meetups.models import Meetup

    a, b = two_groups
    meetup = make_meetup(a)
    with pytest.raises(UnnamedBulkWrite):
        db.session.execute(update(Meetup).where(Meetup.id == meetup.id).values(title="Renamed"))
    db.session.rollback()
    assert db.session.get(Meetup, meetup.id).title == "Monthly meetup"


def test_a_bulk_update_may_name_every_group(db, two_groups, make_meetup):
    from common.versions import EVERY_GROUP
    from meetups.models import Meetup

    a, b = two_groups
    meetup = make_meetup(a)
    before = versions(db, a, b)
    db.session.execute(update(Meetup).where(Meetup.id == meetup.id).values(title="Renamed")
                       .execution_options(nq_group=EVERY_GROUP))
    db.session.commit()
    assert raised(before, versions(db, a, b)) == [True, True]


def test_a_bulk_statement_that_touched_nothing_raises_nothing(db, two_groups):
    from meetups.models import Meetup

    a, b = two_groups
    before = versions(db, a, b)
    db.session.execute(delete(Meetup).where(Meetup.id == -1).execution_options(nq_group=a.id))
    db.session.commit()
    assert raised(before, versions(db, a, b)) == [False, False]


def test_writes_no_page_shows_raise_nothing(db, two_groups):
    from outbox.models import OutboxMessage

    a, b = two_groups
    before = versions(db, a, b)
    db.session.add(OutboxMessage(to_email="x@example.com", template="emails/x"))
    db.session.commit()
    assert raised(before, versions(db, a, b)) == [False, False]


def test_a_rolled_back_write_leaves_the_version(db, two_groups, make_meetup):
    a, b = two_groups
    before = versions(db, a, b)
    a.description = "Never saved"
    db.session.flush()
    assert versions(db, a, b)[0] > before[0]  # raised inside the transaction …
    db.session.rollback()
    assert versions(db, a, b) == before  # … and undone with it


def test_a_loaded_group_reads_its_new_version_after_a_write(db, two_groups, make_meetup):
    a, _b = two_groups
    seen = a.data_version
    make_meetup(a)
    assert a.data_version > seen


def test_the_cli_raises_every_group(db, runner, two_groups):
    before = versions(db, *two_groups)
    result = runner.invoke(args=["bump-versions"])
    assert result.exit_code == 0, result.output
    assert raised(before, versions(db, *two_groups)) == [True, True]


def test_signing_in_raises_no_version(db, make_member, two_groups):
    """Sign-ins, password changes and ended sessions change nothing a page shows."""
    from common.db import utcnow

    a, b = two_groups
    person = make_member(a)
    before = versions(db, a, b)
    person.last_login_at = utcnow()
    person.session_version += 1
    db.session.commit()
    assert raised(before, versions(db, a, b)) == [False, False]
    person.name = "Renamed Person"
    db.session.commit()
    assert raised(before, versions(db, a, b)) == [True, False]
