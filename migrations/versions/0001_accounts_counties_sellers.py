"""accounts, counties, sellers

Revision ID: 0001
Revises: 
Create Date: 2026-11-28 17:06:51.283235

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0001'
down_revision = None
branch_labels = None
depends_on = None

# Ganzhou's county-level divisions (GB/T 2260) as of this revision: 18 current, 3 retired
# kept so that an old code is answered with its successor.  Reference data is frozen
# here; a later change of divisions is a later revision.
COUNTIES = [
    ('360702', '章贡区', 'zhanggong', 'district', False, None),
    ('360703', '南康区', 'nankang', 'district', False, None),
    ('360704', '赣县区', 'ganxian', 'district', False, None),
    ('360722', '信丰县', 'xinfeng', 'county', False, None),
    ('360723', '大余县', 'dayu', 'county', False, None),
    ('360724', '上犹县', 'shangyou', 'county', False, None),
    ('360725', '崇义县', 'chongyi', 'county', False, None),
    ('360726', '安远县', 'anyuan', 'county', False, None),
    ('360728', '定南县', 'dingnan', 'county', False, None),
    ('360729', '全南县', 'quannan', 'county', False, None),
    ('360730', '宁都县', 'ningdu', 'county', False, None),
    ('360731', '于都县', 'yudu', 'county', False, None),
    ('360732', '兴国县', 'xingguo', 'county', False, None),
    ('360733', '会昌县', 'huichang', 'county', False, None),
    ('360734', '寻乌县', 'xunwu', 'county', False, None),
    ('360735', '石城县', 'shicheng', 'county', False, None),
    ('360781', '瑞金市', 'ruijin', 'city', False, None),
    ('360783', '龙南市', 'longnan', 'city', False, None),
    ('360721', '赣县', 'ganxian', 'county', True, '360704'),
    ('360727', '龙南县', 'longnan', 'county', True, '360783'),
    ('360782', '南康市', 'nankang', 'city', True, '360703'),
]


def upgrade():
    op.create_table('counties',
    sa.Column('code', sa.String(length=6), nullable=False),
    sa.Column('name', sa.String(length=20), nullable=False),
    sa.Column('pinyin', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.Enum('district', 'city', 'county', name='county_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('retired', sa.Boolean(), nullable=False),
    sa.Column('replaced_by', sa.String(length=6), nullable=True),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_counties'))
    )
    counties = sa.table(
        "counties",
        sa.column("code", sa.String), sa.column("name", sa.String), sa.column("pinyin", sa.String),
        sa.column("kind", sa.String), sa.column("retired", sa.Boolean),
        sa.column("replaced_by", sa.String),
    )
    op.bulk_insert(counties, [
        dict(zip(("code", "name", "pinyin", "kind", "retired", "replaced_by"), row))
        for row in COUNTIES
    ])
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('display_name', sa.String(length=80), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('email', name=op.f('uq_users_email'))
    )
    op.create_table('sellers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('uscc', sa.String(length=18), nullable=False),
    sa.Column('kind', sa.Enum('enterprise', 'cooperative', 'family_farm', 'individual_business', name='seller_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('county_code', sa.String(length=6), nullable=False),
    sa.Column('contact_name', sa.String(length=60), nullable=False),
    sa.Column('contact_phone', sa.String(length=20), nullable=False),
    sa.Column('address', sa.String(length=255), nullable=False),
    sa.Column('status', sa.Enum('pending', 'approved', 'rejected', 'suspended', name='seller_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('status_reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['county_code'], ['counties.code'], name=op.f('fk_sellers_county_code_counties')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sellers')),
    sa.UniqueConstraint('uscc', name=op.f('uq_sellers_uscc'))
    )
    with op.batch_alter_table('sellers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sellers_status'), ['status'], unique=False)

    op.create_table('user_roles',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.Enum('consumer', 'platform_admin', 'bureau', name='role', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('granted_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_roles_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'role', name=op.f('pk_user_roles'))
    )
    op.create_table('qualifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seller_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('business_licence', 'food_business_licence', 'food_production_licence', name='qualification_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('number', sa.String(length=32), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('valid_until IS NULL OR valid_until >= valid_from', name=op.f('ck_qualifications_valid_range')),
    sa.ForeignKeyConstraint(['seller_id'], ['sellers.id'], name=op.f('fk_qualifications_seller_id_sellers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_qualifications')),
    sa.UniqueConstraint('seller_id', 'kind', 'number', name=op.f('uq_qualifications_seller_id_kind_number'))
    )
    with op.batch_alter_table('qualifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_qualifications_seller_id'), ['seller_id'], unique=False)

    op.create_table('seller_decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seller_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.Enum('approve', 'reject', 'suspend', name='review_action', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('from_status', sa.Enum('pending', 'approved', 'rejected', 'suspended', name='from_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('to_status', sa.Enum('pending', 'approved', 'rejected', 'suspended', name='to_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_seller_decisions_actor_id_users')),
    sa.ForeignKeyConstraint(['seller_id'], ['sellers.id'], name=op.f('fk_seller_decisions_seller_id_sellers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_seller_decisions'))
    )
    with op.batch_alter_table('seller_decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_seller_decisions_seller_id'), ['seller_id'], unique=False)

    op.create_table('seller_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seller_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.Enum('owner', 'staff', name='member_role', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['seller_id'], ['sellers.id'], name=op.f('fk_seller_members_seller_id_sellers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_seller_members_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_seller_members')),
    sa.UniqueConstraint('seller_id', 'user_id', name=op.f('uq_seller_members_seller_id_user_id'))
    )
    with op.batch_alter_table('seller_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_seller_members_seller_id'), ['seller_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_seller_members_user_id'), ['user_id'], unique=False)



def downgrade():
    with op.batch_alter_table('seller_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_seller_members_user_id'))
        batch_op.drop_index(batch_op.f('ix_seller_members_seller_id'))

    op.drop_table('seller_members')
    with op.batch_alter_table('seller_decisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_seller_decisions_seller_id'))

    op.drop_table('seller_decisions')
    with op.batch_alter_table('qualifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_qualifications_seller_id'))

    op.drop_table('qualifications')
    op.drop_table('user_roles')
    with op.batch_alter_table('sellers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sellers_status'))

    op.drop_table('sellers')
    op.drop_table('users')
    op.drop_table('counties')
