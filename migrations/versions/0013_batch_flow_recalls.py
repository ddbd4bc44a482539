"""where each batch went (流向): the batch an order line shipped from; recalls of a
batch; notifications to a buyer; what blocks a product

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 18:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('user_id', sa.Integer(), nullable=True))
        batch_op.alter_column('seller_id',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.create_index(batch_op.f('ix_notifications_user_id'), ['user_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_notifications_user_id_users'), 'users', ['user_id'], ['id'])
        batch_op.create_check_constraint(op.f('ck_notifications_has_recipient'),
                                         'seller_id IS NOT NULL OR user_id IS NOT NULL')

    with op.batch_alter_table('order_lines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('batch_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_order_lines_batch_id'), ['batch_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_order_lines_batch_id_trace_batches'), 'trace_batches', ['batch_id'], ['id'])

    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.add_column(sa.Column('block_cause', sa.String(length=20), nullable=True))
    # every block so far came from a failed spot check
    op.execute("UPDATE products SET block_cause = 'spot_check' WHERE status = 'blocked'")

    with op.batch_alter_table('trace_batches', schema=None) as batch_op:
        batch_op.add_column(sa.Column('recalled_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('recall_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('recalled_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_trace_batches_recalled_by_id_users'), 'users', ['recalled_by_id'], ['id'])



def downgrade():
    with op.batch_alter_table('trace_batches', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_trace_batches_recalled_by_id_users'), type_='foreignkey')
        batch_op.drop_column('recalled_by_id')
        batch_op.drop_column('recall_reason')
        batch_op.drop_column('recalled_at')

    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.drop_column('block_cause')

    with op.batch_alter_table('order_lines', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_order_lines_batch_id_trace_batches'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_order_lines_batch_id'))
        batch_op.drop_column('batch_id')

    op.execute("DELETE FROM notifications WHERE seller_id IS NULL")  # buyers' recall notices
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_notifications_has_recipient'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_notifications_user_id_users'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_notifications_user_id'))
        batch_op.alter_column('seller_id',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.drop_column('user_id')

