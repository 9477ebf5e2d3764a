"""pin the calendar-year season of groups already billed without season dates

A group without (valid) season dates used to be billed for the calendar year,
while its value report ran from 1 August. The one season rule
(groups/seasons.py) now defaults to 1 August – 31 July for billing too. For a
group that has already taken payments on the calendar year, that default would
leave every member "paid through 31 December" short of a season ending 31 July:
asked to pay again and lapsed by the next ``flask tick``. So such groups keep
the period they were billed for, now written down as their season dates
(1 January – 31 December), which the host can see and change in the settings.
Groups without billing history get the new default. No payment row changes.

Downgrade: nothing to undo; the old code bills these dates as the same calendar year.

Revision ID: 3c1f0a7d9e42
Revises: 5dee23a60cc5
Create Date: 2026-12-02 18:30:00.000000

"""
from datetime import date

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3c1f0a7d9e42'
down_revision = '5dee23a60cc5'
branch_labels = None
depends_on = None

group = sa.table(
    'group',
    sa.column('id', sa.Integer), sa.column('season_start', sa.Date), sa.column('season_end', sa.Date),
)
payment = sa.table('payment', sa.column('group_id', sa.Integer), sa.column('season_start', sa.Date))
membership = sa.table('membership', sa.column('group_id', sa.Integer), sa.column('paid_through', sa.Date))


def upgrade():
    conn = op.get_bind()
    # The groups the old billing rule gave the calendar year.
    undated = conn.execute(
        sa.select(group.c.id).where(sa.or_(
            group.c.season_start.is_(None), group.c.season_end.is_(None),
            group.c.season_end < group.c.season_start,
        ))
    ).scalars().all()
    for group_id in undated:
        latest = conn.execute(
            sa.select(sa.func.max(payment.c.season_start)).where(payment.c.group_id == group_id)
        ).scalar() or conn.execute(
            sa.select(sa.func.max(membership.c.paid_through)).where(membership.c.group_id == group_id)
        ).scalar()
        if latest is None:  # never billed: the new default applies
            continue
        conn.execute(
            sa.update(group).where(group.c.id == group_id)
            .values(season_start=date(latest.year, 1, 1), season_end=date(latest.year, 12, 31))
        )


def downgrade():
    pass
