"""VAT of the fee belongs to the group: the fee reads the same way on every page

Revision ID: ad0e0c99310b
Revises: 979941343891
Create Date: 2026-12-03 15:50:49.957289

The VAT rate and whether the fee includes VAT move from ``group_billing`` to
``group``, so the group page and the dashboard say the fee the way checkout
charges it. A group without a billing row keeps the old defaults: 25 % for
DKK, 0 otherwise, on top of the fee.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'ad0e0c99310b'
down_revision = '979941343891'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('group', schema=None) as batch_op:
        batch_op.add_column(sa.Column('vat_rate_bp', sa.Integer(), server_default='2500', nullable=False))
        batch_op.add_column(sa.Column('fee_includes_vat', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_check_constraint('group_vat_rate_range', 'vat_rate_bp >= 0 AND vat_rate_bp <= 10000')

    op.execute(sa.text("UPDATE \"group\" SET vat_rate_bp = 0 WHERE upper(currency) <> 'DKK'"))
    op.execute(sa.text(
        "UPDATE \"group\" SET vat_rate_bp = (SELECT b.vat_rate_bp FROM group_billing b WHERE b.group_id = \"group\".id),"
        " fee_includes_vat = (SELECT b.fee_includes_vat FROM group_billing b WHERE b.group_id = \"group\".id)"
        " WHERE id IN (SELECT group_id FROM group_billing)"
    ))

    with op.batch_alter_table('group_billing', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_group_billing_vat_rate_range'), type_='check')
        batch_op.drop_column('fee_includes_vat')
        batch_op.drop_column('vat_rate_bp')


def downgrade():
    with op.batch_alter_table('group_billing', schema=None) as batch_op:
        batch_op.add_column(sa.Column('vat_rate_bp', sa.Integer(), server_default='2500', nullable=False))
        batch_op.add_column(sa.Column('fee_includes_vat', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_check_constraint('vat_rate_range', 'vat_rate_bp >= 0 AND vat_rate_bp <= 10000')

    op.execute(sa.text(
        "UPDATE group_billing SET vat_rate_bp = (SELECT g.vat_rate_bp FROM \"group\" g WHERE g.id = group_billing.group_id),"
        " fee_includes_vat = (SELECT g.fee_includes_vat FROM \"group\" g WHERE g.id = group_billing.group_id)"
    ))

    with op.batch_alter_table('group', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_group_group_vat_rate_range'), type_='check')
        batch_op.drop_column('fee_includes_vat')
        batch_op.drop_column('vat_rate_bp')
