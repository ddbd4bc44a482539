"""county commerce offices: the county_officer role bound to one county, and the
county's recommendation (推荐) of a seller before approval

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 17:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

ROLES = ('consumer', 'platform_admin', 'bureau')


def _roles_check(roles):
    return "role IN (" + ", ".join(f"'{r}'" for r in roles) + ")"


def upgrade():
    op.create_table('seller_recommendations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seller_id', sa.Integer(), nullable=False),
    sa.Column('county_code', sa.String(length=6), nullable=False),
    sa.Column('officer_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['county_code'], ['counties.code'], name=op.f('fk_seller_recommendations_county_code_counties')),
    sa.ForeignKeyConstraint(['officer_id'], ['users.id'], name=op.f('fk_seller_recommendations_officer_id_users')),
    sa.ForeignKeyConstraint(['seller_id'], ['sellers.id'], name=op.f('fk_seller_recommendations_seller_id_sellers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_seller_recommendations'))
    )
    with op.batch_alter_table('seller_recommendations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_seller_recommendations_seller_id'), ['seller_id'], unique=False)

    with op.batch_alter_table('user_roles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('county_code', sa.String(length=6), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_user_roles_county_code_counties'), 'counties', ['county_code'], ['code'])
        batch_op.drop_constraint(op.f('ck_user_roles_role'), type_='check')
        batch_op.create_check_constraint(op.f('ck_user_roles_role'),
                                         _roles_check(ROLES + ('county_officer',)))
        batch_op.create_check_constraint(op.f('ck_user_roles_county_officer_has_county'),
                                         "(role = 'county_officer') = (county_code IS NOT NULL)")


def downgrade():
    op.execute("DELETE FROM user_roles WHERE role = 'county_officer'")
    with op.batch_alter_table('user_roles', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_user_roles_county_officer_has_county'), type_='check')
        batch_op.drop_constraint(op.f('ck_user_roles_role'), type_='check')
        batch_op.create_check_constraint(op.f('ck_user_roles_role'), _roles_check(ROLES))
        batch_op.drop_constraint(batch_op.f('fk_user_roles_county_code_counties'), type_='foreignkey')
        batch_op.drop_column('county_code')

    with op.batch_alter_table('seller_recommendations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_seller_recommendations_seller_id'))

    op.drop_table('seller_recommendations')
