"""review photos

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 16:59:45.964154

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('review_photos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('storage_key', sa.String(length=80), nullable=False),
    sa.Column('content_type', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('position >= 0 AND position < 6', name=op.f('ck_review_photos_at_most_six')),
    sa.ForeignKeyConstraint(['review_id'], ['reviews.id'], name=op.f('fk_review_photos_review_id_reviews')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_photos')),
    sa.UniqueConstraint('review_id', 'position', name=op.f('uq_review_photos_review_id_position'))
    )


def downgrade():
    op.drop_table('review_photos')
