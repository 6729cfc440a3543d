"""badge roles

Revision ID: d6c1d0e2f304
Revises: c7c1d0e2f303
Create Date: 2026-11-24 21:30:00

"""
from alembic import op
import sqlalchemy as sa

import forum.db


# revision identifiers, used by Alembic.
revision = 'd6c1d0e2f304'
down_revision = 'c7c1d0e2f303'
branch_labels = None
depends_on = None


def upgrade():
    # batch: SQLite adds the column with its CHECK constraint by rebuilding the table.
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                'badge_role',
                sa.Enum(
                    'participant', 'speaker', 'organiser', 'press', 'staff', 'guest',
                    name='badgerole', native_enum=False, create_constraint=True, length=32,
                ),
                nullable=True,
            )
        )


def downgrade():
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_registrations_badgerole'), type_='check')
        batch_op.drop_column('badge_role')
