"""baseline

Revision ID: 0001
Revises: (none)
"""

import sqlalchemy as sa
from alembic import op

import casedesktop.store.types

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('cases',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('number', sa.String(length=32), nullable=True),
    sa.Column('account_id', sa.String(length=36), nullable=True),
    sa.Column('account_name', sa.String(length=200), nullable=False),
    sa.Column('reported_by_name', sa.String(length=200), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('severity', sa.String(length=16), nullable=False),
    sa.Column('priority', sa.String(length=16), nullable=True),
    sa.Column('product', sa.String(length=200), nullable=False),
    sa.Column('escalated', sa.Boolean(), nullable=False),
    sa.Column('close_requested', sa.Boolean(), nullable=False),
    sa.Column('owner_name', sa.String(length=200), nullable=False),
    sa.Column('parent_case_id', sa.String(length=36), nullable=True),
    sa.Column('resolution_summary', sa.Text(), nullable=False),
    sa.Column('resolution_root_cause', sa.Text(), nullable=False),
    sa.Column('resolution_type', sa.String(length=200), nullable=False),
    sa.Column('created_at', casedesktop.store.types.UtcDateTime(), nullable=False),
    sa.Column('updated_at', casedesktop.store.types.UtcDateTime(), nullable=False),
    sa.Column('resolved_at', casedesktop.store.types.UtcDateTime(), nullable=True),
    sa.Column('closed_at', casedesktop.store.types.UtcDateTime(), nullable=True),
    sa.Column('unread', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('number')
    )
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index('ix_cases_status_updated_at', ['status', 'updated_at'], unique=False)
        batch_op.create_index('ix_cases_updated_at', ['updated_at'], unique=False)

    op.create_table('meta',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('outbox',
    sa.Column('seq', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('op_id', sa.String(length=36), nullable=False),
    sa.Column('case_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('created_at', casedesktop.store.types.UtcDateTime(), nullable=False),
    sa.Column('updated_at', casedesktop.store.types.UtcDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('seq'),
    sa.UniqueConstraint('op_id')
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_case_state', ['case_id', 'state'], unique=False)
        batch_op.create_index('ix_outbox_state', ['state'], unique=False)

    op.create_table('activity',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('case_id', sa.String(length=36), nullable=False),
    sa.Column('actor_name', sa.String(length=200), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('from_status', sa.String(length=32), nullable=True),
    sa.Column('to_status', sa.String(length=32), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_at', casedesktop.store.types.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('activity', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activity_case_id'), ['case_id'], unique=False)

    op.create_table('comments',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('case_id', sa.String(length=36), nullable=False),
    sa.Column('author_name', sa.String(length=200), nullable=False),
    sa.Column('author_role', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', casedesktop.store.types.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_comments_case_id'), ['case_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_comments_case_id'))

    op.drop_table('comments')
    with op.batch_alter_table('activity', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_activity_case_id'))

    op.drop_table('activity')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_state')
        batch_op.drop_index('ix_outbox_case_state')

    op.drop_table('outbox')
    op.drop_table('meta')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_updated_at')
        batch_op.drop_index('ix_cases_status_updated_at')

    op.drop_table('cases')
