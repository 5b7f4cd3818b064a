"""Privacy's models, split by domain; ``from privacy.models import X`` works for every one.

``footage``: masks, keys, legal holds, deletion records and recordings; ``requests``:
subject-access requests; ``registers``: the DPO's registers (breaches, transfers, vendors and
AI-model assessments, liability risk and insurance).
"""

from privacy.models.breaches import Breach, BreachRisk
from privacy.models.footage import (
    DataKey,
    DeletionRecord,
    LegalHold,
    PrivacyMask,
    RecordingSegment,
    RecordingTrack,
)
from privacy.models.liability import InsurancePolicy, RiskAssessment
from privacy.models.requests import (
    Jurisdiction,
    RequestKind,
    RequestStatus,
    SubjectAccessRequest,
)
from privacy.models.transfers import Transfer, TransferMechanism, Vendor

__all__ = [
    "Breach",
    "BreachRisk",
    "DataKey",
    "DeletionRecord",
    "InsurancePolicy",
    "Jurisdiction",
    "LegalHold",
    "PrivacyMask",
    "RecordingSegment",
    "RecordingTrack",
    "RequestKind",
    "RequestStatus",
    "RiskAssessment",
    "SubjectAccessRequest",
    "Transfer",
    "TransferMechanism",
    "Vendor",
]
