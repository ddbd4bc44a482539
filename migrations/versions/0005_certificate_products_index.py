"""index certificate_products by product

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 19:23:52.096379

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('certificate_products', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certificate_products_product_id'), ['product_id'], unique=False)



def downgrade():
    with op.batch_alter_table('certificate_products', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certificate_products_product_id'))

