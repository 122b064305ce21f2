"""application forms and case detail: matter.form_fields, case_file.form_data, case_file.detail

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02 04:50:00

``detail`` holds facts of a case that have no column of their own (the notified case it continues,
the 补正 rounds). All three are JSON with a constant server default, so existing rows get an empty form and SQLite adds
the columns in place (ALTER TABLE ADD COLUMN): no batch table copy, which with foreign keys on
fails on a referenced table (or would cascade-delete the material checks of every case).
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain op.add_column, not batch mode: Alembic's SQLite batch copies the table when the
    # default is an expression, and dropping a referenced table fails (or cascades) with FKs on.
    op.add_column('matter', sa.Column('form_fields', sa.JSON(), server_default='[]', nullable=False))
    op.add_column('case_file', sa.Column('form_data', sa.JSON(), server_default='{}', nullable=False))
    op.add_column('case_file', sa.Column('detail', sa.JSON(), server_default='{}', nullable=False))


def downgrade() -> None:
    # SQLite drops a column in place (3.35+); a batch table copy would cascade-delete (see above).
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE case_file DROP COLUMN detail")
        op.execute("ALTER TABLE case_file DROP COLUMN form_data")
        op.execute("ALTER TABLE matter DROP COLUMN form_fields")
        return
    op.drop_column('case_file', 'detail')
    op.drop_column('case_file', 'form_data')
    op.drop_column('matter', 'form_fields')
