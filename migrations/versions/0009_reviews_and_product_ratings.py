"""reviews and product ratings

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 16:47:04.448916

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('product_ratings',
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('rating_count', sa.Integer(), nullable=False),
    sa.Column('rating_sum', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_product_ratings_product_id_products')),
    sa.PrimaryKeyConstraint('product_id', name=op.f('pk_product_ratings'))
    )
    op.create_table('reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seller_order_id', sa.Integer(), nullable=False),
    sa.Column('seller_id', sa.Integer(), nullable=False),
    sa.Column('buyer_id', sa.Integer(), nullable=False),
    sa.Column('seller_rating', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reply', sa.Text(), nullable=True),
    sa.Column('replied_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('replied_by_id', sa.Integer(), nullable=True),
    sa.Column('hidden', sa.Boolean(), nullable=False),
    sa.Column('hidden_reason', sa.Text(), nullable=True),
    sa.Column('hidden_by_id', sa.Integer(), nullable=True),
    sa.Column('hidden_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('seller_rating BETWEEN 1 AND 5', name=op.f('ck_reviews_seller_rating_range')),
    sa.ForeignKeyConstraint(['buyer_id'], ['users.id'], name=op.f('fk_reviews_buyer_id_users')),
    sa.ForeignKeyConstraint(['hidden_by_id'], ['users.id'], name=op.f('fk_reviews_hidden_by_id_users')),
    sa.ForeignKeyConstraint(['replied_by_id'], ['users.id'], name=op.f('fk_reviews_replied_by_id_users')),
    sa.ForeignKeyConstraint(['seller_id'], ['sellers.id'], name=op.f('fk_reviews_seller_id_sellers')),
    sa.ForeignKeyConstraint(['seller_order_id'], ['seller_orders.id'], name=op.f('fk_reviews_seller_order_id_seller_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reviews')),
    sa.UniqueConstraint('seller_order_id', name=op.f('uq_reviews_seller_order_id'))
    )
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reviews_buyer_id'), ['buyer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reviews_seller_id'), ['seller_id'], unique=False)

    op.create_table('review_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('order_line_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('rating', sa.Integer(), nullable=False),
    sa.CheckConstraint('rating BETWEEN 1 AND 5', name=op.f('ck_review_lines_rating_range')),
    sa.ForeignKeyConstraint(['order_line_id'], ['order_lines.id'], name=op.f('fk_review_lines_order_line_id_order_lines')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_review_lines_product_id_products')),
    sa.ForeignKeyConstraint(['review_id'], ['reviews.id'], name=op.f('fk_review_lines_review_id_reviews')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_lines')),
    sa.UniqueConstraint('order_line_id', name=op.f('uq_review_lines_order_line_id'))
    )
    with op.batch_alter_table('review_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_lines_product_id'), ['product_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_lines_review_id'), ['review_id'], unique=False)



def downgrade():
    with op.batch_alter_table('review_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_lines_review_id'))
        batch_op.drop_index(batch_op.f('ix_review_lines_product_id'))

    op.drop_table('review_lines')
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reviews_seller_id'))
        batch_op.drop_index(batch_op.f('ix_reviews_buyer_id'))

    op.drop_table('reviews')
    op.drop_table('product_ratings')
