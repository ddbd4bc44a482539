"""after-sales: at most one open request per seller order (a partial unique index), the
day the buyer must ship a return by; payouts: since when a payout is "sending"

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30 19:10:00.000000

"""
from datetime import timedelta

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

OPEN = ('requested', 'accepted', 'awaiting_return', 'return_shipped', 'rejected', 'escalated')
OPEN_SQL = "status IN ({})".format(", ".join(f"'{s}'" for s in OPEN))
RETURN_DAYS = 7


def upgrade():
    with op.batch_alter_table('after_sales_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('return_by', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('payouts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sending_since', sa.DateTime(timezone=True),
                                      nullable=True))

    conn = op.get_bind()
    # A request already waiting for its return gets the days from when it was accepted.
    waiting = conn.execute(sa.text(
        "SELECT r.id, max(e.created_at) AS accepted_at FROM after_sales_requests r "
        "JOIN after_sales_events e ON e.request_id = r.id AND e.to_status = 'awaiting_return' "
        "WHERE r.status = 'awaiting_return' GROUP BY r.id").columns(
            sa.column('id', sa.Integer), sa.column('accepted_at', sa.DateTime(timezone=True)))).all()
    set_by = sa.text("UPDATE after_sales_requests SET return_by = :by WHERE id = :id") \
        .bindparams(sa.bindparam('by', type_=sa.DateTime(timezone=True)))
    for request_id, accepted_at in waiting:
        conn.execute(set_by, {"by": accepted_at + timedelta(days=RETURN_DAYS), "id": request_id})
    # A payout left "sending" before this revision counts from now (the sweep finds it).
    conn.execute(sa.text("UPDATE payouts SET sending_since = CURRENT_TIMESTAMP "
                         "WHERE status = 'sending'"))
    # Two open requests for one order (the race this index closes) keep the older one.
    duplicates = conn.execute(sa.text(
        f"SELECT id, seller_order_id FROM after_sales_requests WHERE {OPEN_SQL} "
        "ORDER BY seller_order_id, id")).all()
    seen = set()
    for request_id, seller_order_id in duplicates:
        if seller_order_id not in seen:
            seen.add(seller_order_id)
            continue
        conn.execute(sa.text("UPDATE after_sales_requests SET status = 'closed', "
                             "closed_at = CURRENT_TIMESTAMP WHERE id = :id"), {"id": request_id})
        conn.execute(sa.text(
            "INSERT INTO after_sales_events (request_id, action, to_status, note, created_at) "
            "VALUES (:id, 'close', 'closed', 'a duplicate of an open request', "
            "CURRENT_TIMESTAMP)"), {"id": request_id})

    with op.batch_alter_table('after_sales_requests', schema=None) as batch_op:
        batch_op.create_index('uq_after_sales_requests_one_open', ['seller_order_id'],
                              unique=True, sqlite_where=sa.text(OPEN_SQL),
                              postgresql_where=sa.text(OPEN_SQL))


def downgrade():
    with op.batch_alter_table('after_sales_requests', schema=None) as batch_op:
        batch_op.drop_index('uq_after_sales_requests_one_open')
    with op.batch_alter_table('payouts', schema=None) as batch_op:
        batch_op.drop_column('sending_since')
    with op.batch_alter_table('after_sales_requests', schema=None) as batch_op:
        batch_op.drop_column('return_by')
