"""reporting: monthly reports, signing keys, bureau inputs, award settings

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 17:58:33.478758

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('signing_keys',
    sa.Column('key_id', sa.String(length=32), nullable=False),
    sa.Column('public_key', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key_id', name=op.f('pk_signing_keys'))
    )
    op.create_table('award_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('settings', sa.JSON(), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['changed_by_id'], ['users.id'], name=op.f('fk_award_settings_changed_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_award_settings'))
    )
    op.create_table('livestream_bases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('operator_name', sa.String(length=120), nullable=False),
    sa.Column('operator_uscc', sa.String(length=18), nullable=False),
    sa.Column('county_code', sa.String(length=6), nullable=False),
    sa.Column('area_m2', sa.Integer(), nullable=False),
    sa.Column('rooms', sa.Integer(), nullable=False),
    sa.Column('resident_enterprises', sa.Integer(), nullable=False),
    sa.Column('hosts', sa.Integer(), nullable=False),
    sa.Column('live_rooms', sa.JSON(), nullable=False),
    sa.Column('awarded_tiers', sa.JSON(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['county_code'], ['counties.code'], name=op.f('fk_livestream_bases_county_code_counties')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_livestream_bases'))
    )
    op.create_table('monthly_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'certified', name='report_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('signature', sa.String(length=128), nullable=True),
    sa.Column('key_id', sa.String(length=32), nullable=True),
    sa.Column('supersedes_id', sa.Integer(), nullable=True),
    sa.Column('correction_reason', sa.Text(), nullable=True),
    sa.Column('generated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('certified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('certified_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['certified_by_id'], ['users.id'], name=op.f('fk_monthly_reports_certified_by_id_users')),
    sa.ForeignKeyConstraint(['supersedes_id'], ['monthly_reports.id'], name=op.f('fk_monthly_reports_supersedes_id_monthly_reports')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_monthly_reports')),
    sa.UniqueConstraint('period', 'version', name=op.f('uq_monthly_reports_period_version'))
    )
    with op.batch_alter_table('monthly_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_monthly_reports_period'), ['period'], unique=False)

    op.create_table('external_sales',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seller_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('online_fen', sa.BigInteger(), nullable=False),
    sa.Column('agricultural_fen', sa.BigInteger(), nullable=False),
    sa.Column('upstream_fen', sa.BigInteger(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_external_sales_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['seller_id'], ['sellers.id'], name=op.f('fk_external_sales_seller_id_sellers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_external_sales')),
    sa.UniqueConstraint('seller_id', 'year', name=op.f('uq_external_sales_seller_id_year'))
    )


def downgrade():
    op.drop_table('external_sales')
    with op.batch_alter_table('monthly_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_monthly_reports_period'))

    op.drop_table('monthly_reports')
    op.drop_table('livestream_bases')
    op.drop_table('award_settings')
    op.drop_table('signing_keys')
