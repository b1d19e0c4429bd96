"""unit activations

Revision ID: 0010_unit_activations
Revises: 0009_one_confirmation
Create Date: 2026-11-24 12:00:00

Follow-up at a past date must list the units that were active then, but a unit only held its
current state. From now on org.update_unit records each change of state here. Earlier changes are
taken over from the audit log, where update_unit has always logged them as
"<name>, <type>, aktiv|inaktiv → <name>, <type>, aktiv|inaktiv". A unit that is inactive now
without such an event (not expected) is recorded as deactivated at the time of this migration, so
past follow-up still lists it rather than hiding a unit that may have been active then.
"""
import re
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010_unit_activations'
down_revision = '0009_one_confirmation'
branch_labels = None
depends_on = None

STATES = re.compile(r"(?s).*, (aktiv|inaktiv) → .*, (aktiv|inaktiv)")


def upgrade():
    op.create_table('unit_activations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_unit_activations_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unit_activations'))
    )
    with op.batch_alter_table('unit_activations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unit_activations_unit_id'), ['unit_id'], unique=False)

    connection = op.get_bind()
    unit_table = sa.table('units', sa.column('id', sa.Integer), sa.column('active', sa.Boolean))
    units = dict(connection.execute(sa.select(unit_table.c.id, unit_table.c.active)).all())
    activations = sa.table('unit_activations', sa.column('unit_id', sa.Integer),
                           sa.column('active', sa.Boolean), sa.column('at', sa.DateTime))
    rows, last = [], {}
    audit = sa.table('audit_events', sa.column('id', sa.Integer), sa.column('target_id', sa.Integer),
                     sa.column('at', sa.DateTime), sa.column('summary', sa.Text),
                     sa.column('action', sa.String), sa.column('target_type', sa.String))
    events = connection.execute(
        sa.select(audit.c.target_id, audit.c.at, audit.c.summary)
        .where(audit.c.action == 'unit.updated', audit.c.target_type == 'unit', audit.c.target_id.is_not(None))
        .order_by(audit.c.at, audit.c.id))
    for unit_id, at, summary in events:
        match = STATES.fullmatch(summary or "")
        if unit_id in units and match and match.group(1) != match.group(2):
            last[unit_id] = match.group(2) == "aktiv"
            rows.append({"unit_id": unit_id, "active": last[unit_id], "at": at})
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    for unit_id, active in units.items():
        if not active and last.get(unit_id, True):
            rows.append({"unit_id": unit_id, "active": False, "at": now})
    if rows:
        op.bulk_insert(activations, rows)


def downgrade():
    with op.batch_alter_table('unit_activations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unit_activations_unit_id'))

    op.drop_table('unit_activations')
