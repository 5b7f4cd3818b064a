"""Privacy's models, split by domain; ``from privacy.models import X`` works for every one.

``footage``: masks, keys, legal holds, deletion records and recordings; ``unmask``: the
four-eyes un-mask; ``requests``:
subject-access requests; ``registers``: the DPO's registers (breaches, transfers, vendors and
AI-model assessments, liability risk and insurance).
"""

# The transparency and accountability records, in modules of their own (after the above: they
# stand on cameras only).
from privacy.dpia_models import Dpia, DpiaAnalytic, DpiaStatus
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
from privacy.models.unmask import UnmaskGrant, UnmaskPolicy
from privacy.notice_models import NoticeVersion, PolicyStatus, PolicyVersion
from privacy.sign_models import Sign, SignCondition, SignInspection

__all__ = [
    "Breach",
    "BreachRisk",
    "DataKey",
    "DeletionRecord",
    "Dpia",
    "DpiaAnalytic",
    "DpiaStatus",
    "NoticeVersion",
    "PolicyStatus",
    "PolicyVersion",
    "Sign",
    "SignCondition",
    "SignInspection",
    "UnmaskGrant",
    "UnmaskPolicy",
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
