"""register of applicants: applicants by USCC, certified figures per year (NULL: not
reported), imports and the audit trail; external_sales moves into it

The figures recorded by seller_id (external_sales) become figures of the applicant with
the seller's USCC: the seller is registered as an applicant (its name, county and kind,
cooperative or enterprise), each row's online, agricultural and upstream figures are
kept, the Ganzhou specialty and live-stream figures are not reported (NULL).  The
downgrade writes back the figures of applicants that are sellers, a figure not
reported as 0 (the old table had no way to say it), and loses the rest of the register.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 16:05:20.756554

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

sellers = sa.table('sellers', sa.column('id', sa.Integer), sa.column('uscc', sa.String),
                   sa.column('name', sa.String), sa.column('kind', sa.String),
                   sa.column('county_code', sa.String))
external_sales = sa.table(
    'external_sales', sa.column('id', sa.Integer), sa.column('seller_id', sa.Integer),
    sa.column('year', sa.Integer), sa.column('online_fen', sa.BigInteger),
    sa.column('agricultural_fen', sa.BigInteger), sa.column('upstream_fen', sa.BigInteger),
    sa.column('note', sa.Text), sa.column('recorded_by_id', sa.Integer),
    sa.column('recorded_at', sa.DateTime(timezone=True)))
applicants = sa.table('applicants', sa.column('id', sa.Integer), sa.column('uscc', sa.String),
                      sa.column('name', sa.String), sa.column('kind', sa.String),
                      sa.column('county_code', sa.String),
                      sa.column('created_at', sa.DateTime(timezone=True)),
                      sa.column('updated_at', sa.DateTime(timezone=True)))
figures = sa.table(
    'certified_figures', sa.column('applicant_id', sa.Integer), sa.column('year', sa.Integer),
    sa.column('online_retail_fen', sa.BigInteger), sa.column('agricultural_fen', sa.BigInteger),
    sa.column('upstream_fen', sa.BigInteger), sa.column('note', sa.Text),
    sa.column('recorded_by_id', sa.Integer),
    sa.column('recorded_at', sa.DateTime(timezone=True)))
changes = sa.table('register_changes', sa.column('applicant_id', sa.Integer),
                   sa.column('year', sa.Integer), sa.column('changes', sa.JSON),
                   sa.column('reason', sa.Text), sa.column('actor_id', sa.Integer),
                   sa.column('created_at', sa.DateTime(timezone=True)))


def upgrade():
    op.create_table('applicants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uscc', sa.String(length=18), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.Enum('enterprise', 'cooperative', 'platform', 'livestream_base_operator', name='applicant_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('county_code', sa.String(length=6), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['county_code'], ['counties.code'], name=op.f('fk_applicants_county_code_counties')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_applicants')),
    sa.UniqueConstraint('uscc', name=op.f('uq_applicants_uscc'))
    )
    with op.batch_alter_table('applicants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_applicants_county_code'), ['county_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_applicants_name'), ['name'], unique=False)

    op.create_table('figure_imports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('applicants_created', sa.Integer(), nullable=False),
    sa.Column('applicants_changed', sa.Integer(), nullable=False),
    sa.Column('figures_created', sa.Integer(), nullable=False),
    sa.Column('figures_changed', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_figure_imports_actor_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_figure_imports'))
    )
    op.create_table('certified_figures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('applicant_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('online_retail_fen', sa.BigInteger(), nullable=True),
    sa.Column('specialty_fen', sa.BigInteger(), nullable=True),
    sa.Column('agricultural_fen', sa.BigInteger(), nullable=True),
    sa.Column('upstream_fen', sa.BigInteger(), nullable=True),
    sa.Column('livestream_fen', sa.BigInteger(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('agricultural_fen IS NULL OR agricultural_fen >= 0', name=op.f('ck_certified_figures_agricultural_fen_non_negative')),
    sa.CheckConstraint('livestream_fen IS NULL OR livestream_fen >= 0', name=op.f('ck_certified_figures_livestream_fen_non_negative')),
    sa.CheckConstraint('online_retail_fen IS NULL OR online_retail_fen >= 0', name=op.f('ck_certified_figures_online_retail_fen_non_negative')),
    sa.CheckConstraint('specialty_fen IS NULL OR specialty_fen >= 0', name=op.f('ck_certified_figures_specialty_fen_non_negative')),
    sa.CheckConstraint('upstream_fen IS NULL OR upstream_fen >= 0', name=op.f('ck_certified_figures_upstream_fen_non_negative')),
    sa.ForeignKeyConstraint(['applicant_id'], ['applicants.id'], name=op.f('fk_certified_figures_applicant_id_applicants')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_certified_figures_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certified_figures')),
    sa.UniqueConstraint('applicant_id', 'year', name=op.f('uq_certified_figures_applicant_id_year'))
    )
    with op.batch_alter_table('certified_figures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certified_figures_applicant_id'), ['applicant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_certified_figures_year'), ['year'], unique=False)

    op.create_table('register_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('applicant_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=True),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('import_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_register_changes_actor_id_users')),
    sa.ForeignKeyConstraint(['applicant_id'], ['applicants.id'], name=op.f('fk_register_changes_applicant_id_applicants')),
    sa.ForeignKeyConstraint(['import_id'], ['figure_imports.id'], name=op.f('fk_register_changes_import_id_figure_imports')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_register_changes'))
    )
    with op.batch_alter_table('register_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_register_changes_applicant_id'), ['applicant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_register_changes_import_id'), ['import_id'], unique=False)

    _move_external_sales_into_the_register()
    op.drop_table('external_sales')


def _move_external_sales_into_the_register():
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(external_sales, sellers.c.uscc, sellers.c.name, sellers.c.kind,
                  sellers.c.county_code)
        .join(sellers, sellers.c.id == external_sales.c.seller_id)
        .order_by(external_sales.c.seller_id, external_sales.c.year)).mappings().all()
    ids = {}
    for row in rows:
        if row['uscc'] not in ids:
            kind = 'cooperative' if row['kind'] == 'cooperative' else 'enterprise'
            bind.execute(applicants.insert().values(
                uscc=row['uscc'], name=row['name'], kind=kind, county_code=row['county_code'],
                created_at=row['recorded_at'], updated_at=row['recorded_at']))
            ids[row['uscc']] = bind.execute(sa.select(applicants.c.id).where(
                applicants.c.uscc == row['uscc'])).scalar_one()
            bind.execute(changes.insert().values(
                applicant_id=ids[row['uscc']], year=None, actor_id=row['recorded_by_id'],
                changes={'name': [None, row['name']], 'kind': [None, kind],
                         'county_code': [None, row['county_code']]},
                reason='registered from external_sales (migration 0011)',
                created_at=row['recorded_at']))
        bind.execute(figures.insert().values(
            applicant_id=ids[row['uscc']], year=row['year'],
            online_retail_fen=row['online_fen'], agricultural_fen=row['agricultural_fen'],
            upstream_fen=row['upstream_fen'], note=row['note'],
            recorded_by_id=row['recorded_by_id'], recorded_at=row['recorded_at']))
        bind.execute(changes.insert().values(
            applicant_id=ids[row['uscc']], year=row['year'], actor_id=row['recorded_by_id'],
            changes={'online_retail_fen': [None, row['online_fen']],
                     'agricultural_fen': [None, row['agricultural_fen']],
                     'upstream_fen': [None, row['upstream_fen']]},
            reason='moved from external_sales (migration 0011)', created_at=row['recorded_at']))


def downgrade():
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
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(sellers.c.id, figures).join(applicants, applicants.c.id == figures.c.applicant_id)
        .join(sellers, sellers.c.uscc == applicants.c.uscc)
        .order_by(sellers.c.id, figures.c.year)).mappings().all()
    for row in rows:
        bind.execute(external_sales.insert().values(
            seller_id=row['id'], year=row['year'], online_fen=row['online_retail_fen'] or 0,
            agricultural_fen=row['agricultural_fen'] or 0, upstream_fen=row['upstream_fen'] or 0,
            note=row['note'], recorded_by_id=row['recorded_by_id'],
            recorded_at=row['recorded_at']))
    with op.batch_alter_table('register_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_register_changes_import_id'))
        batch_op.drop_index(batch_op.f('ix_register_changes_applicant_id'))

    op.drop_table('register_changes')
    with op.batch_alter_table('certified_figures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certified_figures_year'))
        batch_op.drop_index(batch_op.f('ix_certified_figures_applicant_id'))

    op.drop_table('certified_figures')
    op.drop_table('figure_imports')
    with op.batch_alter_table('applicants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_applicants_name'))
        batch_op.drop_index(batch_op.f('ix_applicants_county_code'))

    op.drop_table('applicants')
