"""indexes for a year of data: case list views and search, bundle children, a case's history

Revision ID: 0005
Revises: 0002
Create Date: 2026-12-02 15:00:00

Every index is plain ``CREATE INDEX`` (no table copy on SQLite). On PostgreSQL the name and the
case number indexes use ``text_pattern_ops`` so ``LIKE 'prefix%'`` is an index range whatever the
database collation (zh_CN.UTF-8 included).
"""
from alembic import op


revision = '0005'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_case_file_parent_id', 'case_file', ['parent_id'])
    op.create_index('ix_case_file_created_at', 'case_file', ['created_at'])
    op.create_index('ix_case_file_accepted_at', 'case_file', ['accepted_at'])
    op.create_index('ix_case_file_number_prefix', 'case_file', ['number'],
                    postgresql_ops={'number': 'text_pattern_ops'})
    op.create_index('ix_applicant_name', 'applicant', ['name'], postgresql_ops={'name': 'text_pattern_ops'})
    op.create_index('ix_applicant_id_number', 'applicant', ['id_number'])
    op.create_index('ix_material_check_status', 'material_check', ['status', 'supplied_at'])
    op.create_index('ix_audit_entry_entity_id', 'audit_entry', ['entity_id'])


def downgrade() -> None:
    for name, table in (('ix_audit_entry_entity_id', 'audit_entry'), ('ix_material_check_status', 'material_check'),
                        ('ix_applicant_id_number', 'applicant'), ('ix_applicant_name', 'applicant'),
                        ('ix_case_file_number_prefix', 'case_file'), ('ix_case_file_accepted_at', 'case_file'),
                        ('ix_case_file_created_at', 'case_file'), ('ix_case_file_parent_id', 'case_file')):
        op.drop_index(name, table_name=table)
