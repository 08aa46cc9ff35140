"""Every model, imported once so that metadata and migrations see the whole schema."""

from cdess.accounts.models import College, Role, User, UserRole
from cdess.applications.models import (
    Application,
    Document,
    DocumentKind,
    InternalNote,
    Kind,
    Objective,
    State,
)
from cdess.assessments.models import Answer, Assessment, AssessmentStatus
from cdess.audit.models import AuditAnchor, AuditEntry
from cdess.certificates.models import Certificate, CertificateCounter, CertificateStatus
from cdess.charter.models import (
    AnswerType,
    CharterSignature,
    CharterStatus,
    CharterVersion,
    Criterion,
    CriterionBand,
    CriterionOption,
    Principle,
    SignatureStatus,
)
from cdess.credentials.models import IssuedCredential, IssuerKey
from cdess.followups.models import FollowUp, FollowUpDocument, FollowUpStep, SampleDraw
from cdess.jobs.models import Job, JobKind, JobState
from cdess.reports.models import Report, ReportState
from cdess.sessions.models import (
    AgendaItem,
    Attendance,
    BallotReceipt,
    Choice,
    Conflict,
    CouncilRules,
    CouncilSession,
    Opinion,
    Proxy,
    SessionStatus,
    Vote,
    VoteStatus,
)
from cdess.structures.models import Family, Membership, Structure

__all__ = [
    "AgendaItem",
    "Answer",
    "AnswerType",
    "Application",
    "Assessment",
    "AssessmentStatus",
    "Attendance",
    "AuditAnchor",
    "AuditEntry",
    "BallotReceipt",
    "Certificate",
    "CertificateCounter",
    "CertificateStatus",
    "CharterSignature",
    "CharterStatus",
    "CharterVersion",
    "Choice",
    "College",
    "Conflict",
    "CouncilRules",
    "CouncilSession",
    "Criterion",
    "CriterionBand",
    "CriterionOption",
    "Document",
    "DocumentKind",
    "Family",
    "FollowUp",
    "FollowUpDocument",
    "FollowUpStep",
    "InternalNote",
    "IssuedCredential",
    "IssuerKey",
    "Job",
    "JobKind",
    "JobState",
    "Kind",
    "Membership",
    "Objective",
    "Opinion",
    "Principle",
    "Proxy",
    "Report",
    "ReportState",
    "Role",
    "SampleDraw",
    "SessionStatus",
    "SignatureStatus",
    "State",
    "Structure",
    "User",
    "UserRole",
    "Vote",
    "VoteStatus",
]
