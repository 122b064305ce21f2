"""The back office's tables (bo_*): halls, workstations and tokens, departments and their users,
cases, events, blobs and their chunks, the changes feed.

Revision ID: bo0001
Revises:
Create Date: 2026-12-02 14:22:36.624649
"""
from alembic import op
import sqlalchemy as sa


revision = 'bo0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('bo_blob',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('length', sa.Integer(), nullable=False),
    sa.Column('offset', sa.Integer(), nullable=False),
    sa.Column('complete', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('completed_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('sha256')
    )
    op.create_table('bo_change',
    sa.Column('seq', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('hall_code', sa.String(length=16), nullable=True),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('case_uuid', sa.String(length=36), nullable=True),
    sa.Column('parent_uuid', sa.String(length=36), nullable=True),
    sa.Column('number', sa.String(length=40), nullable=True),
    sa.Column('state', sa.String(length=20), nullable=True),
    sa.Column('version', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('seq')
    )
    with op.batch_alter_table('bo_change', schema=None) as batch_op:
        batch_op.create_index('ix_bo_change_hall_seq', ['hall_code', 'seq'], unique=False)

    op.create_table('bo_department',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    op.create_table('bo_hall',
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('enrolment_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('code')
    )
    op.create_table('bo_setting',
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('bo_blob_chunk',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('offset', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['sha256'], ['bo_blob.sha256'], ),
    sa.PrimaryKeyConstraint('sha256', 'offset')
    )
    op.create_table('bo_case',
    sa.Column('uuid', sa.String(length=36), nullable=False),
    sa.Column('hall_code', sa.String(length=16), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('parent_uuid', sa.String(length=36), nullable=True),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('workstation', sa.String(length=16), nullable=False),
    sa.Column('matter_code', sa.String(length=40), nullable=True),
    sa.Column('matter_name', sa.String(length=200), nullable=False),
    sa.Column('department', sa.String(length=100), nullable=False),
    sa.Column('applicant_name', sa.String(length=200), nullable=False),
    sa.Column('promised_date', sa.String(length=10), nullable=True),
    sa.Column('body', sa.JSON(), nullable=False),
    sa.Column('body_sha256', sa.String(length=64), nullable=False),
    sa.Column('materials', sa.JSON(), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('reply', sa.JSON(), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['hall_code'], ['bo_hall.code'], ),
    sa.ForeignKeyConstraint(['parent_uuid'], ['bo_case.uuid'], ),
    sa.PrimaryKeyConstraint('uuid'),
    sa.UniqueConstraint('hall_code', 'number', name='uq_bo_case_hall_number')
    )
    with op.batch_alter_table('bo_case', schema=None) as batch_op:
        batch_op.create_index('ix_bo_case_department_state', ['department', 'state'], unique=False)
        batch_op.create_index('ix_bo_case_hall_updated', ['hall_code', 'updated_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_bo_case_parent_uuid'), ['parent_uuid'], unique=False)

    op.create_table('bo_user',
    sa.Column('username', sa.String(length=40), nullable=False),
    sa.Column('display_name', sa.String(length=40), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['bo_department.id'], ),
    sa.PrimaryKeyConstraint('username')
    )
    with op.batch_alter_table('bo_user', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bo_user_department_id'), ['department_id'], unique=False)

    op.create_table('bo_workstation',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('hall_code', sa.String(length=16), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('registered_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['hall_code'], ['bo_hall.code'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('hall_code', 'code', name='uq_bo_workstation_hall_code')
    )
    op.create_table('bo_case_blob',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('case_uuid', sa.String(length=36), nullable=False),
    sa.Column('material_key', sa.String(length=80), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('mime', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['case_uuid'], ['bo_case.uuid'], ),
    sa.ForeignKeyConstraint(['sha256'], ['bo_blob.sha256'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('case_uuid', 'material_key', 'sha256', name='uq_bo_case_blob')
    )
    with op.batch_alter_table('bo_case_blob', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bo_case_blob_case_uuid'), ['case_uuid'], unique=False)
        batch_op.create_index(batch_op.f('ix_bo_case_blob_sha256'), ['sha256'], unique=False)

    op.create_table('bo_event',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('hall_code', sa.String(length=16), nullable=False),
    sa.Column('idempotency_key', sa.String(length=100), nullable=False),
    sa.Column('workstation_id', sa.String(length=36), nullable=False),
    sa.Column('case_uuid', sa.String(length=36), nullable=False),
    sa.Column('target_uuid', sa.String(length=36), nullable=False),
    sa.Column('type', sa.String(length=30), nullable=False),
    sa.Column('body', sa.JSON(), nullable=False),
    sa.Column('body_sha256', sa.String(length=64), nullable=False),
    sa.Column('reply', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['case_uuid'], ['bo_case.uuid'], ),
    sa.ForeignKeyConstraint(['hall_code'], ['bo_hall.code'], ),
    sa.ForeignKeyConstraint(['workstation_id'], ['bo_workstation.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('hall_code', 'idempotency_key', name='uq_bo_event_key')
    )
    with op.batch_alter_table('bo_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bo_event_case_uuid'), ['case_uuid'], unique=False)

    op.create_table('bo_token',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('workstation_id', sa.String(length=36), nullable=False),
    sa.Column('issued_at', sa.DateTime(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['workstation_id'], ['bo_workstation.id'], ),
    sa.PrimaryKeyConstraint('token_hash')
    )
    with op.batch_alter_table('bo_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bo_token_workstation_id'), ['workstation_id'], unique=False)

    op.create_table('bo_web_session',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('username', sa.String(length=40), nullable=False),
    sa.Column('csrf', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['username'], ['bo_user.username'], ),
    sa.PrimaryKeyConstraint('token_hash')
    )
    with op.batch_alter_table('bo_web_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bo_web_session_username'), ['username'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('bo_web_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bo_web_session_username'))

    op.drop_table('bo_web_session')
    with op.batch_alter_table('bo_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bo_token_workstation_id'))

    op.drop_table('bo_token')
    with op.batch_alter_table('bo_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bo_event_case_uuid'))

    op.drop_table('bo_event')
    with op.batch_alter_table('bo_case_blob', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bo_case_blob_sha256'))
        batch_op.drop_index(batch_op.f('ix_bo_case_blob_case_uuid'))

    op.drop_table('bo_case_blob')
    op.drop_table('bo_workstation')
    with op.batch_alter_table('bo_user', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bo_user_department_id'))

    op.drop_table('bo_user')
    with op.batch_alter_table('bo_case', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bo_case_parent_uuid'))
        batch_op.drop_index('ix_bo_case_hall_updated')
        batch_op.drop_index('ix_bo_case_department_state')

    op.drop_table('bo_case')
    op.drop_table('bo_blob_chunk')
    op.drop_table('bo_setting')
    op.drop_table('bo_hall')
    op.drop_table('bo_department')
    with op.batch_alter_table('bo_change', schema=None) as batch_op:
        batch_op.drop_index('ix_bo_change_hall_seq')

    op.drop_table('bo_change')
    op.drop_table('bo_blob')
