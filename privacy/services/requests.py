"""Subject-access requests: intake (staff or the public), identity verification, extension,
closing — each audited in its transaction.

Logging a request places a legal hold on the cameras and time window it names, so retention
cannot delete the footage while the request is open; closing it releases the hold. The public
form has no actor: the hold it places has no ``created_by``, the events no actor.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from cameras.models import Site
from compliance.models import AccessKind
from compliance.services import access_event_record
from privacy.clocks import extension_limit, jurisdiction_for
from privacy.models import LegalHold, RequestKind, RequestStatus, SubjectAccessRequest
from privacy.models.requests import CLOSED_STATUSES
from vms.permissions import require_model_permission

MAX_WINDOW = timedelta(days=31)
MAX_AGE = timedelta(days=366)
HOLD_MARGIN = timedelta(days=30)
PHOTO_MAX_BYTES = 5 * 1024 * 1024
PHOTO_TYPES = {b"\xff\xd8\xff": "jpeg", b"\x89PNG\r\n\x1a\n": "png", b"RIFF": "webp"}


def _clean_photo(photo, errors: dict) -> None:
    if not photo:
        return
    if photo.size > PHOTO_MAX_BYTES:
        errors["photo"] = "The photo is too large: at most 5 MB."
        return
    head = photo.read(12)
    photo.seek(0)
    if not any(head.startswith(magic) for magic in PHOTO_TYPES):
        errors["photo"] = "The photo must be a JPEG, PNG or WebP image."


@transaction.atomic
def subject_request_receive(
    *,
    actor=None,
    site_id: int,
    kind: str,
    requester_name: str,
    requester_contact: str,
    window_start: datetime,
    window_end: datetime,
    description: str = "",
    photo=None,
    camera_ids: list[int] | None = None,
    received_at: datetime | None = None,
    request=None,
) -> SubjectAccessRequest:
    """Log a request and hold the footage it names (the site's cameras, or those named).

    ``actor`` None: the public form (any site by id; the caller limits the rate)."""
    if actor is not None:
        require_model_permission(actor, SubjectAccessRequest, "add")
        sites = Site.objects.restrict(actor, "view")
    else:
        sites = Site.objects.all()
    site = sites.filter(pk=site_id).first()
    if site is None:
        raise Http404("No such site.")
    now = timezone.now()
    received_at = received_at or now
    errors: dict[str, str] = {}
    if kind not in RequestKind.values:
        errors["kind"] = "Choose access, erasure or objection."
    if not (requester_name or "").strip():
        errors["requester_name"] = "Give the requester's name."
    if not (requester_contact or "").strip():
        errors["requester_contact"] = "Give a way to reach the requester (e-mail, phone, address)."
    if window_end <= window_start:
        errors["window_end"] = "The end of the time window must be after its start."
    elif window_start >= now:
        errors["window_start"] = "The time window must start in the past."
    elif window_end - window_start > MAX_WINDOW:
        errors["window_end"] = "Name a window of at most 31 days; file another for more."
    elif window_start < now - MAX_AGE:
        errors["window_start"] = "Footage older than a year is not kept: name a later window."
    if received_at > now:
        errors["received_at"] = "A request cannot be received in the future."
    _clean_photo(photo, errors)
    cameras = list(site.cameras.all())
    if camera_ids:
        wanted = set(camera_ids)
        cameras = [camera for camera in cameras if camera.pk in wanted]
        if len(cameras) != len(wanted):
            errors["cameras"] = "Choose cameras of the request's site."
    if errors:
        raise ValidationError(errors)
    subject_request = SubjectAccessRequest(
        kind=kind,
        requester_name=requester_name.strip()[:200],
        requester_contact=requester_contact.strip()[:300],
        site=site,
        window_start=window_start,
        window_end=window_end,
        description=(description or "").strip(),
        received_at=received_at,
        received_via="staff" if actor is not None else "public",
        jurisdiction=jurisdiction_for(str(site.country), site.region),
        created_by=actor,
    )
    if photo:
        subject_request.photo.save("photo", photo, save=False)
    subject_request.save()
    subject_request.cameras.set(cameras)
    if cameras:
        subject_request.legal_hold = _hold_place(subject_request, cameras, now, request)
        subject_request.save(update_fields=["legal_hold"])
    access_event_record(
        kind=AccessKind.SUBJECT_REQUEST_RECEIVE,
        actor=actor,
        actor_username="" if actor else "(public form)",
        target=subject_request,
        data={
            "reference": subject_request.reference,
            "kind": kind,
            "via": subject_request.received_via,
            "cameras": [camera.pk for camera in cameras],
            "jurisdiction": subject_request.jurisdiction,
            "answer_by": subject_request.clock.due.isoformat(),
        },
        request=request,
    )
    return subject_request


def _end_of_day(subject_request: SubjectAccessRequest, day) -> datetime:
    zone = ZoneInfo(subject_request.site.time_zone or "UTC")
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)


def _hold_place(subject_request, cameras, now, request) -> LegalHold:
    """The request's hold: its window (up to now) until the latest the law lets the answer
    wait, plus a margin; released when the request closes."""
    hold = LegalHold.objects.create(
        starts_at=subject_request.window_start,
        ends_at=max(
            min(subject_request.window_end, now),
            subject_request.window_start + timedelta(seconds=1),
        ),
        reason=f"Subject-access request {subject_request.reference}: keep the requester's "
        "footage until the request is answered.",
        reference=subject_request.reference,
        expires_at=_end_of_day(subject_request, subject_request.clock.max_answer_by) + HOLD_MARGIN,
        created_by=subject_request.created_by,
    )
    hold.cameras.set(cameras)
    access_event_record(
        kind=AccessKind.LEGAL_HOLD_PLACE,
        actor=subject_request.created_by,
        actor_username="" if subject_request.created_by else "(public form)",
        target=hold,
        reason=hold.reason,
        data={
            "cameras": [camera.pk for camera in cameras],
            "starts_at": hold.starts_at.isoformat(),
            "ends_at": hold.ends_at.isoformat(),
            "expires_at": hold.expires_at.isoformat(),
            "reference": hold.reference,
        },
        request=request,
    )
    return hold


def _locked(actor, request_id: int) -> SubjectAccessRequest:
    require_model_permission(actor, SubjectAccessRequest, "change")
    if not SubjectAccessRequest.objects.restrict(actor, "change").filter(pk=request_id).exists():
        raise Http404("No such subject-access request.")
    subject_request = (
        SubjectAccessRequest.objects.select_for_update().select_related("site").get(pk=request_id)
    )
    if subject_request.status in CLOSED_STATUSES:
        raise ValidationError("This request is closed.")
    return subject_request


def _record(actor, subject_request, step: str, request, reason: str = "", **data) -> None:
    access_event_record(
        kind=AccessKind.SUBJECT_REQUEST_UPDATE,
        actor=actor,
        target=subject_request,
        reason=reason,
        data={"step": step, "status": subject_request.status, **data},
        request=request,
    )


@transaction.atomic
def subject_request_verify(
    *, actor, request_id: int, method: str, request=None
) -> SubjectAccessRequest:
    """Record that the requester's identity was checked: by whom, how, when."""
    subject_request = _locked(actor, request_id)
    if subject_request.verified_at is not None:
        raise ValidationError("The requester's identity was already verified.")
    if not (method or "").strip():
        raise ValidationError({"method": "Say how the identity was verified."})
    subject_request.verified_by = actor
    subject_request.verified_at = timezone.now()
    subject_request.verification_method = method.strip()[:300]
    if subject_request.status == RequestStatus.RECEIVED:
        subject_request.status = RequestStatus.VERIFIED
    subject_request.save()
    _record(actor, subject_request, "verify", request, method=subject_request.verification_method)
    return subject_request


@transaction.atomic
def subject_request_acknowledge(*, actor, request_id: int, request=None) -> SubjectAccessRequest:
    """Record that receipt was confirmed to the requester (CCPA: within 10 business days)."""
    subject_request = _locked(actor, request_id)
    if subject_request.acknowledged_at is not None:
        raise ValidationError("Receipt was already acknowledged.")
    subject_request.acknowledged_at = timezone.now()
    subject_request.save(update_fields=["acknowledged_at"])
    _record(actor, subject_request, "acknowledge", request)
    return subject_request


@transaction.atomic
def subject_request_start(*, actor, request_id: int, request=None) -> SubjectAccessRequest:
    """Begin the search for the footage; only once the identity is verified."""
    subject_request = _locked(actor, request_id)
    if subject_request.verified_at is None:
        raise ValidationError("Verify the requester's identity first.")
    if subject_request.status == RequestStatus.IN_PROGRESS:
        raise ValidationError("The request is already in progress.")
    subject_request.status = RequestStatus.IN_PROGRESS
    subject_request.save(update_fields=["status"])
    _record(actor, subject_request, "start", request)
    return subject_request


@transaction.atomic
def subject_request_extend(
    *, actor, request_id: int, extension: int, reason: str, request=None
) -> SubjectAccessRequest:
    """Extend the deadline (GDPR: up to 2 months; CCPA: up to 45 days) — only with a reasoned
    notice to the requester, sent now and within the original period."""
    subject_request = _locked(actor, request_id)
    limit = extension_limit(subject_request.jurisdiction)
    unit = "days" if subject_request.jurisdiction == "ccpa" else "months"
    errors = {}
    if subject_request.extension:
        errors["extension"] = "The deadline was already extended; it can be extended once."
    elif not 1 <= extension <= limit:
        errors["extension"] = f"Extend by 1 to {limit} {unit}."
    if not (reason or "").strip():
        errors["reason"] = "Give the reasons: they go to the requester with the notice."
    if subject_request.today() > subject_request.clock.extend_notice_by:
        errors["__all__"] = (
            "Too late: an extension must be notified within the first period "
            f"(by {subject_request.clock.extend_notice_by:%Y-%m-%d})."
        )
    if errors:
        raise ValidationError(errors)
    subject_request.extension = extension
    subject_request.extension_reason = reason.strip()
    subject_request.extension_notified_at = timezone.now()
    subject_request.save(update_fields=["extension", "extension_reason", "extension_notified_at"])
    hold = subject_request.legal_hold
    if hold is not None:
        hold.expires_at = max(
            hold.expires_at,
            _end_of_day(subject_request, subject_request.clock.due) + HOLD_MARGIN,
        )
        hold.save(update_fields=["expires_at"])
    _record(
        actor,
        subject_request,
        "extend",
        request,
        reason=subject_request.extension_reason,
        extension=extension,
        unit=unit,
        due=subject_request.clock.due.isoformat(),
    )
    return subject_request


@transaction.atomic
def subject_request_close(
    *, actor, request_id: int, status: str, outcome: str, request=None
) -> SubjectAccessRequest:
    """Answer, refuse or record the withdrawal of a request; its legal hold is released."""
    subject_request = _locked(actor, request_id)
    if status not in CLOSED_STATUSES:
        raise ValidationError({"status": "Close as answered, refused or withdrawn."})
    if not (outcome or "").strip():
        raise ValidationError({"outcome": "Say what was answered, or why it was refused."})
    if status == RequestStatus.ANSWERED and subject_request.verified_at is None:
        raise ValidationError("Verify the requester's identity before answering.")
    now = timezone.now()
    subject_request.status = status
    subject_request.outcome = outcome.strip()
    subject_request.closed_at = now
    subject_request.closed_by = actor
    subject_request.save(update_fields=["status", "outcome", "closed_at", "closed_by"])
    hold = subject_request.legal_hold
    if hold is not None and hold.released_at is None:
        hold.released_at = now
        hold.released_by = actor
        hold.release_note = f"Subject-access request {subject_request.reference} closed."
        hold.save(update_fields=["released_at", "released_by", "release_note"])
        access_event_record(
            kind=AccessKind.LEGAL_HOLD_RELEASE,
            actor=actor,
            target=hold,
            reason=hold.release_note,
            request=request,
        )
    _record(actor, subject_request, "close", request, reason=subject_request.outcome)
    return subject_request


def subject_request_photo_open(*, actor, request_id: int, request=None):
    """The requester's photo, for the DPO finding them in the footage; audited."""
    subject_request = (
        SubjectAccessRequest.objects.restrict(actor, "view").filter(pk=request_id).first()
    )
    if subject_request is None or not subject_request.photo:
        raise Http404("No such photo.")
    with transaction.atomic():
        access_event_record(
            kind=AccessKind.SUBJECT_REQUEST_PHOTO,
            actor=actor,
            target=subject_request,
            request=request,
        )
    return subject_request.photo.open("rb")
