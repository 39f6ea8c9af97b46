"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-25
"""
from alembic import op
import sqlalchemy as sa

import edc.models.base


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('dictionary_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('version', sa.String(length=64), nullable=False),
    sa.Column('source_sha256', sa.String(length=64), nullable=False),
    sa.Column('term_count', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('imported_at', edc.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dictionary_versions'))
    )
    op.create_table('ledger_checkpoints',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('root_hash', sa.LargeBinary(length=32), nullable=False),
    sa.Column('ts', sa.String(length=32), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_checkpoints'))
    )
    with op.batch_alter_table('ledger_checkpoints', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ledger_checkpoints_size'), ['size'], unique=False)

    op.create_table('ledger_entries',
    sa.Column('seq', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('ts', sa.String(length=32), nullable=False),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('site', sa.String(length=16), nullable=True),
    sa.Column('subject', sa.String(length=32), nullable=True),
    sa.Column('form', sa.String(length=64), nullable=True),
    sa.Column('instance', sa.String(length=64), nullable=True),
    sa.Column('body', sa.LargeBinary(), nullable=False),
    sa.Column('leaf_hash', sa.LargeBinary(length=32), nullable=False),
    sa.Column('prev_hash', sa.LargeBinary(length=32), nullable=False),
    sa.Column('signature', sa.LargeBinary(length=64), nullable=False),
    sa.Column('key_id', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_ledger_entries')),
    sa.UniqueConstraint('leaf_hash', name=op.f('uq_ledger_entries_leaf_hash')),
    sa.UniqueConstraint('prev_hash', name=op.f('uq_ledger_entries_prev_hash'))
    )
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ledger_entries_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_ledger_entries_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ledger_entries_instance'), ['instance'], unique=False)
        batch_op.create_index(batch_op.f('ix_ledger_entries_site'), ['site'], unique=False)
        batch_op.create_index(batch_op.f('ix_ledger_entries_subject'), ['subject'], unique=False)

    op.create_table('sites',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', edc.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sites')),
    sa.UniqueConstraint('code', name=op.f('uq_sites_code'))
    )
    op.create_table('study_settings',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_study_settings'))
    )
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('printed_name', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=200), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('password_changed_at', edc.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('must_change_password', sa.Boolean(), nullable=False),
    sa.Column('totp_secret', sa.String(length=64), nullable=True),
    sa.Column('totp_confirmed', sa.Boolean(), nullable=False),
    sa.Column('totp_last_step', sa.Integer(), nullable=True),
    sa.Column('failed_logins', sa.Integer(), nullable=False),
    sa.Column('locked', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('attestation_accepted_at', edc.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('signing_public_key', sa.LargeBinary(), nullable=True),
    sa.Column('signing_private_key_enc', sa.LargeBinary(), nullable=True),
    sa.Column('created_at', edc.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_login_at', edc.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('username', name=op.f('uq_users_username'))
    )
    op.create_table('consent_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('version_label', sa.String(length=64), nullable=False),
    sa.Column('language', sa.String(length=32), nullable=False),
    sa.Column('ethics_reference', sa.String(length=64), nullable=False),
    sa.Column('approval_date', sa.Date(), nullable=False),
    sa.Column('effective_date', sa.Date(), nullable=False),
    sa.Column('retirement_date', sa.Date(), nullable=True),
    sa.Column('ethics_expiry_date', sa.Date(), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=True),
    sa.Column('content_type', sa.String(length=64), nullable=True),
    sa.Column('filename', sa.String(length=200), nullable=True),
    sa.Column('optional_items', sa.Text(), nullable=False),
    sa.Column('registered_at', edc.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('registered_by', sa.Integer(), nullable=True),
    sa.Column('retirement_reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['registered_by'], ['users.id'], name=op.f('fk_consent_documents_registered_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consent_documents'))
    )
    op.create_table('dictionary_terms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('term', sa.String(length=200), nullable=False),
    sa.Column('meddra_code', sa.String(length=16), nullable=False),
    sa.Column('soc', sa.String(length=200), nullable=False),
    sa.Column('grades_json', sa.Text(), nullable=False),
    sa.Column('definition', sa.Text(), nullable=True),
    sa.Column('other_specify', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['version_id'], ['dictionary_versions.id'], name=op.f('fk_dictionary_terms_version_id_dictionary_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dictionary_terms')),
    sa.UniqueConstraint('version_id', 'term', name='one_term_per_version')
    )
    with op.batch_alter_table('dictionary_terms', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dictionary_terms_version_id'), ['version_id'], unique=False)

    op.create_table('password_history',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('created_at', edc.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_password_history_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_password_history'))
    )
    with op.batch_alter_table('password_history', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_password_history_user_id'), ['user_id'], unique=False)

    op.create_table('recovery_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=200), nullable=False),
    sa.Column('used_at', edc.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_recovery_codes_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recovery_codes'))
    )
    with op.batch_alter_table('recovery_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recovery_codes_user_id'), ['user_id'], unique=False)

    op.create_table('site_roles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=True),
    sa.Column('role', sa.String(length=32), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('granted_at', edc.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_site_roles_site_id_sites')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_site_roles_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_site_roles')),
    sa.UniqueConstraint('user_id', 'site_id', name='one_role_per_site')
    )
    op.create_table('subjects',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('arm', sa.String(length=16), nullable=True),
    sa.Column('allocation_basis', sa.Text(), nullable=True),
    sa.Column('enrolled_on', sa.Date(), nullable=True),
    sa.Column('screen_failure_reason', sa.Text(), nullable=True),
    sa.Column('withdrawal_scope', sa.String(length=32), nullable=True),
    sa.Column('created_at', edc.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_subjects_site_id_sites')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subjects')),
    sa.UniqueConstraint('code', name=op.f('uq_subjects_code'))
    )
    with op.batch_alter_table('subjects', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_subjects_site_id'), ['site_id'], unique=False)

    op.create_table('training_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('course', sa.String(length=200), nullable=False),
    sa.Column('completed_on', sa.Date(), nullable=False),
    sa.Column('recorded_by', sa.Integer(), nullable=False),
    sa.Column('recorded_at', edc.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['recorded_by'], ['users.id'], name=op.f('fk_training_records_recorded_by_users')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_training_records_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_records'))
    )
    with op.batch_alter_table('training_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_records_user_id'), ['user_id'], unique=False)

    op.create_table('form_instances',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('event_key', sa.String(length=64), nullable=False),
    sa.Column('event_repeat', sa.Integer(), nullable=False),
    sa.Column('form_key', sa.String(length=64), nullable=False),
    sa.Column('form_version', sa.Integer(), nullable=False),
    sa.Column('repeat_no', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('removed', sa.Boolean(), nullable=False),
    sa.Column('removed_reason', sa.Text(), nullable=True),
    sa.Column('locked', sa.Boolean(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('created_at', edc.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', edc.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['subject_id'], ['subjects.id'], name=op.f('fk_form_instances_subject_id_subjects')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_form_instances')),
    sa.UniqueConstraint('subject_id', 'event_key', 'event_repeat', 'form_key', 'repeat_no', name='one_instance_per_slot')
    )
    with op.batch_alter_table('form_instances', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_form_instances_subject_id'), ['subject_id'], unique=False)

    op.create_table('screen_failures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('failed_on', sa.Date(), nullable=False),
    sa.Column('criteria', sa.Text(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('recorded_by', sa.Integer(), nullable=False),
    sa.Column('recorded_at', edc.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['recorded_by'], ['users.id'], name=op.f('fk_screen_failures_recorded_by_users')),
    sa.ForeignKeyConstraint(['subject_id'], ['subjects.id'], name=op.f('fk_screen_failures_subject_id_subjects')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_screen_failures'))
    )
    with op.batch_alter_table('screen_failures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_screen_failures_subject_id'), ['subject_id'], unique=False)

    op.create_table('subject_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('key_ref', sa.String(length=64), nullable=False),
    sa.Column('key', sa.LargeBinary(), nullable=True),
    sa.Column('destroyed_at', edc.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['subject_id'], ['subjects.id'], name=op.f('fk_subject_keys_subject_id_subjects')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subject_keys')),
    sa.UniqueConstraint('key_ref', name=op.f('uq_subject_keys_key_ref')),
    sa.UniqueConstraint('subject_id', name=op.f('uq_subject_keys_subject_id'))
    )
    op.create_table('deviations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=True),
    sa.Column('instance_id', sa.Integer(), nullable=True),
    sa.Column('category', sa.String(length=64), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('automatic', sa.Boolean(), nullable=False),
    sa.Column('reported_to_ethics', sa.Boolean(), nullable=False),
    sa.Column('recorded_by', sa.Integer(), nullable=True),
    sa.Column('recorded_at', edc.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['instance_id'], ['form_instances.id'], name=op.f('fk_deviations_instance_id_form_instances')),
    sa.ForeignKeyConstraint(['recorded_by'], ['users.id'], name=op.f('fk_deviations_recorded_by_users')),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_deviations_site_id_sites')),
    sa.ForeignKeyConstraint(['subject_id'], ['subjects.id'], name=op.f('fk_deviations_subject_id_subjects')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deviations'))
    )
    with op.batch_alter_table('deviations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deviations_site_id'), ['site_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_deviations_subject_id'), ['subject_id'], unique=False)

    op.create_table('e_signatures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('signer_id', sa.Integer(), nullable=False),
    sa.Column('printed_name', sa.String(length=200), nullable=False),
    sa.Column('meaning', sa.String(length=32), nullable=False),
    sa.Column('scope', sa.String(length=16), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=True),
    sa.Column('instance_id', sa.Integer(), nullable=True),
    sa.Column('target', sa.String(length=128), nullable=False),
    sa.Column('content_sha256', sa.String(length=64), nullable=False),
    sa.Column('user_signature', sa.LargeBinary(), nullable=False),
    sa.Column('signed_at', edc.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ledger_seq', sa.Integer(), nullable=True),
    sa.Column('valid', sa.Boolean(), nullable=False),
    sa.Column('invalidated_at', edc.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('invalidated_reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['instance_id'], ['form_instances.id'], name=op.f('fk_e_signatures_instance_id_form_instances')),
    sa.ForeignKeyConstraint(['signer_id'], ['users.id'], name=op.f('fk_e_signatures_signer_id_users')),
    sa.ForeignKeyConstraint(['subject_id'], ['subjects.id'], name=op.f('fk_e_signatures_subject_id_subjects')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_e_signatures'))
    )
    with op.batch_alter_table('e_signatures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_e_signatures_instance_id'), ['instance_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_e_signatures_subject_id'), ['subject_id'], unique=False)

    op.create_table('item_values',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=False),
    sa.Column('field', sa.String(length=64), nullable=False),
    sa.Column('value', sa.Text(), nullable=True),
    sa.Column('missing_reason', sa.String(length=8), nullable=True),
    sa.Column('derived', sa.Boolean(), nullable=False),
    sa.Column('rule_version', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['instance_id'], ['form_instances.id'], name=op.f('fk_item_values_instance_id_form_instances')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_item_values')),
    sa.UniqueConstraint('instance_id', 'field', name='one_value_per_field')
    )
    with op.batch_alter_table('item_values', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_item_values_instance_id'), ['instance_id'], unique=False)

    op.create_table('locks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=16), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=True),
    sa.Column('event_key', sa.String(length=64), nullable=True),
    sa.Column('event_repeat', sa.Integer(), nullable=True),
    sa.Column('instance_id', sa.Integer(), nullable=True),
    sa.Column('locked_by', sa.Integer(), nullable=False),
    sa.Column('locked_at', edc.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('unlocked_by', sa.Integer(), nullable=True),
    sa.Column('unlock_reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['instance_id'], ['form_instances.id'], name=op.f('fk_locks_instance_id_form_instances')),
    sa.ForeignKeyConstraint(['locked_by'], ['users.id'], name=op.f('fk_locks_locked_by_users')),
    sa.ForeignKeyConstraint(['subject_id'], ['subjects.id'], name=op.f('fk_locks_subject_id_subjects')),
    sa.ForeignKeyConstraint(['unlocked_by'], ['users.id'], name=op.f('fk_locks_unlocked_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_locks'))
    )
    op.create_table('queries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=False),
    sa.Column('field', sa.String(length=64), nullable=True),
    sa.Column('check_id', sa.String(length=64), nullable=True),
    sa.Column('automatic', sa.Boolean(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('opened_by', sa.Integer(), nullable=True),
    sa.Column('opener_role', sa.String(length=32), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('opened_at', edc.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', edc.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['instance_id'], ['form_instances.id'], name=op.f('fk_queries_instance_id_form_instances')),
    sa.ForeignKeyConstraint(['opened_by'], ['users.id'], name=op.f('fk_queries_opened_by_users')),
    sa.ForeignKeyConstraint(['subject_id'], ['subjects.id'], name=op.f('fk_queries_subject_id_subjects')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_queries'))
    )
    with op.batch_alter_table('queries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_queries_instance_id'), ['instance_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_queries_subject_id'), ['subject_id'], unique=False)

    op.create_table('sdv_marks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=False),
    sa.Column('field', sa.String(length=64), nullable=False),
    sa.Column('value_sha256', sa.String(length=64), nullable=False),
    sa.Column('verified_by', sa.Integer(), nullable=False),
    sa.Column('verified_at', edc.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('current', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['instance_id'], ['form_instances.id'], name=op.f('fk_sdv_marks_instance_id_form_instances')),
    sa.ForeignKeyConstraint(['verified_by'], ['users.id'], name=op.f('fk_sdv_marks_verified_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sdv_marks'))
    )
    with op.batch_alter_table('sdv_marks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sdv_marks_instance_id'), ['instance_id'], unique=False)

    op.create_table('consent_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('assent_document_id', sa.Integer(), nullable=True),
    sa.Column('consent_date', sa.Date(), nullable=False),
    sa.Column('signed_at', edc.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('occasion', sa.String(length=16), nullable=False),
    sa.Column('child_birth_date_sealed', sa.Text(), nullable=True),
    sa.Column('guardian_count', sa.Integer(), nullable=False),
    sa.Column('optional_answers', sa.Text(), nullable=False),
    sa.Column('assent_required', sa.Boolean(), nullable=False),
    sa.Column('assent_obtained', sa.String(length=16), nullable=False),
    sa.Column('assent_not_obtained_reason', sa.Text(), nullable=True),
    sa.Column('assent_justification', sa.Text(), nullable=True),
    sa.Column('witness_required', sa.Boolean(), nullable=False),
    sa.Column('copy_given', sa.Boolean(), nullable=False),
    sa.Column('obtained_by', sa.Integer(), nullable=False),
    sa.Column('obtainer_signature_id', sa.Integer(), nullable=True),
    sa.Column('withdrawn_on', sa.Date(), nullable=True),
    sa.Column('withdrawal_scope', sa.String(length=32), nullable=True),
    sa.Column('withdrawal_recorded_by', sa.Integer(), nullable=True),
    sa.Column('withdrawal_requested_by', sa.String(length=32), nullable=True),
    sa.Column('withdrawal_reason', sa.Text(), nullable=True),
    sa.Column('created_at', edc.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['assent_document_id'], ['consent_documents.id'], name=op.f('fk_consent_records_assent_document_id_consent_documents')),
    sa.ForeignKeyConstraint(['document_id'], ['consent_documents.id'], name=op.f('fk_consent_records_document_id_consent_documents')),
    sa.ForeignKeyConstraint(['obtained_by'], ['users.id'], name=op.f('fk_consent_records_obtained_by_users')),
    sa.ForeignKeyConstraint(['obtainer_signature_id'], ['e_signatures.id'], name=op.f('fk_consent_records_obtainer_signature_id_e_signatures')),
    sa.ForeignKeyConstraint(['subject_id'], ['subjects.id'], name=op.f('fk_consent_records_subject_id_subjects')),
    sa.ForeignKeyConstraint(['withdrawal_recorded_by'], ['users.id'], name=op.f('fk_consent_records_withdrawal_recorded_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consent_records'))
    )
    with op.batch_alter_table('consent_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consent_records_subject_id'), ['subject_id'], unique=False)

    op.create_table('query_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('query_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('transition', sa.String(length=16), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', edc.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_query_messages_author_id_users')),
    sa.ForeignKeyConstraint(['query_id'], ['queries.id'], name=op.f('fk_query_messages_query_id_queries')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_query_messages'))
    )
    with op.batch_alter_table('query_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_query_messages_query_id'), ['query_id'], unique=False)

    op.create_table('consent_signers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('capacity', sa.String(length=16), nullable=False),
    sa.Column('relationship_to_child', sa.String(length=32), nullable=True),
    sa.Column('name_sealed', sa.Text(), nullable=True),
    sa.Column('can_read', sa.Boolean(), nullable=True),
    sa.Column('signed_at', edc.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('image_media_type', sa.String(length=32), nullable=False),
    sa.Column('image_sealed', sa.LargeBinary(), nullable=False),
    sa.Column('image_sha256', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['record_id'], ['consent_records.id'], name=op.f('fk_consent_signers_record_id_consent_records')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consent_signers'))
    )
    with op.batch_alter_table('consent_signers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consent_signers_record_id'), ['record_id'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('consent_signers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consent_signers_record_id'))

    op.drop_table('consent_signers')
    with op.batch_alter_table('query_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_query_messages_query_id'))

    op.drop_table('query_messages')
    with op.batch_alter_table('consent_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consent_records_subject_id'))

    op.drop_table('consent_records')
    with op.batch_alter_table('sdv_marks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sdv_marks_instance_id'))

    op.drop_table('sdv_marks')
    with op.batch_alter_table('queries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_queries_subject_id'))
        batch_op.drop_index(batch_op.f('ix_queries_instance_id'))

    op.drop_table('queries')
    op.drop_table('locks')
    with op.batch_alter_table('item_values', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_item_values_instance_id'))

    op.drop_table('item_values')
    with op.batch_alter_table('e_signatures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_e_signatures_subject_id'))
        batch_op.drop_index(batch_op.f('ix_e_signatures_instance_id'))

    op.drop_table('e_signatures')
    with op.batch_alter_table('deviations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deviations_subject_id'))
        batch_op.drop_index(batch_op.f('ix_deviations_site_id'))

    op.drop_table('deviations')
    op.drop_table('subject_keys')
    with op.batch_alter_table('screen_failures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_screen_failures_subject_id'))

    op.drop_table('screen_failures')
    with op.batch_alter_table('form_instances', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_form_instances_subject_id'))

    op.drop_table('form_instances')
    with op.batch_alter_table('training_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_records_user_id'))

    op.drop_table('training_records')
    with op.batch_alter_table('subjects', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_subjects_site_id'))

    op.drop_table('subjects')
    op.drop_table('site_roles')
    with op.batch_alter_table('recovery_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recovery_codes_user_id'))

    op.drop_table('recovery_codes')
    with op.batch_alter_table('password_history', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_password_history_user_id'))

    op.drop_table('password_history')
    with op.batch_alter_table('dictionary_terms', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dictionary_terms_version_id'))

    op.drop_table('dictionary_terms')
    op.drop_table('consent_documents')
    op.drop_table('users')
    op.drop_table('study_settings')
    op.drop_table('sites')
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ledger_entries_subject'))
        batch_op.drop_index(batch_op.f('ix_ledger_entries_site'))
        batch_op.drop_index(batch_op.f('ix_ledger_entries_instance'))
        batch_op.drop_index(batch_op.f('ix_ledger_entries_actor_id'))
        batch_op.drop_index(batch_op.f('ix_ledger_entries_action'))

    op.drop_table('ledger_entries')
    with op.batch_alter_table('ledger_checkpoints', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ledger_checkpoints_size'))

    op.drop_table('ledger_checkpoints')
    op.drop_table('dictionary_versions')

