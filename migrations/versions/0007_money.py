"""money: commission rates and terms, the double-entry money ledger, statements, payouts

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 16:22:27.883603

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('commission_rates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('seller_id', sa.Integer(), nullable=True),
    sa.Column('rate_bp', sa.Integer(), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('set_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('category_id IS NOT NULL OR seller_id IS NOT NULL', name=op.f('ck_commission_rates_has_target')),
    sa.CheckConstraint('rate_bp >= 0 AND rate_bp <= 10000', name=op.f('ck_commission_rates_rate_range')),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_commission_rates_category_id_categories')),
    sa.ForeignKeyConstraint(['seller_id'], ['sellers.id'], name=op.f('fk_commission_rates_seller_id_sellers')),
    sa.ForeignKeyConstraint(['set_by_id'], ['users.id'], name=op.f('fk_commission_rates_set_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commission_rates'))
    )
    with op.batch_alter_table('commission_rates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_commission_rates_category_id'), ['category_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_commission_rates_seller_id'), ['seller_id'], unique=False)

    op.create_table('payout_accounts',
    sa.Column('seller_id', sa.Integer(), nullable=False),
    sa.Column('stripe_account_id', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['seller_id'], ['sellers.id'], name=op.f('fk_payout_accounts_seller_id_sellers')),
    sa.PrimaryKeyConstraint('seller_id', name=op.f('pk_payout_accounts')),
    sa.UniqueConstraint('stripe_account_id', name=op.f('uq_payout_accounts_stripe_account_id'))
    )
    op.create_table('statements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=32), nullable=False),
    sa.Column('seller_id', sa.Integer(), nullable=False),
    sa.Column('period_start', sa.DateTime(timezone=True), nullable=True),
    sa.Column('period_end', sa.DateTime(timezone=True), nullable=False),
    sa.Column('orders_count', sa.Integer(), nullable=False),
    sa.Column('sales_fen', sa.BigInteger(), nullable=False),
    sa.Column('cod_fen', sa.BigInteger(), nullable=False),
    sa.Column('refunds_fen', sa.BigInteger(), nullable=False),
    sa.Column('commission_fen', sa.BigInteger(), nullable=False),
    sa.Column('net_fen', sa.BigInteger(), nullable=False),
    sa.Column('payout_method', sa.Enum('stripe', 'bank_transfer', 'receivable', 'none', name='payout_method', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('issued_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['issued_by_id'], ['users.id'], name=op.f('fk_statements_issued_by_id_users')),
    sa.ForeignKeyConstraint(['seller_id'], ['sellers.id'], name=op.f('fk_statements_seller_id_sellers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_statements')),
    sa.UniqueConstraint('number', name=op.f('uq_statements_number')),
    sa.UniqueConstraint('seller_id', 'period_end', name=op.f('uq_statements_seller_id_period_end'))
    )
    with op.batch_alter_table('statements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_statements_seller_id'), ['seller_id'], unique=False)

    op.create_table('commission_terms',
    sa.Column('seller_order_id', sa.Integer(), nullable=False),
    sa.Column('seller_id', sa.Integer(), nullable=False),
    sa.Column('line_rates', sa.JSON(), nullable=False),
    sa.Column('commission_fen', sa.BigInteger(), nullable=False),
    sa.Column('frozen_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['seller_id'], ['sellers.id'], name=op.f('fk_commission_terms_seller_id_sellers')),
    sa.ForeignKeyConstraint(['seller_order_id'], ['seller_orders.id'], name=op.f('fk_commission_terms_seller_order_id_seller_orders')),
    sa.PrimaryKeyConstraint('seller_order_id', name=op.f('pk_commission_terms'))
    )
    with op.batch_alter_table('commission_terms', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_commission_terms_seller_id'), ['seller_id'], unique=False)

    op.create_table('payouts',
    sa.Column('statement_id', sa.Integer(), nullable=False),
    sa.Column('seller_id', sa.Integer(), nullable=False),
    sa.Column('method', sa.Enum('stripe', 'bank_transfer', 'receivable', 'none', name='payout_method', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('status', sa.Enum('pending', 'sending', 'failed', 'paid', name='payout_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('stripe_account_id', sa.String(length=64), nullable=True),
    sa.Column('stripe_transfer_id', sa.String(length=64), nullable=True),
    sa.Column('reference', sa.String(length=120), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('paid_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['paid_by_id'], ['users.id'], name=op.f('fk_payouts_paid_by_id_users')),
    sa.ForeignKeyConstraint(['seller_id'], ['sellers.id'], name=op.f('fk_payouts_seller_id_sellers')),
    sa.ForeignKeyConstraint(['statement_id'], ['statements.id'], name=op.f('fk_payouts_statement_id_statements')),
    sa.PrimaryKeyConstraint('statement_id', name=op.f('pk_payouts'))
    )
    with op.batch_alter_table('payouts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payouts_seller_id'), ['seller_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_payouts_status'), ['status'], unique=False)

    op.create_table('money_transactions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('sale', 'cod_sale', 'refund', 'settlement', 'payout', name='money_tx_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('source', sa.String(length=80), nullable=False),
    sa.Column('seller_id', sa.Integer(), nullable=False),
    sa.Column('seller_order_id', sa.Integer(), nullable=True),
    sa.Column('refund_id', sa.Integer(), nullable=True),
    sa.Column('statement_id', sa.Integer(), nullable=True),
    sa.Column('business_time', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['refund_id'], ['refunds.id'], name=op.f('fk_money_transactions_refund_id_refunds')),
    sa.ForeignKeyConstraint(['seller_id'], ['sellers.id'], name=op.f('fk_money_transactions_seller_id_sellers')),
    sa.ForeignKeyConstraint(['seller_order_id'], ['seller_orders.id'], name=op.f('fk_money_transactions_seller_order_id_seller_orders')),
    sa.ForeignKeyConstraint(['statement_id'], ['statements.id'], name=op.f('fk_money_transactions_statement_id_statements')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_money_transactions')),
    sa.UniqueConstraint('source', name=op.f('uq_money_transactions_source'))
    )
    with op.batch_alter_table('money_transactions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_money_transactions_business_time'), ['business_time'], unique=False)
        batch_op.create_index(batch_op.f('ix_money_transactions_seller_id'), ['seller_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_money_transactions_seller_order_id'), ['seller_order_id'], unique=False)

    op.create_table('money_postings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('transaction_id', sa.Integer(), nullable=False),
    sa.Column('account', sa.Enum('buyer_payments', 'cod_cash_held', 'seller_payable', 'platform_commission', 'refunds', 'payouts', name='money_account', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('seller_id', sa.Integer(), nullable=True),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['seller_id'], ['sellers.id'], name=op.f('fk_money_postings_seller_id_sellers')),
    sa.ForeignKeyConstraint(['transaction_id'], ['money_transactions.id'], name=op.f('fk_money_postings_transaction_id_money_transactions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_money_postings'))
    )
    with op.batch_alter_table('money_postings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_money_postings_seller_id'), ['seller_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_money_postings_transaction_id'), ['transaction_id'], unique=False)

    op.create_table('statement_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.Integer(), nullable=False),
    sa.Column('transaction_id', sa.Integer(), nullable=False),
    sa.Column('seller_order_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('business_time', sa.DateTime(timezone=True), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('commission_fen', sa.BigInteger(), nullable=False),
    sa.Column('net_fen', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['seller_order_id'], ['seller_orders.id'], name=op.f('fk_statement_lines_seller_order_id_seller_orders')),
    sa.ForeignKeyConstraint(['statement_id'], ['statements.id'], name=op.f('fk_statement_lines_statement_id_statements')),
    sa.ForeignKeyConstraint(['transaction_id'], ['money_transactions.id'], name=op.f('fk_statement_lines_transaction_id_money_transactions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_statement_lines')),
    sa.UniqueConstraint('transaction_id', name=op.f('uq_statement_lines_transaction_id'))
    )
    with op.batch_alter_table('statement_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_statement_lines_statement_id'), ['statement_id'], unique=False)



def downgrade():
    with op.batch_alter_table('statement_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_statement_lines_statement_id'))

    op.drop_table('statement_lines')
    with op.batch_alter_table('money_postings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_money_postings_transaction_id'))
        batch_op.drop_index(batch_op.f('ix_money_postings_seller_id'))

    op.drop_table('money_postings')
    with op.batch_alter_table('money_transactions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_money_transactions_seller_order_id'))
        batch_op.drop_index(batch_op.f('ix_money_transactions_seller_id'))
        batch_op.drop_index(batch_op.f('ix_money_transactions_business_time'))

    op.drop_table('money_transactions')
    with op.batch_alter_table('payouts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payouts_status'))
        batch_op.drop_index(batch_op.f('ix_payouts_seller_id'))

    op.drop_table('payouts')
    with op.batch_alter_table('commission_terms', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_commission_terms_seller_id'))

    op.drop_table('commission_terms')
    with op.batch_alter_table('statements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_statements_seller_id'))

    op.drop_table('statements')
    op.drop_table('payout_accounts')
    with op.batch_alter_table('commission_rates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_commission_rates_seller_id'))
        batch_op.drop_index(batch_op.f('ix_commission_rates_category_id'))

    op.drop_table('commission_rates')
