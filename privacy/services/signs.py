"""Writes of the signage register, and the rule it enforces: a camera's analytics (live
detection and recording) run only while an up-to-date sign announces it — or, where the
site says "warn", run with the gap flagged.

The hold is kept on the camera (``Camera.analytics_hold``), which every place that picks
cameras for the analytics engine filters on; saving it sends the engine the usual
configuration event, so a worker stops or starts the camera within seconds.
"""

from __future__ import annotations

import datetime
import tempfile
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone

from cameras.models import Camera, SignageEnforcement, Site
from compliance.models import AccessKind
from compliance.services import access_event_record
from privacy.notice_models import NoticeVersion
from privacy.notices import notice_required
from privacy.sign_models import FAILED_CONDITIONS, Sign, SignInspection
from vms.permissions import get_restricted_or_404, require_model_permission

SIGN_FIELDS = ("location", "plan_x", "plan_y", "installed_on", "inspection_interval_days")
NO_SIGN = "No sign announces this camera: register one, or record its print."
STALE_SIGN = "The signs announcing this camera are out of date: record a re-print."


def signage_blocks(site: Site) -> bool:
    """Whether a missing or stale sign stops analytics at ``site`` (else it only warns)."""
    if site.signage_enforcement == SignageEnforcement.BLOCK:
        return True
    if site.signage_enforcement == SignageEnforcement.WARN:
        return False
    return notice_required(site)


def camera_signage_gap(camera: Camera) -> str:
    """Why no current sign announces ``camera`` ("" when one does)."""
    signs = list(camera.signs.all())
    if any(sign.printed_at and not sign.stale for sign in signs):
        return ""
    return STALE_SIGN if any(sign.printed_at for sign in signs) else NO_SIGN


def camera_analytics_holds_refresh(*, site_id: int) -> list[int]:
    """Set or clear the signage hold of every camera of the site; the ids that changed."""
    site = Site.objects.get(pk=site_id)
    blocks = signage_blocks(site)
    changed = []
    for camera in Camera.objects.filter(site_id=site_id).prefetch_related("signs"):
        hold = camera_signage_gap(camera) if blocks else ""
        if hold != camera.analytics_hold:
            camera.analytics_hold = hold
            camera.save(update_fields=["analytics_hold", "updated_at"])
            changed.append(camera.pk)
    return changed


def _anonymised_photo(upload) -> File:
    """The uploaded photo with faces and plates blurred: a sign's photo shows passers-by."""
    from privacy.services.media import MediaAnonymizationError, media_file_anonymize

    suffix = Path(getattr(upload, "name", "photo.jpg")).suffix.lower() or ".jpg"
    if suffix not in (".jpg", ".jpeg", ".png"):
        raise ValidationError({"photo": "Upload the photo as a JPEG or PNG image."})
    work = Path(tempfile.mkdtemp(prefix="veil-sign-"))
    source, output = work / f"upload{suffix}", work / f"photo{suffix}"
    with source.open("wb") as handle:
        for chunk in upload.chunks() if hasattr(upload, "chunks") else [upload.read()]:
            handle.write(chunk)
    try:
        media_file_anonymize(input_path=source, output_path=output)
    except MediaAnonymizationError as error:
        raise ValidationError({"photo": f"The photo could not be read: {error}"}) from error
    finally:
        source.unlink(missing_ok=True)
    return File(output.open("rb"), name=f"sign{suffix}")


def _current_notice(site_id: int) -> NoticeVersion | None:
    return NoticeVersion.objects.filter(site_id=site_id).order_by("-number").first()


def _set_cameras(sign: Sign, actor, cameras) -> None:
    allowed = Camera.objects.restrict(actor, "view").filter(pk__in=[c.pk for c in cameras])
    if len(set(allowed.values_list("pk", flat=True))) != len({c.pk for c in cameras}):
        raise ValidationError({"cameras": "Choose cameras you may see."})
    if any(camera.site_id != sign.site_id for camera in cameras):
        raise ValidationError({"cameras": "A sign announces cameras of its own site only."})
    sign.cameras.set(cameras)


@transaction.atomic
def sign_register(*, actor, site: Site, cameras, photo=None, **fields) -> Sign:
    """Register a sign as installed, printed from the current notice (Admin)."""
    require_model_permission(actor, Sign, "add")
    site = get_restricted_or_404(Site.objects.all(), actor, "view", pk=site.pk)
    sign = Sign(site=site, **{k: v for k, v in fields.items() if k in SIGN_FIELDS})
    if photo:
        sign.photo = _anonymised_photo(photo)
    notice = _current_notice(site.pk)
    if notice is not None:
        sign.printed, sign.printed_version = notice.printed, notice.number
        sign.printed_at = timezone.now()
    sign.full_clean()
    sign.save()
    _set_cameras(sign, actor, list(cameras))
    camera_analytics_holds_refresh(site_id=site.pk)
    return sign


@transaction.atomic
def sign_update(*, actor, sign: Sign, cameras=None, photo=None, **fields) -> Sign:
    """Change where a sign is, which cameras it announces, its photo or schedule."""
    sign = get_restricted_or_404(Sign.objects.select_for_update(), actor, "change", pk=sign.pk)
    for name, value in fields.items():
        if name in SIGN_FIELDS:
            setattr(sign, name, value)
    if photo:
        sign.photo = _anonymised_photo(photo)
    sign.full_clean()
    sign.save()
    if cameras is not None:
        _set_cameras(sign, actor, list(cameras))
    camera_analytics_holds_refresh(site_id=sign.site_id)
    return sign


@transaction.atomic
def sign_print_record(*, actor, sign_id: int, request=None) -> Sign:
    """Record that the sign was re-printed from the current notice and put up again: it is
    no longer stale, and its cameras may run analytics again."""
    sign = get_restricted_or_404(Sign.objects.select_for_update(), actor, "change", pk=sign_id)
    notice = _current_notice(sign.site_id)
    if notice is None:
        raise ValidationError("This site has no published notice to print yet.")
    sign.printed, sign.printed_version = notice.printed, notice.number
    sign.printed_at, sign.stale, sign.stale_reason = timezone.now(), False, ""
    sign.save()
    access_event_record(
        kind=AccessKind.RECORD_PUBLISH,
        actor=actor,
        target=sign,
        data={"record": "sign_print", "notice_version": notice.number},
        request=request,
    )
    camera_analytics_holds_refresh(site_id=sign.site_id)
    return sign


@transaction.atomic
def sign_inspection_record(
    *,
    actor,
    sign_id: int,
    condition: str,
    inspected_on: datetime.date | None = None,
    next_due: datetime.date | None = None,
    notes: str = "",
    photo=None,
) -> SignInspection:
    """Record an inspection of a sign in place. A missing or illegible sign counts as no
    sign until it is re-printed."""
    require_model_permission(actor, SignInspection, "add")
    sign = get_restricted_or_404(Sign.objects.select_for_update(), actor, "change", pk=sign_id)
    inspected_on = inspected_on or timezone.localdate()
    if inspected_on > timezone.localdate():
        raise ValidationError({"inspected_on": "An inspection cannot be in the future."})
    next_due = next_due or inspected_on + datetime.timedelta(days=sign.inspection_interval_days)
    if next_due <= inspected_on:
        raise ValidationError({"next_due": "The next inspection must come after this one."})
    inspection = SignInspection(
        sign=sign,
        inspector=actor,
        condition=condition,
        inspected_on=inspected_on,
        next_due=next_due,
        notes=notes,
    )
    if photo:
        inspection.photo = _anonymised_photo(photo)
    inspection.full_clean()
    inspection.save()
    if condition in FAILED_CONDITIONS:
        sign.stale = True
        sign.stale_reason = f"Inspection on {inspected_on}: {inspection.get_condition_display()}"
        sign.save(update_fields=["stale", "stale_reason", "updated_at"])
        camera_analytics_holds_refresh(site_id=sign.site_id)
    return inspection


def signs_mark_stale(*, version: NoticeVersion) -> list[int]:
    """After a notice version is published: every sign of the site whose print differs from
    what is now true goes stale (and its cameras are held where the site blocks)."""
    stale = []
    for sign in Sign.objects.filter(site_id=version.site_id, stale=False).exclude(printed={}):
        if sign.printed != version.printed:
            sign.stale = True
            sign.stale_reason = f"Notice version {version.number} changed what it prints"
            sign.save(update_fields=["stale", "stale_reason", "updated_at"])
            stale.append(sign.pk)
    camera_analytics_holds_refresh(site_id=version.site_id)
    return stale
