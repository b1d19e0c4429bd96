"""content version: a token that changes with every change readers can see (page caches)

Revision ID: 0007_content_version
Revises: 0006
Create Date: 2026-12-01 20:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007_content_version'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    # No row is inserted: the first change creates it, and `flask restore` needs empty tables.
    op.create_table('content_versions',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('token', sa.String(length=32), nullable=False),
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_content_versions'))
    )


def downgrade():
    op.drop_table('content_versions')
