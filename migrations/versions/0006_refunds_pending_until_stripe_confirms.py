"""refunds: pending until Stripe confirms

A refund is written first, as pending, with its amount reserved on the seller order;
Stripe is asked outside any transaction under the refund's own id, and the refund is
then marked succeeded.  Refunds made before this revision all went through: succeeded.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 15:40:59.463618

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('refunds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.Enum('pending', 'succeeded', name='refund_status', native_enum=False, create_constraint=True, length=32), server_default='succeeded', nullable=False))
        batch_op.create_index(batch_op.f('ix_refunds_status'), ['status'], unique=False)


def downgrade():
    with op.batch_alter_table('refunds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_refunds_status'))
        batch_op.drop_constraint(batch_op.f('ck_refunds_refund_status'), type_='check')
        batch_op.drop_column('status')
