"""catalog: products, certificates, trace batches, spot checks, notifications

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 17:18:40.048465

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

# The seeded category tree: slug, name, parent slug, counts as agricultural (POLICY.md).
CATEGORIES = [
    ('fruit', '水果', None, True),
    ('navel_orange', '脐橙', 'fruit', True),
    ('tangerine', '蜜桔', 'fruit', True),
    ('pomelo', '柚/桔柚', 'fruit', True),
    ('other_fruit', '其他水果', 'fruit', True),
    ('camellia_oil', '茶油', None, True),
    ('rice_noodles', '米粉', None, True),
    ('rice', '大米', None, True),
    ('tea', '茶叶', None, True),
    ('green_tea', '绿茶', 'tea', True),
    ('black_tea', '红茶', 'tea', True),
    ('white_tea', '白茶', 'tea', True),
    ('other_specialty', '其他特产', None, False),
]


def upgrade():
    op.create_table('categories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('agricultural', sa.Boolean(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['parent_id'], ['categories.id'], name=op.f('fk_categories_parent_id_categories')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_categories')),
    sa.UniqueConstraint('slug', name=op.f('uq_categories_slug'))
    )
    categories = sa.table(
        "categories",
        sa.column("id", sa.Integer), sa.column("slug", sa.String), sa.column("name", sa.String),
        sa.column("parent_id", sa.Integer), sa.column("agricultural", sa.Boolean),
        sa.column("position", sa.Integer),
    )
    ids = {slug: n for n, (slug, *_rest) in enumerate(CATEGORIES, start=1)}
    op.bulk_insert(categories, [
        {"id": ids[slug], "slug": slug, "name": name, "parent_id": ids.get(parent),
         "agricultural": agricultural, "position": ids[slug]}
        for slug, name, parent, agricultural in CATEGORIES
    ])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("SELECT setval(pg_get_serial_sequence('categories', 'id'), "
                   "(SELECT max(id) FROM categories))")
    op.create_table('search_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_outbox'))
    )
    with op.batch_alter_table('search_outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_search_outbox_product_id'), ['product_id'], unique=False)

    op.create_table('certificates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seller_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('green_food', 'organic', 'geographical_indication', 'brand_licence', name='certificate_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('issuer', sa.String(length=120), nullable=False),
    sa.Column('brand', sa.String(length=40), nullable=True),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('valid_until >= valid_from', name=op.f('ck_certificates_valid_range')),
    sa.ForeignKeyConstraint(['seller_id'], ['sellers.id'], name=op.f('fk_certificates_seller_id_sellers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificates')),
    sa.UniqueConstraint('seller_id', 'kind', 'number', name=op.f('uq_certificates_seller_id_kind_number'))
    )
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certificates_seller_id'), ['seller_id'], unique=False)

    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seller_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['seller_id'], ['sellers.id'], name=op.f('fk_notifications_seller_id_sellers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notifications_seller_id'), ['seller_id'], unique=False)

    op.create_table('products',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seller_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('origin_county_code', sa.String(length=6), nullable=False),
    sa.Column('origin_township', sa.String(length=60), nullable=True),
    sa.Column('regional_brand', sa.String(length=40), nullable=True),
    sa.Column('agricultural', sa.Boolean(), nullable=False),
    sa.Column('cold_chain', sa.Boolean(), nullable=False),
    sa.Column('images', sa.JSON(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'published', 'unpublished', 'blocked', name='product_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('blocked_reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_products_category_id_categories')),
    sa.ForeignKeyConstraint(['origin_county_code'], ['counties.code'], name=op.f('fk_products_origin_county_code_counties')),
    sa.ForeignKeyConstraint(['seller_id'], ['sellers.id'], name=op.f('fk_products_seller_id_sellers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_products'))
    )
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_products_category_id'), ['category_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_products_origin_county_code'), ['origin_county_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_products_seller_id'), ['seller_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_products_status'), ['status'], unique=False)

    op.create_table('certificate_products',
    sa.Column('certificate_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['certificate_id'], ['certificates.id'], name=op.f('fk_certificate_products_certificate_id_certificates'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_certificate_products_product_id_products'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('certificate_id', 'product_id', name=op.f('pk_certificate_products'))
    )
    op.create_table('skus',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('spec', sa.String(length=80), nullable=False),
    sa.Column('price_fen', sa.Integer(), nullable=False),
    sa.Column('stock', sa.Integer(), nullable=False),
    sa.Column('weight_g', sa.Integer(), nullable=False),
    sa.CheckConstraint('price_fen >= 0', name=op.f('ck_skus_price_non_negative')),
    sa.CheckConstraint('stock >= 0', name=op.f('ck_skus_stock_non_negative')),
    sa.CheckConstraint('weight_g >= 0', name=op.f('ck_skus_weight_non_negative')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_skus_product_id_products'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_skus')),
    sa.UniqueConstraint('product_id', 'code', name=op.f('uq_skus_product_id_code'))
    )
    with op.batch_alter_table('skus', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_skus_product_id'), ['product_id'], unique=False)

    op.create_table('trace_batches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('trace_code', sa.String(length=32), nullable=False),
    sa.Column('harvest_date', sa.Date(), nullable=True),
    sa.Column('production_date', sa.Date(), nullable=True),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('unit', sa.String(length=16), nullable=False),
    sa.Column('base_name', sa.String(length=120), nullable=False),
    sa.Column('producer_name', sa.String(length=120), nullable=False),
    sa.Column('producer_kind', sa.String(length=20), nullable=False),
    sa.Column('farm_inputs', sa.JSON(), nullable=False),
    sa.Column('compliance_certificate', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_trace_batches_quantity_positive')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_trace_batches_product_id_products')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trace_batches')),
    sa.UniqueConstraint('trace_code', name=op.f('uq_trace_batches_trace_code'))
    )
    with op.batch_alter_table('trace_batches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trace_batches_product_id'), ['product_id'], unique=False)

    op.create_table('inspections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('lab', sa.String(length=120), nullable=False),
    sa.Column('report_number', sa.String(length=60), nullable=False),
    sa.Column('passed', sa.Boolean(), nullable=False),
    sa.Column('inspected_on', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['trace_batches.id'], name=op.f('fk_inspections_batch_id_trace_batches'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inspections'))
    )
    with op.batch_alter_table('inspections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inspections_batch_id'), ['batch_id'], unique=False)

    op.create_table('spot_checks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seller_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.Column('sampled_on', sa.Date(), nullable=False),
    sa.Column('lab', sa.String(length=120), nullable=False),
    sa.Column('report_number', sa.String(length=60), nullable=False),
    sa.Column('passed', sa.Boolean(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['trace_batches.id'], name=op.f('fk_spot_checks_batch_id_trace_batches')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_spot_checks_product_id_products')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_spot_checks_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['seller_id'], ['sellers.id'], name=op.f('fk_spot_checks_seller_id_sellers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_spot_checks'))
    )
    with op.batch_alter_table('spot_checks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_spot_checks_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_spot_checks_product_id'), ['product_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_spot_checks_seller_id'), ['seller_id'], unique=False)



def downgrade():
    with op.batch_alter_table('spot_checks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_spot_checks_seller_id'))
        batch_op.drop_index(batch_op.f('ix_spot_checks_product_id'))
        batch_op.drop_index(batch_op.f('ix_spot_checks_batch_id'))

    op.drop_table('spot_checks')
    with op.batch_alter_table('inspections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inspections_batch_id'))

    op.drop_table('inspections')
    with op.batch_alter_table('trace_batches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trace_batches_product_id'))

    op.drop_table('trace_batches')
    with op.batch_alter_table('skus', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_skus_product_id'))

    op.drop_table('skus')
    op.drop_table('certificate_products')
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_products_status'))
        batch_op.drop_index(batch_op.f('ix_products_seller_id'))
        batch_op.drop_index(batch_op.f('ix_products_origin_county_code'))
        batch_op.drop_index(batch_op.f('ix_products_category_id'))

    op.drop_table('products')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notifications_seller_id'))

    op.drop_table('notifications')
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certificates_seller_id'))

    op.drop_table('certificates')
    with op.batch_alter_table('search_outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_search_outbox_product_id'))

    op.drop_table('search_outbox')
    op.drop_table('categories')
