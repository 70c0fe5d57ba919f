"""Core schema: organizations, officials, visits, delegations, press releases, API keys.

Revision ID: 0001
Revises:
Create Date: 2026-11-29 06:44:02.533803
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('api_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("role IN ('editor', 'admin')", name=op.f('ck_api_keys_role')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_keys')),
    sa.UniqueConstraint('digest', name=op.f('uq_api_keys_digest'))
    )
    op.create_table('officials',
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('honorific', sa.String(length=300), nullable=True),
    sa.Column('country_code', sa.String(length=2), nullable=True),
    sa.Column('name_key', sa.Text(), nullable=False),
    sa.Column('name_skeleton', sa.Text(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_officials'))
    )
    with op.batch_alter_table('officials', schema=None) as batch_op:
        batch_op.create_index('ix_officials_country_code', ['country_code'], unique=False)
        batch_op.create_index('ix_officials_name_key', ['name_key'], unique=False)

    op.create_table('organizations',
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('acronym', sa.String(length=300), nullable=True),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('country_code', sa.String(length=2), nullable=True),
    sa.Column('city', sa.String(length=300), nullable=True),
    sa.Column('website', sa.String(length=2000), nullable=True),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('name_key', sa.Text(), nullable=False),
    sa.Column('name_skeleton', sa.Text(), nullable=False),
    sa.Column('acronym_key', sa.Text(), nullable=True),
    sa.Column('identity_key', sa.Text(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('government', 'ministry', 'armed_forces', 'military_alliance', 'international_organization', 'university', 'embassy', 'ngo', 'media', 'company', 'other')", name=op.f('ck_organizations_kind')),
    sa.ForeignKeyConstraint(['parent_id'], ['organizations.id'], name=op.f('fk_organizations_parent_id_organizations'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organizations')),
    sa.UniqueConstraint('identity_key', name=op.f('uq_organizations_identity_key'))
    )
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.create_index('ix_organizations_acronym_key', ['acronym_key'], unique=False)
        batch_op.create_index('ix_organizations_country_code', ['country_code'], unique=False)
        batch_op.create_index('ix_organizations_kind', ['kind'], unique=False)
        batch_op.create_index('ix_organizations_name_key', ['name_key'], unique=False)
        batch_op.create_index('ix_organizations_parent_id', ['parent_id'], unique=False)

    op.create_table('official_aliases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('official_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('language', sa.String(length=35), nullable=True),
    sa.Column('name_key', sa.Text(), nullable=False),
    sa.Column('name_skeleton', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['official_id'], ['officials.id'], name=op.f('fk_official_aliases_official_id_officials'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_official_aliases'))
    )
    with op.batch_alter_table('official_aliases', schema=None) as batch_op:
        batch_op.create_index('ix_official_aliases_name_key', ['name_key'], unique=False)
        batch_op.create_index('ix_official_aliases_official_id', ['official_id'], unique=False)

    op.create_table('organization_aliases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('language', sa.String(length=35), nullable=True),
    sa.Column('acronym', sa.String(length=300), nullable=True),
    sa.Column('name_key', sa.Text(), nullable=False),
    sa.Column('name_skeleton', sa.Text(), nullable=False),
    sa.Column('acronym_key', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_organization_aliases_organization_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organization_aliases'))
    )
    with op.batch_alter_table('organization_aliases', schema=None) as batch_op:
        batch_op.create_index('ix_organization_aliases_acronym_key', ['acronym_key'], unique=False)
        batch_op.create_index('ix_organization_aliases_name_key', ['name_key'], unique=False)
        batch_op.create_index('ix_organization_aliases_organization_id', ['organization_id'], unique=False)

    op.create_table('positions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('official_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=500), nullable=False),
    sa.Column('acting', sa.Boolean(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.CheckConstraint('end_date IS NULL OR start_date IS NULL OR end_date >= start_date', name=op.f('ck_positions_date_order')),
    sa.ForeignKeyConstraint(['official_id'], ['officials.id'], name=op.f('fk_positions_official_id_officials'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_positions_organization_id_organizations'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_positions'))
    )
    with op.batch_alter_table('positions', schema=None) as batch_op:
        batch_op.create_index('ix_positions_official_id', ['official_id'], unique=False)
        batch_op.create_index('ix_positions_organization_id', ['organization_id'], unique=False)

    op.create_table('press_releases',
    sa.Column('title', sa.String(length=500), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('language', sa.String(length=35), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('published_on', sa.Date(), nullable=True),
    sa.Column('dateline', sa.String(length=300), nullable=True),
    sa.Column('source_url', sa.String(length=2000), nullable=True),
    sa.Column('issuer_organization_id', sa.Integer(), nullable=True),
    sa.Column('translation_of_id', sa.Integer(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('draft', 'published')", name=op.f('ck_press_releases_status')),
    sa.ForeignKeyConstraint(['issuer_organization_id'], ['organizations.id'], name=op.f('fk_press_releases_issuer_organization_id_organizations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['translation_of_id'], ['press_releases.id'], name=op.f('fk_press_releases_translation_of_id_press_releases'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_press_releases'))
    )
    with op.batch_alter_table('press_releases', schema=None) as batch_op:
        batch_op.create_index('ix_press_releases_issuer_organization_id', ['issuer_organization_id'], unique=False)
        batch_op.create_index('ix_press_releases_language', ['language'], unique=False)
        batch_op.create_index('ix_press_releases_published_on_id', ['published_on', 'id'], unique=False)
        batch_op.create_index('ix_press_releases_status', ['status'], unique=False)
        batch_op.create_index('ix_press_releases_translation_of_id', ['translation_of_id'], unique=False)

    op.create_table('visits',
    sa.Column('title', sa.String(length=500), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('date_precision', sa.String(length=10), nullable=False),
    sa.Column('city', sa.String(length=300), nullable=True),
    sa.Column('city_key', sa.Text(), nullable=True),
    sa.Column('country_code', sa.String(length=2), nullable=True),
    sa.Column('venue', sa.String(length=300), nullable=True),
    sa.Column('host_organization_id', sa.Integer(), nullable=False),
    sa.Column('summary', sa.Text(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("date_precision IN ('day', 'month', 'year')", name=op.f('ck_visits_date_precision')),
    sa.CheckConstraint("status IN ('draft', 'published')", name=op.f('ck_visits_status')),
    sa.CheckConstraint('end_date >= start_date', name=op.f('ck_visits_date_order')),
    sa.ForeignKeyConstraint(['host_organization_id'], ['organizations.id'], name=op.f('fk_visits_host_organization_id_organizations'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visits'))
    )
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.create_index('ix_visits_city_key', ['city_key'], unique=False)
        batch_op.create_index('ix_visits_country_code', ['country_code'], unique=False)
        batch_op.create_index('ix_visits_end_date', ['end_date'], unique=False)
        batch_op.create_index('ix_visits_host_organization_id_start_date', ['host_organization_id', 'start_date'], unique=False)
        batch_op.create_index('ix_visits_start_date_id', ['start_date', 'id'], unique=False)
        batch_op.create_index('ix_visits_status', ['status'], unique=False)

    op.create_table('delegations',
    sa.Column('visit_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('country_code', sa.String(length=2), nullable=True),
    sa.Column('head_official_id', sa.Integer(), nullable=True),
    sa.Column('size', sa.Integer(), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('organization_id IS NOT NULL OR country_code IS NOT NULL', name=op.f('ck_delegations_sender')),
    sa.CheckConstraint('size IS NULL OR size >= 1', name=op.f('ck_delegations_size')),
    sa.ForeignKeyConstraint(['head_official_id'], ['officials.id'], name=op.f('fk_delegations_head_official_id_officials'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_delegations_organization_id_organizations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['visit_id'], ['visits.id'], name=op.f('fk_delegations_visit_id_visits'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_delegations'))
    )
    with op.batch_alter_table('delegations', schema=None) as batch_op:
        batch_op.create_index('ix_delegations_country_code', ['country_code'], unique=False)
        batch_op.create_index('ix_delegations_head_official_id', ['head_official_id'], unique=False)
        batch_op.create_index('ix_delegations_organization_id', ['organization_id'], unique=False)
        batch_op.create_index('ix_delegations_visit_id', ['visit_id'], unique=False)

    op.create_table('participants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('visit_id', sa.Integer(), nullable=False),
    sa.Column('official_id', sa.Integer(), nullable=False),
    sa.Column('side', sa.String(length=10), nullable=False),
    sa.Column('role', sa.String(length=300), nullable=True),
    sa.CheckConstraint("side IN ('host', 'guest')", name=op.f('ck_participants_side')),
    sa.ForeignKeyConstraint(['official_id'], ['officials.id'], name=op.f('fk_participants_official_id_officials'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['visit_id'], ['visits.id'], name=op.f('fk_participants_visit_id_visits'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_participants'))
    )
    with op.batch_alter_table('participants', schema=None) as batch_op:
        batch_op.create_index('ix_participants_official_id', ['official_id'], unique=False)
        batch_op.create_index('ix_participants_visit_id_official_id', ['visit_id', 'official_id'], unique=True)

    op.create_table('release_visits',
    sa.Column('press_release_id', sa.Integer(), nullable=False),
    sa.Column('visit_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['press_release_id'], ['press_releases.id'], name=op.f('fk_release_visits_press_release_id_press_releases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['visit_id'], ['visits.id'], name=op.f('fk_release_visits_visit_id_visits'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('press_release_id', 'visit_id', name=op.f('pk_release_visits'))
    )
    with op.batch_alter_table('release_visits', schema=None) as batch_op:
        batch_op.create_index('ix_release_visits_visit_id', ['visit_id'], unique=False)

    op.create_table('visit_topics',
    sa.Column('visit_id', sa.Integer(), nullable=False),
    sa.Column('topic', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['visit_id'], ['visits.id'], name=op.f('fk_visit_topics_visit_id_visits'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('visit_id', 'topic', name=op.f('pk_visit_topics'))
    )
    with op.batch_alter_table('visit_topics', schema=None) as batch_op:
        batch_op.create_index('ix_visit_topics_topic', ['topic'], unique=False)

    op.create_table('delegation_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('delegation_id', sa.Integer(), nullable=False),
    sa.Column('official_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=300), nullable=True),
    sa.ForeignKeyConstraint(['delegation_id'], ['delegations.id'], name=op.f('fk_delegation_members_delegation_id_delegations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['official_id'], ['officials.id'], name=op.f('fk_delegation_members_official_id_officials'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_delegation_members'))
    )
    with op.batch_alter_table('delegation_members', schema=None) as batch_op:
        batch_op.create_index('ix_delegation_members_delegation_id_official_id', ['delegation_id', 'official_id'], unique=True)
        batch_op.create_index('ix_delegation_members_official_id', ['official_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('delegation_members', schema=None) as batch_op:
        batch_op.drop_index('ix_delegation_members_official_id')
        batch_op.drop_index('ix_delegation_members_delegation_id_official_id')

    op.drop_table('delegation_members')
    with op.batch_alter_table('visit_topics', schema=None) as batch_op:
        batch_op.drop_index('ix_visit_topics_topic')

    op.drop_table('visit_topics')
    with op.batch_alter_table('release_visits', schema=None) as batch_op:
        batch_op.drop_index('ix_release_visits_visit_id')

    op.drop_table('release_visits')
    with op.batch_alter_table('participants', schema=None) as batch_op:
        batch_op.drop_index('ix_participants_visit_id_official_id')
        batch_op.drop_index('ix_participants_official_id')

    op.drop_table('participants')
    with op.batch_alter_table('delegations', schema=None) as batch_op:
        batch_op.drop_index('ix_delegations_visit_id')
        batch_op.drop_index('ix_delegations_organization_id')
        batch_op.drop_index('ix_delegations_head_official_id')
        batch_op.drop_index('ix_delegations_country_code')

    op.drop_table('delegations')
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.drop_index('ix_visits_status')
        batch_op.drop_index('ix_visits_start_date_id')
        batch_op.drop_index('ix_visits_host_organization_id_start_date')
        batch_op.drop_index('ix_visits_end_date')
        batch_op.drop_index('ix_visits_country_code')
        batch_op.drop_index('ix_visits_city_key')

    op.drop_table('visits')
    with op.batch_alter_table('press_releases', schema=None) as batch_op:
        batch_op.drop_index('ix_press_releases_translation_of_id')
        batch_op.drop_index('ix_press_releases_status')
        batch_op.drop_index('ix_press_releases_published_on_id')
        batch_op.drop_index('ix_press_releases_language')
        batch_op.drop_index('ix_press_releases_issuer_organization_id')

    op.drop_table('press_releases')
    with op.batch_alter_table('positions', schema=None) as batch_op:
        batch_op.drop_index('ix_positions_organization_id')
        batch_op.drop_index('ix_positions_official_id')

    op.drop_table('positions')
    with op.batch_alter_table('organization_aliases', schema=None) as batch_op:
        batch_op.drop_index('ix_organization_aliases_organization_id')
        batch_op.drop_index('ix_organization_aliases_name_key')
        batch_op.drop_index('ix_organization_aliases_acronym_key')

    op.drop_table('organization_aliases')
    with op.batch_alter_table('official_aliases', schema=None) as batch_op:
        batch_op.drop_index('ix_official_aliases_official_id')
        batch_op.drop_index('ix_official_aliases_name_key')

    op.drop_table('official_aliases')
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.drop_index('ix_organizations_parent_id')
        batch_op.drop_index('ix_organizations_name_key')
        batch_op.drop_index('ix_organizations_kind')
        batch_op.drop_index('ix_organizations_country_code')
        batch_op.drop_index('ix_organizations_acronym_key')

    op.drop_table('organizations')
    with op.batch_alter_table('officials', schema=None) as batch_op:
        batch_op.drop_index('ix_officials_name_key')
        batch_op.drop_index('ix_officials_country_code')

    op.drop_table('officials')
    op.drop_table('api_keys')
