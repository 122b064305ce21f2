"""village agents' handover lists (交接单): handover_list, handover_item

Revision ID: 0008
Revises: 0005
Create Date: 2026-12-02 17:20:00

New tables only (no change to an existing table), so SQLite needs no batch copy.
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'handover_list',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('number', sa.String(length=40), nullable=False),
        sa.Column('hall_id', sa.Integer(), nullable=True),
        sa.Column('agent_id', sa.Integer(), nullable=True),
        sa.Column('agent_name', sa.String(length=40), nullable=False),
        sa.Column('workstation', sa.String(length=16), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('received_at', sa.DateTime(), nullable=True),
        sa.Column('received_by', sa.String(length=40), nullable=False),
        sa.Column('received_name', sa.String(length=40), nullable=False),
        sa.Column('received_workstation', sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(['agent_id'], ['user_account.id'], name=op.f('fk_handover_list_agent_id_user_account')),
        sa.ForeignKeyConstraint(['hall_id'], ['hall.id'], name=op.f('fk_handover_list_hall_id_hall')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_handover_list')),
        sa.UniqueConstraint('number', name=op.f('uq_handover_list_number')),
    )
    op.create_index(op.f('ix_handover_list_agent_id'), 'handover_list', ['agent_id'], unique=False)
    op.create_table(
        'handover_item',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('list_id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('originals', sa.Integer(), nullable=False),
        sa.Column('copies', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['case_file.id'], name=op.f('fk_handover_item_case_id_case_file')),
        sa.ForeignKeyConstraint(['list_id'], ['handover_list.id'], name=op.f('fk_handover_item_list_id_handover_list'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_handover_item')),
        sa.UniqueConstraint('case_id', name=op.f('uq_handover_item_case_id')),
    )
    op.create_index(op.f('ix_handover_item_list_id'), 'handover_item', ['list_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_handover_item_list_id'), table_name='handover_item')
    op.drop_table('handover_item')
    op.drop_index(op.f('ix_handover_list_agent_id'), table_name='handover_list')
    op.drop_table('handover_list')
