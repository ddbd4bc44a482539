"""seller_orders.shipped_at is indexed: the monthly report's logistics section (and
/metrics/logistics) read the parcels shipped in a month, which scanned every seller order

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30 21:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('seller_orders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_seller_orders_shipped_at'), ['shipped_at'], unique=False)


def downgrade():
    with op.batch_alter_table('seller_orders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_seller_orders_shipped_at'))
