"""participant list opt-in and statistics

Revision ID: b7c1d0e2f302
Revises: a7c1d0e2f301
Create Date: 2026-11-24 21:30:00

"""
from alembic import op
import sqlalchemy as sa

import forum.db


# revision identifiers, used by Alembic.
revision = 'b7c1d0e2f302'
down_revision = 'a7c1d0e2f301'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                'participant_list',
                sa.Enum('hidden', 'attendees', 'public', name='participantlistvisibility', native_enum=False,
                        create_constraint=True, length=32),
                nullable=False,
                server_default='hidden',
            )
        )


def downgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_events_participantlistvisibility'), type_='check')
        batch_op.drop_column('participant_list')
