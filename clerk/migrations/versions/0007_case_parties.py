"""case parties snapshot and the applicant name's source: case_file.parties, applicant.name_source

Revision ID: 0007
Revises: 0002
Create Date: 2026-12-02 14:30:00

A case keeps the applicant and proxy as they were when it was decided, so a later correction of
the applicant record never rewrites what earlier receipts printed. Both columns have constant
server defaults, so SQLite adds them in place (no batch copy of a referenced table).
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('case_file', sa.Column('parties', sa.JSON(), server_default='{}', nullable=False))
    op.add_column('applicant', sa.Column('name_source', sa.String(length=8), server_default='typed', nullable=False))


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE applicant DROP COLUMN name_source")
        op.execute("ALTER TABLE case_file DROP COLUMN parties")
        return
    op.drop_column('applicant', 'name_source')
    op.drop_column('case_file', 'parties')
