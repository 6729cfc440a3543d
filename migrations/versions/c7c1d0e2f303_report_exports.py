"""participant list exports and column choices

Revision ID: c7c1d0e2f303
Revises: b7c1d0e2f302
Create Date: 2026-11-24 21:30:00

"""
from alembic import op
import sqlalchemy as sa

import forum.db


# revision identifiers, used by Alembic.
revision = 'c7c1d0e2f303'
down_revision = 'b7c1d0e2f302'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('export_preferences',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('columns', sa.JSON(), nullable=False),
    sa.Column('updated_at', forum.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_export_preferences_event_id_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_export_preferences_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_export_preferences')),
    sa.UniqueConstraint('user_id', 'event_id', name=op.f('uq_export_preferences_user_id_event_id'))
    )
    with op.batch_alter_table('export_preferences', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_export_preferences_event_id'), ['event_id'], unique=False)


def downgrade():
    with op.batch_alter_table('export_preferences', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_export_preferences_event_id'))

    op.drop_table('export_preferences')
