from .choices import (
    Approval,
    Category,
    Certainty,
    Direction,
    Regimen,
    SourceKind,
    StudyDesign,
)
from .content import Condition, Evidence, EvidenceSource, Person, Source, Topic
from .imports import ImportJob, ImportStatus
from .publishing import Kind, Publication, PublishedSource, ReviewType
from .review import Action, ReviewState, ReviewVisit, Status, Submission
from .tallies import PublicCredit, PublicSource, PublicUseCount
from .versioning import PublicVersion

__all__ = [
    "Action",
    "Approval",
    "Category",
    "Certainty",
    "Condition",
    "Direction",
    "Evidence",
    "EvidenceSource",
    "ImportJob",
    "ImportStatus",
    "Kind",
    "Person",
    "PublicCredit",
    "PublicSource",
    "PublicUseCount",
    "PublicVersion",
    "Publication",
    "PublishedSource",
    "Regimen",
    "ReviewState",
    "ReviewType",
    "ReviewVisit",
    "Source",
    "SourceKind",
    "Status",
    "StudyDesign",
    "Submission",
    "Topic",
]
