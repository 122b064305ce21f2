"""indexes for a year of data: case list views and search, bundle children, a case's history

Revision ID: 0005
Revises: 0006
Create Date: 2026-12-02 15:00:00

The queue's change signal: triggers on ``ticket`` (issued; state, window, call time, zone or
target window changed — not a lease renewal) and on ``window.paused`` add one to the hall's
``queue_version`` row on SQLite, and ``NOTIFY clerk_queue, '<hall id>'`` on PostgreSQL.

Every index is plain ``CREATE INDEX`` (no table copy on SQLite). On PostgreSQL the name and the
case number indexes use ``text_pattern_ops`` so ``LIKE 'prefix%'`` is an index range whatever the
database collation (zh_CN.UTF-8 included).
"""
from alembic import op
import sqlalchemy as sa

# what a board shows moved (a heartbeat only renews lease_until: no signal)
TICKET_MOVED = ("OLD.state {ne} NEW.state OR OLD.window_id {ne} NEW.window_id OR OLD.called_at {ne} NEW.called_at"
                " OR OLD.zone_code {ne} NEW.zone_code OR OLD.target_window {ne} NEW.target_window")
SQLITE_BUMP = ("INSERT OR IGNORE INTO queue_version (hall_id, version) VALUES (NEW.hall_id, 0); "
               "UPDATE queue_version SET version = version + 1 WHERE hall_id = NEW.hall_id;")


revision = '0005'
down_revision = '0006'
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
    op.create_table('queue_version',
                    sa.Column('hall_id', sa.Integer(), nullable=False),
                    sa.Column('version', sa.Integer(), nullable=False),
                    sa.ForeignKeyConstraint(['hall_id'], ['hall.id'], name=op.f('fk_queue_version_hall_id_hall'),
                                            ondelete='CASCADE'),
                    sa.PrimaryKeyConstraint('hall_id', name=op.f('pk_queue_version')))
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("CREATE FUNCTION clerk_queue_notify() RETURNS trigger LANGUAGE plpgsql AS $$ "
                   "BEGIN PERFORM pg_notify('clerk_queue', NEW.hall_id::text); RETURN NULL; END $$")
        op.execute("CREATE TRIGGER trg_ticket_queue_insert AFTER INSERT ON ticket FOR EACH ROW "
                   "EXECUTE FUNCTION clerk_queue_notify()")
        op.execute("CREATE TRIGGER trg_ticket_queue_update AFTER UPDATE ON ticket FOR EACH ROW WHEN ("
                   + TICKET_MOVED.format(ne="IS DISTINCT FROM") + ") EXECUTE FUNCTION clerk_queue_notify()")
        op.execute("CREATE TRIGGER trg_window_queue_update AFTER UPDATE ON \"window\" FOR EACH ROW "
                   "WHEN (OLD.paused IS DISTINCT FROM NEW.paused) EXECUTE FUNCTION clerk_queue_notify()")
    else:
        op.execute(f"CREATE TRIGGER trg_ticket_queue_insert AFTER INSERT ON ticket BEGIN {SQLITE_BUMP} END")
        op.execute("CREATE TRIGGER trg_ticket_queue_update AFTER UPDATE ON ticket WHEN "
                   + TICKET_MOVED.format(ne="IS NOT") + f" BEGIN {SQLITE_BUMP} END")
        op.execute("CREATE TRIGGER trg_window_queue_update AFTER UPDATE OF paused ON \"window\" "
                   f"WHEN OLD.paused IS NOT NEW.paused BEGIN {SQLITE_BUMP} END")


def downgrade() -> None:
    pg = op.get_bind().dialect.name == 'postgresql'
    for trigger, table in (('trg_ticket_queue_insert', 'ticket'), ('trg_ticket_queue_update', 'ticket'),
                           ('trg_window_queue_update', '"window"')):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table}" if pg else f"DROP TRIGGER IF EXISTS {trigger}")
    if pg:
        op.execute("DROP FUNCTION IF EXISTS clerk_queue_notify()")
    op.drop_table('queue_version')
    for name, table in (('ix_audit_entry_entity_id', 'audit_entry'), ('ix_material_check_status', 'material_check'),
                        ('ix_applicant_id_number', 'applicant'), ('ix_applicant_name', 'applicant'),
                        ('ix_case_file_number_prefix', 'case_file'), ('ix_case_file_accepted_at', 'case_file'),
                        ('ix_case_file_created_at', 'case_file'), ('ix_case_file_parent_id', 'case_file')):
        op.drop_index(name, table_name=table)
