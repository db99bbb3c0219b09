"""The westcheck domain's tables, by topic; import them from here."""

from .audit import AuditErasure, AuditEvent
from .checklists import ChecklistVersion, Question, Section
from .documents import RenderedDocument
from .evidence import EvidenceFile, EvidenceTombstone
from .limits import MailAttempt
from .notices import Notice
from .people import Membership, Organisation, User, UserManager
from .projects import Action, Answer, Assessment, Project
from .reviews import Comment, CommentThread, ReviewMark, ReviewRound
from .rights import DataExport
from .sharing import Cohort, CohortMilestone, Share, ShareRequest
from .submissions import Submission, SubmissionChanged
from .teams import Invitation, ProjectGroupObjectPermission, ProjectUserObjectPermission

__all__ = [
    "Action",
    "Answer",
    "Assessment",
    "AuditErasure",
    "AuditEvent",
    "ChecklistVersion",
    "Cohort",
    "CohortMilestone",
    "Comment",
    "CommentThread",
    "DataExport",
    "EvidenceFile",
    "EvidenceTombstone",
    "Invitation",
    "MailAttempt",
    "Membership",
    "Notice",
    "Organisation",
    "Project",
    "ProjectGroupObjectPermission",
    "ProjectUserObjectPermission",
    "Question",
    "RenderedDocument",
    "ReviewMark",
    "ReviewRound",
    "Section",
    "Share",
    "ShareRequest",
    "Submission",
    "SubmissionChanged",
    "User",
    "UserManager",
]
