"""name keys of departments and units

Revision ID: 0011_name_keys
Revises: 0010_unit_activations
Create Date: 2026-12-04 19:00:00

The portal has refused a second unit in a department, and a second department, whose name differs
only in case ("Ekbackens skola", "ekbackens skola"), but only in Python: two admins saving at the
same moment could both succeed, since the database compared names exactly. Each row now keeps its
name's key (spacing collapsed, casefold(): å ä ö included, which SQLite's lower() leaves alone) under
a unique index. Unique indexes rather than constraints: adding a constraint to SQLite would mean
copying the tables, which other tables refer to.

Rows that already share a key (only possible through that race) keep their names; the later ones
(higher id) get their id appended to the key, so nothing is renamed or lost and the admin can still
tell them apart on the organisation page and merge them by hand.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011_name_keys'
down_revision = '0010_unit_activations'
branch_labels = None
depends_on = None


def _key(name):
    # The rule of portal.org.models.name_key when this migration was written.
    return " ".join((name or "").split()).casefold()


def _fill(connection, table, scope_column=None):
    columns = [sa.column('id', sa.Integer), sa.column('name', sa.String), sa.column('name_key', sa.String)]
    if scope_column:
        columns.append(sa.column(scope_column, sa.Integer))
    rows_table = sa.table(table, *columns)
    select = sa.select(*rows_table.c).order_by(rows_table.c.id)
    taken = set()
    for row in connection.execute(select).mappings().all():
        key = _key(row['name'])
        scope = row[scope_column] if scope_column else None
        if (scope, key) in taken:
            key = f"{key} #{row['id']}"
        taken.add((scope, key))
        connection.execute(rows_table.update().where(rows_table.c.id == row['id']).values(name_key=key))


def upgrade():
    connection = op.get_bind()
    for table in ('departments', 'units'):
        # NOT NULL needs a default for the rows already there (SQLite cannot add the constraint later
        # without copying the table); every row gets its real key right below.
        op.add_column(table, sa.Column('name_key', sa.String(length=600), nullable=False, server_default=''))
    _fill(connection, 'departments')
    _fill(connection, 'units', 'department_id')
    if connection.dialect.name != 'sqlite':
        for table in ('departments', 'units'):
            op.alter_column(table, 'name_key', server_default=None)
    op.create_index(op.f('ix_departments_name_key'), 'departments', ['name_key'], unique=True)
    op.create_index('ix_units_department_id_name_key', 'units', ['department_id', 'name_key'], unique=True)


def downgrade():
    op.drop_index('ix_units_department_id_name_key', table_name='units')
    op.drop_index(op.f('ix_departments_name_key'), table_name='departments')
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.drop_column('name_key')
    with op.batch_alter_table('departments', schema=None) as batch_op:
        batch_op.drop_column('name_key')
