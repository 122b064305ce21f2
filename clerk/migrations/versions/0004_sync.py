"""sync with the back office: outbox request/reply/order columns, case remote version, sync_state

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 14:35:00

Plain ``add_column`` with constant server defaults (SQLite adds them in place; a batch table copy
of ``case_file`` would cascade-delete with foreign keys on, see 0002).
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('case_file', sa.Column('remote_version', sa.Integer(), server_default='0', nullable=False))
    op.add_column('outbox_entry', sa.Column('root_uuid', sa.String(length=36), nullable=True))
    op.add_column('outbox_entry', sa.Column('request', sa.JSON(), nullable=True))
    op.add_column('outbox_entry', sa.Column('payload_hash', sa.String(length=64), server_default='', nullable=False))
    op.add_column('outbox_entry', sa.Column('reply_status', sa.Integer(), nullable=True))
    op.add_column('outbox_entry', sa.Column('reply', sa.Text(), server_default='', nullable=False))
    op.create_index(op.f('ix_outbox_entry_root_uuid'), 'outbox_entry', ['root_uuid'], unique=False)
    op.create_index('ix_outbox_entry_state_id', 'outbox_entry', ['state', 'id'], unique=False)
    op.create_table(
        'sync_state',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('server_url', sa.String(length=200), nullable=False),
        sa.Column('workstation_id', sa.String(length=64), nullable=False),
        sa.Column('hall_code', sa.String(length=16), nullable=False),
        sa.Column('hall_name', sa.String(length=100), nullable=False),
        sa.Column('cursor', sa.Text(), nullable=False),
        sa.Column('catalog_version', sa.String(length=40), nullable=False),
        sa.Column('online', sa.Boolean(), nullable=False),
        sa.Column('last_sync_at', sa.DateTime(), nullable=True),
        sa.Column('last_attempt_at', sa.DateTime(), nullable=True),
        sa.Column('last_error', sa.Text(), nullable=False),
        sa.Column('lock_holder', sa.String(length=120), nullable=False),
        sa.Column('lock_until', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_state')),
    )


def downgrade() -> None:
    op.drop_table('sync_state')
    op.drop_index('ix_outbox_entry_state_id', table_name='outbox_entry')
    op.drop_index(op.f('ix_outbox_entry_root_uuid'), table_name='outbox_entry')
    if op.get_bind().dialect.name == "sqlite":
        for col in ('reply', 'reply_status', 'payload_hash', 'request', 'root_uuid'):
            op.execute(f"ALTER TABLE outbox_entry DROP COLUMN {col}")
        op.execute("ALTER TABLE case_file DROP COLUMN remote_version")
        return
    for col in ('reply', 'reply_status', 'payload_hash', 'request', 'root_uuid'):
        op.drop_column('outbox_entry', col)
    op.drop_column('case_file', 'remote_version')
