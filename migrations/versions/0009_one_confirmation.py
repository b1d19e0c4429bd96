"""one confirmation per adoption and version

Revision ID: 0009_one_confirmation
Revises: 0008_department_former_names
Create Date: 2026-11-24 10:00:00

Concurrent or repeated submits of "rutinen är införd" could store the same unit's confirmation of
the same version several times. The unique constraint makes that impossible from now on; rows
already duplicated are reduced to the first one (lowest id, i.e. the earliest confirmation), which
is the one that made the routine adopted. The audit log keeps its events.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009_one_confirmation'
down_revision = '0008_department_former_names'
branch_labels = None
depends_on = None


def upgrade():
    op.execute(sa.text(
        "DELETE FROM adoption_confirmations WHERE id NOT IN ("
        "SELECT MIN(id) FROM adoption_confirmations GROUP BY adoption_id, revision_number)"))
    with op.batch_alter_table('adoption_confirmations', schema=None) as batch_op:
        batch_op.create_unique_constraint(
            batch_op.f('uq_adoption_confirmations_adoption_id_revision_number'),
            ['adoption_id', 'revision_number'])


def downgrade():
    with op.batch_alter_table('adoption_confirmations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_adoption_confirmations_adoption_id_revision_number'),
                                 type_='unique')
