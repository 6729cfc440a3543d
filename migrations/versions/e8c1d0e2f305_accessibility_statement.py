"""accessibility statement

Revision ID: e8c1d0e2f305
Revises: d6c1d0e2f304
Create Date: 2026-11-24 22:10:00

"""
from alembic import op
import sqlalchemy as sa

import forum.db


# revision identifiers, used by Alembic.
revision = 'e8c1d0e2f305'
down_revision = 'd6c1d0e2f304'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('accessibility_compliance', sa.Enum('full', 'partial', 'none', name='accessibilitycompliance', native_enum=False, create_constraint=True, length=32), server_default='partial', nullable=False))
        batch_op.add_column(sa.Column('accessibility_known_issues', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('accessibility_disproportionate_burden', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('accessibility_assessment', sa.Enum('self', 'external', name='accessibilityassessment', native_enum=False, create_constraint=True, length=32), server_default='self', nullable=False))
        batch_op.add_column(sa.Column('accessibility_assessed_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('accessibility_contact_email', sa.String(length=254), server_default='', nullable=False))
        batch_op.add_column(sa.Column('accessibility_contact_phone', sa.String(length=40), server_default='', nullable=False))
        batch_op.add_column(sa.Column('accessibility_statement_updated_on', sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.drop_column('accessibility_statement_updated_on')
        batch_op.drop_column('accessibility_contact_phone')
        batch_op.drop_column('accessibility_contact_email')
        batch_op.drop_column('accessibility_assessed_on')
        batch_op.drop_constraint(op.f('ck_organisations_accessibilityassessment'), type_='check')
        batch_op.drop_column('accessibility_assessment')
        batch_op.drop_column('accessibility_disproportionate_burden')
        batch_op.drop_column('accessibility_known_issues')
        batch_op.drop_constraint(op.f('ck_organisations_accessibilitycompliance'), type_='check')
        batch_op.drop_column('accessibility_compliance')
