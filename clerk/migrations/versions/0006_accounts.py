"""accounts: user_account.must_change_password, failed_logins, locked_until, password_changed_at

Revision ID: 0006
Revises: 0004
Create Date: 2026-12-02 15:10:00

Default passwords are changed at first sign-in (outside demo mode); repeated failed sign-ins lock
the account for a growing time (an account still on its default password is recognised at
sign-in, so an existing installation needs no data change here). Constant server defaults:
SQLite adds the columns in place.
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('user_account', sa.Column('must_change_password', sa.Boolean(), server_default=sa.false(),
                                            nullable=False))
    op.add_column('user_account', sa.Column('failed_logins', sa.Integer(), server_default='0', nullable=False))
    op.add_column('user_account', sa.Column('locked_until', sa.DateTime(), nullable=True))
    op.add_column('user_account', sa.Column('password_changed_at', sa.DateTime(), nullable=True))


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for col in ('password_changed_at', 'locked_until', 'failed_logins', 'must_change_password'):
            op.execute(f"ALTER TABLE user_account DROP COLUMN {col}")
        return
    for col in ('password_changed_at', 'locked_until', 'failed_logins', 'must_change_password'):
        op.drop_column('user_account', col)
