"""published catalogs: matter.power_type, parent_name, division, place, phone, extra

Revision ID: 0003
Revises: 0007
Create Date: 2026-12-02 14:40:00

Columns of real published lists (政务服务事项目录 / 实施清单): 事项类型 (the power type), 主项名称,
行政区划代码, 办理地点, 咨询电话, and the list's other columns as guide facts. All have constant
server defaults, so existing rows get empty values and SQLite adds them in place (ALTER TABLE ADD
COLUMN, no batch copy of the referenced matter table — see 0002).
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0007'
branch_labels = None
depends_on = None

COLUMNS = (
    ('power_type', lambda: sa.String(length=40), ''),
    ('parent_name', lambda: sa.String(length=200), ''),
    ('division', lambda: sa.String(length=40), ''),
    ('place', sa.Text, ''),
    ('phone', lambda: sa.String(length=200), ''),
    ('extra', sa.JSON, '[]'),
)


def upgrade() -> None:
    for name, type_, default in COLUMNS:
        op.add_column('matter', sa.Column(name, type_(), server_default=default, nullable=False))


def downgrade() -> None:
    for name, _type, _default in reversed(COLUMNS):
        if op.get_bind().dialect.name == "sqlite":
            op.execute(f"ALTER TABLE matter DROP COLUMN {name}")
        else:
            op.drop_column('matter', name)
