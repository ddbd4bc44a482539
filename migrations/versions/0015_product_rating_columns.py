"""products carry their rating (count and sum of visible review lines' stars) as
columns, so a product page, a listing and a search document read it with the product;
the separate product_ratings table goes

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30 19:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rating_count', sa.Integer(), nullable=False,
                                      server_default='0'))
        batch_op.add_column(sa.Column('rating_sum', sa.Integer(), nullable=False,
                                      server_default='0'))
        batch_op.create_check_constraint(
            op.f('ck_products_rating_in_range'),
            'rating_count >= 0 AND rating_sum >= rating_count AND rating_sum <= 5 * rating_count')
    op.execute("""UPDATE products SET
        rating_count = (SELECT r.rating_count FROM product_ratings AS r
                        WHERE r.product_id = products.id),
        rating_sum = (SELECT r.rating_sum FROM product_ratings AS r
                      WHERE r.product_id = products.id)
        WHERE id IN (SELECT product_id FROM product_ratings)""")
    op.drop_table('product_ratings')


def downgrade():
    op.create_table('product_ratings',
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('rating_count', sa.Integer(), nullable=False),
    sa.Column('rating_sum', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_product_ratings_product_id_products')),
    sa.PrimaryKeyConstraint('product_id', name=op.f('pk_product_ratings'))
    )
    op.execute("""INSERT INTO product_ratings (product_id, rating_count, rating_sum)
        SELECT id, rating_count, rating_sum FROM products WHERE rating_count > 0""")
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_products_rating_in_range'), type_='check')
        batch_op.drop_column('rating_sum')
        batch_op.drop_column('rating_count')
