"""Writes that matter. Views and management commands call these, never the ORM directly.

Every service that changes something appends an audit event in the same transaction
(see audit.py), so that the trail and the data never disagree.
"""

from .accounts import (
    account_rename,
    account_set_digest,
    email_change_confirm,
    email_change_link,
    email_change_request,
    signup_complete,
    signup_link,
    signup_request,
)
from .assessments import (
    NOT_APPLICABLE,
    AnswerChange,
    AssessmentLocked,
    Recorded,
    action_clear,
    action_update,
    answer_values,
    answers_record,
    assessment_start,
    assessment_submit,
    assessment_visit_section,
    download_record,
    validate_answer,
)
from .checklists import checklist_version_import
from .projects import (
    PROJECT_FIELDS,
    organisation_create,
    organisation_update,
    project_create,
    project_delete,
    project_update,
)
from .teams import (
    collaborator_change,
    collaborator_revoke,
    invitation_accept,
    invitation_cancel,
    invitation_create,
    invitation_decline,
    invitation_resend,
    member_change_role,
    member_remove,
    ownership_hand_over,
)

__all__ = [
    "NOT_APPLICABLE",
    "PROJECT_FIELDS",
    "AnswerChange",
    "AssessmentLocked",
    "Recorded",
    "account_rename",
    "account_set_digest",
    "action_clear",
    "action_update",
    "answer_values",
    "answers_record",
    "assessment_start",
    "assessment_submit",
    "assessment_visit_section",
    "checklist_version_import",
    "collaborator_change",
    "collaborator_revoke",
    "download_record",
    "email_change_confirm",
    "email_change_link",
    "email_change_request",
    "invitation_accept",
    "invitation_cancel",
    "invitation_create",
    "invitation_decline",
    "invitation_resend",
    "member_change_role",
    "member_remove",
    "organisation_create",
    "organisation_update",
    "ownership_hand_over",
    "project_create",
    "project_delete",
    "project_update",
    "signup_complete",
    "signup_link",
    "signup_request",
    "validate_answer",
]
