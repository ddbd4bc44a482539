"""after-sales requests, events and photos

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 16:33:15.483439

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('after_sales_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seller_order_id', sa.Integer(), nullable=False),
    sa.Column('seller_id', sa.Integer(), nullable=False),
    sa.Column('buyer_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('refund_only', 'return_and_refund', name='after_sales_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('reason', sa.Enum('quality', 'damaged_in_transit', 'wrong_item', 'not_received', name='after_sales_reason', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('requested_fen', sa.BigInteger(), nullable=False),
    sa.Column('line_ids', sa.JSON(), nullable=False),
    sa.Column('status', sa.Enum('requested', 'accepted', 'awaiting_return', 'return_shipped', 'rejected', 'escalated', 'refunded', 'closed', name='after_sales_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('agreed_fen', sa.BigInteger(), nullable=True),
    sa.Column('rejection_reason', sa.Text(), nullable=True),
    sa.Column('return_carrier', sa.String(length=40), nullable=True),
    sa.Column('return_tracking_number', sa.String(length=60), nullable=True),
    sa.Column('refund_id', sa.Integer(), nullable=True),
    sa.Column('respond_by', sa.DateTime(timezone=True), nullable=False),
    sa.Column('escalate_by', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('agreed_fen IS NULL OR agreed_fen > 0', name=op.f('ck_after_sales_requests_agreed_positive')),
    sa.CheckConstraint('requested_fen > 0', name=op.f('ck_after_sales_requests_requested_positive')),
    sa.ForeignKeyConstraint(['buyer_id'], ['users.id'], name=op.f('fk_after_sales_requests_buyer_id_users')),
    sa.ForeignKeyConstraint(['refund_id'], ['refunds.id'], name=op.f('fk_after_sales_requests_refund_id_refunds')),
    sa.ForeignKeyConstraint(['seller_id'], ['sellers.id'], name=op.f('fk_after_sales_requests_seller_id_sellers')),
    sa.ForeignKeyConstraint(['seller_order_id'], ['seller_orders.id'], name=op.f('fk_after_sales_requests_seller_order_id_seller_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_after_sales_requests'))
    )
    with op.batch_alter_table('after_sales_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_after_sales_requests_buyer_id'), ['buyer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_after_sales_requests_respond_by'), ['respond_by'], unique=False)
        batch_op.create_index(batch_op.f('ix_after_sales_requests_seller_id'), ['seller_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_after_sales_requests_seller_order_id'), ['seller_order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_after_sales_requests_status'), ['status'], unique=False)

    op.create_table('after_sales_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('from_status', sa.String(length=32), nullable=True),
    sa.Column('to_status', sa.String(length=32), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_after_sales_events_actor_id_users')),
    sa.ForeignKeyConstraint(['request_id'], ['after_sales_requests.id'], name=op.f('fk_after_sales_events_request_id_after_sales_requests')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_after_sales_events'))
    )
    with op.batch_alter_table('after_sales_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_after_sales_events_request_id'), ['request_id'], unique=False)

    op.create_table('after_sales_photos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('storage_key', sa.String(length=80), nullable=False),
    sa.Column('content_type', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('position >= 0 AND position < 6', name=op.f('ck_after_sales_photos_at_most_six')),
    sa.ForeignKeyConstraint(['request_id'], ['after_sales_requests.id'], name=op.f('fk_after_sales_photos_request_id_after_sales_requests')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_after_sales_photos')),
    sa.UniqueConstraint('request_id', 'position', name=op.f('uq_after_sales_photos_request_id_position'))
    )


def downgrade():
    op.drop_table('after_sales_photos')
    with op.batch_alter_table('after_sales_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_after_sales_events_request_id'))

    op.drop_table('after_sales_events')
    with op.batch_alter_table('after_sales_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_after_sales_requests_status'))
        batch_op.drop_index(batch_op.f('ix_after_sales_requests_seller_order_id'))
        batch_op.drop_index(batch_op.f('ix_after_sales_requests_seller_id'))
        batch_op.drop_index(batch_op.f('ix_after_sales_requests_respond_by'))
        batch_op.drop_index(batch_op.f('ix_after_sales_requests_buyer_id'))

    op.drop_table('after_sales_requests')
