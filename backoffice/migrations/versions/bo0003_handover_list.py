"""交接单 carried through the back office: bo_handover_list.

Revision ID: bo0003
Revises: bo0002
Create Date: 2026-12-02 18:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'bo0003'
down_revision = 'bo0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'bo_handover_list',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('hall_code', sa.String(length=16), nullable=False),
        sa.Column('number', sa.String(length=40), nullable=False),
        sa.Column('agent', sa.String(length=40), nullable=False),
        sa.Column('workstation', sa.String(length=16), nullable=False),
        sa.Column('made_at', sa.DateTime(), nullable=False),
        sa.Column('body', sa.JSON(), nullable=False),
        sa.Column('body_sha256', sa.String(length=64), nullable=False),
        sa.Column('reply', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('received_at', sa.DateTime(), nullable=True),
        sa.Column('received_by', sa.String(length=40), nullable=False),
        sa.Column('received_name', sa.String(length=40), nullable=False),
        sa.Column('received_workstation', sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(['hall_code'], ['bo_hall.code'], ),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('hall_code', 'number', name='uq_bo_handover_hall_number'),
    )


def downgrade() -> None:
    op.drop_table('bo_handover_list')
