"""Self-assessments pre-filled from live data: the UK Surveillance Camera Code's 12 guiding
principles and the ICO's CCTV checklist. Each item is red, amber or green with the evidence
it was judged on and the gaps found; what no configuration can show stays amber and says
what a person must record."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils import timezone

from cameras.models import Camera, CameraStatus
from compliance.models import AccessEvent, AccessKind
from privacy.dpia_models import Dpia, DpiaStatus
from privacy.models import DeletionRecord
from privacy.notice_models import NoticeVersion
from privacy.notices import controller_details
from privacy.selectors import (
    cameras_without_covering_sign,
    sign_inspections_overdue,
    signs_stale,
)
from privacy.services.notices import policy_current_summary
from vms.permissions import Perm, users_with_permission

RED, AMBER, GREEN = "red", "amber", "green"


@dataclass
class Check:
    rag: str
    evidence: list[tuple[str, str]] = field(default_factory=list)  # (text, url)
    gaps: list[str] = field(default_factory=list)


@dataclass
class Item:
    number: str
    title: str
    check: Check


def _purpose(user) -> Check:
    cameras = list(Camera.objects.restrict(user, "view").filter(enabled=True))
    missing = [
        c.name
        for c in cameras
        if c.lawful_basis == "legitimate_interests" and not c.lawful_basis_note.strip()
    ]
    check = Check(
        GREEN,
        [
            (
                f"{len(cameras)} cameras, each with a specific purpose and a lawful basis",
                reverse("cameras:camera-list"),
            )
        ],
    )
    if missing:
        check.rag = AMBER
        check.gaps.append(f"No balancing test recorded for: {', '.join(missing)}")
    return check


def _dpias(user) -> Check:
    today = timezone.localdate()
    soon = today + datetime.timedelta(days=30)
    approved = Dpia.objects.restrict(user, "view").filter(status=DpiaStatus.APPROVED)
    recognising = Camera.objects.restrict(user, "view").filter(enabled=True).filter(
        face_recognition_enabled=True
    ) | Camera.objects.restrict(user, "view").filter(enabled=True, plate_recognition_enabled=True)
    check = Check(GREEN, [(f"{approved.count()} approved DPIAs", "")])
    overdue = approved.filter(review_date__lt=today)
    due = approved.filter(review_date__gte=today, review_date__lte=soon)
    if overdue.exists():
        check.rag = RED
        check.gaps.append(f"DPIAs past review: {', '.join(d.title for d in overdue)}")
    elif due.exists():
        check.rag = AMBER
        check.gaps.append(f"DPIAs due for review within 30 days: {', '.join(d.title for d in due)}")
    if recognising.exists():
        check.evidence.append(
            (f"Recognition runs on {recognising.count()} cameras, each under a DPIA in force", "")
        )
    return check


def _transparency(user) -> Check:
    uncovered = list(cameras_without_covering_sign(user=user))
    stale = list(signs_stale(user=user))
    overdue = sign_inspections_overdue(user=user)
    sites = {c.site_id for c in Camera.objects.restrict(user, "view").filter(enabled=True)}
    noticed = set(NoticeVersion.objects.filter(site_id__in=sites).values_list("site_id", flat=True))
    check = Check(
        GREEN, [(f"Public notices published for {len(noticed)} of {len(sites)} sites", "")]
    )
    contact = controller_details()
    if not (contact["contact"] or contact["dpo_contact"]):
        check.gaps.append(
            "No published contact point: set PRIVACY_CONTROLLER_CONTACT / PRIVACY_DPO_CONTACT"
        )
    if uncovered:
        check.gaps.append(
            f"{len(uncovered)} cameras without a current sign: {', '.join(c.name for c in uncovered[:10])}"
        )
    if stale:
        check.gaps.append(f"{len(stale)} stale signs awaiting a re-print")
    if overdue:
        check.gaps.append(f"{len(overdue)} signs overdue for inspection")
    if sites - noticed:
        check.gaps.append("Sites with cameras but no published notice")
    if uncovered or sites - noticed:
        check.rag = RED
    elif check.gaps:
        check.rag = AMBER
    check.evidence.append(("Signage register", reverse("privacy:sign-list")))
    return check


def _accountability(user) -> Check:
    dpos = users_with_permission(Perm.DECIDE_DPIA).count()
    check = Check(
        GREEN if dpos else RED, [(f"{dpos} data protection officers hold the DPO role", "")]
    )
    if not dpos:
        check.gaps.append("No one holds the DPO role")
    return check


def _policy(user) -> Check:
    policy = policy_current_summary()
    if policy is None:
        return Check(RED, [], ["No privacy policy is published and in effect"])
    return Check(
        GREEN,
        [
            (
                f"Privacy policy version {policy['number']}, effective {policy['effective']}",
                reverse("privacy:policy"),
            )
        ],
    )


def _retention(user) -> Check:
    cameras = list(Camera.objects.restrict(user, "view").filter(enabled=True))
    waiting = [c.name for c in cameras if c.retention_awaiting_approval]
    longest = max((c.effective_retention_hours for c in cameras), default=0)
    check = Check(
        GREEN,
        [
            (
                f"Longest retention in effect: {longest} hours; longer than 72 h only with DPO approval",
                "",
            )
        ],
    )
    last = DeletionRecord.objects.order_by("-pk").first()
    if last is not None:
        check.evidence.append(
            ("Deletion records of the retention purge", reverse("privacy:deletion-list"))
        )
    if waiting:
        check.rag = AMBER
        check.gaps.append(f"Longer retention awaiting DPO decision: {', '.join(waiting)}")
    return check


def _access(user) -> Check:
    return Check(
        GREEN,
        [
            (
                "Role- and site-scoped access; two-factor for DPO and Admin; un-masking needs a second person",
                "",
            )
        ],
    )


def _standards(user) -> Check:
    return Check(
        AMBER,
        [],
        [
            "Record which operational and technical standards the system follows (not derivable from configuration)"
        ],
    )


def _security(user) -> Check:
    return Check(
        GREEN, [("Video encrypted at rest per camera and day; anonymised before display", "")]
    )


def _review(user) -> Check:
    since = timezone.now() - datetime.timedelta(days=31)
    verified = AccessEvent.objects.filter(
        kind=AccessKind.AUDIT_VERIFY, occurred_at__gte=since
    ).exists()
    if verified:
        return Check(GREEN, [("Audit trail verified within the last month", "")])
    return Check(AMBER, [], ["Verify the audit trail and publish a review at least monthly"])


def _effectiveness(user) -> Check:
    cameras = Camera.objects.restrict(user, "view").filter(enabled=True)
    offline = [c.name for c in cameras if c.status in (CameraStatus.OFFLINE, CameraStatus.ERROR)]
    check = Check(GREEN, [(f"{cameras.count()} cameras in use", "")])
    if offline:
        check.rag = AMBER
        check.gaps.append(f"Cameras offline or failing: {', '.join(offline[:10])}")
    return check


def _reference_data(user) -> Check:
    recognising = Camera.objects.restrict(user, "view").filter(
        enabled=True, face_recognition_enabled=True
    )
    if not recognising.exists():
        return Check(GREEN, [("No camera matches faces against a reference database", "")])
    return Check(AMBER, [], ["Review the accuracy and sources of the face reference list"])


SURVEILLANCE_CODE = [
    ("1", "Specified purpose, legitimate aim, pressing need", _purpose),
    ("2", "Effect on privacy considered, use regularly reviewed", _dpias),
    ("3", "Transparency and a published contact point", _transparency),
    ("4", "Clear responsibility and accountability", _accountability),
    ("5", "Clear rules, policies and procedures", _policy),
    ("6", "No more stored than required, deleted when done", _retention),
    ("7", "Access restricted, with clear rules", _access),
    ("8", "Approved standards followed", _standards),
    ("9", "Appropriate security measures", _security),
    ("10", "Review and audit mechanisms, published reports", _review),
    ("11", "Effective use with evidential value", _effectiveness),
    ("12", "Reference databases accurate and up to date", _reference_data),
]
ICO_CHECKLIST = [
    ("ICO 1", "There is a named person responsible for the system", _accountability),
    ("ICO 2", "The purpose and lawful basis are recorded, with a DPIA where needed", _purpose),
    ("ICO 3", "People are told: signs, contact details, a notice", _transparency),
    ("ICO 4", "Recordings are kept only as long as needed", _retention),
    ("ICO 5", "Access and disclosure follow documented rules", _access),
    ("ICO 6", "Images are secure", _security),
    ("ICO 7", "The system and its DPIA are reviewed regularly", _dpias),
    ("ICO 8", "A privacy policy is published", _policy),
]


def self_assessment(*, user, checklist=SURVEILLANCE_CODE) -> list[Item]:
    """The checklist judged on the live configuration, as the user may see it."""
    return [Item(number, title, check(user)) for number, title, check in checklist]
