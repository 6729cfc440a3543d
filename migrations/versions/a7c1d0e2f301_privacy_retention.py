"""privacy: retention, erasure, anonymisation

Revision ID: a7c1d0e2f301
Revises: f72d51f9073b
Create Date: 2026-11-24 21:30:00

"""
from alembic import op
import sqlalchemy as sa

import forum.db


# revision identifiers, used by Alembic.
revision = 'a7c1d0e2f301'
down_revision = 'f72d51f9073b'
branch_labels = None
depends_on = None


def _policy():
    return sa.Enum('anonymise', 'keep', name='retentionpolicy', native_enum=False, create_constraint=True, length=32)


def upgrade():
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retention_policy', _policy(), server_default='anonymise', nullable=False))
        batch_op.add_column(sa.Column('retention_days', sa.Integer(), server_default='180', nullable=False))
        batch_op.add_column(sa.Column('health_data_days', sa.Integer(), server_default='14', nullable=False))

    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retention_policy', _policy(), nullable=True))
        batch_op.add_column(sa.Column('retention_days', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('health_data_cleared_at', forum.db.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('anonymised_at', forum.db.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('retention_notice_sent_at', forum.db.UTCDateTime(), nullable=True))

    for table in ('registrations', 'interests', 'invitees', 'proposals'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('anonymised_at', forum.db.UTCDateTime(), nullable=True))


def downgrade():
    for table in ('proposals', 'invitees', 'interests', 'registrations'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('anonymised_at')

    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_column('retention_notice_sent_at')
        batch_op.drop_column('anonymised_at')
        batch_op.drop_column('health_data_cleared_at')
        batch_op.drop_column('retention_days')
        batch_op.drop_constraint(op.f('ck_events_retentionpolicy'), type_='check')
        batch_op.drop_column('retention_policy')

    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.drop_column('health_data_days')
        batch_op.drop_column('retention_days')
        batch_op.drop_constraint(op.f('ck_organisations_retentionpolicy'), type_='check')
        batch_op.drop_column('retention_policy')
