"""Reads of the privacy app's transparency records."""

from __future__ import annotations

from django.http import Http404
from django.utils import timezone

from privacy.notice_models import NoticeVersion, PolicyStatus, PolicyVersion


def notice_version_public(*, site_id: int, number: int | None = None) -> NoticeVersion:
    """A published notice version (the latest when ``number`` is None), for anyone: a notice
    is public by law and holds only what the site's signs point people to. 404 if none."""
    versions = NoticeVersion.objects.filter(site_id=site_id).select_related("site")
    version = (
        versions.order_by("-number").first()
        if number is None
        else versions.filter(number=number).first()
    )
    if version is None:
        raise Http404("No privacy notice is published for this site.")
    return version


def notice_latest_number(*, site_id: int) -> int | None:
    """The number of the site's current notice version, or None before the first."""
    return (
        NoticeVersion.objects.filter(site_id=site_id)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )


def notice_history_public(*, site_id: int) -> list[dict]:
    """Every published version of the site's notice, newest first (number, date, cause)."""
    return list(
        NoticeVersion.objects.filter(site_id=site_id)
        .order_by("-number")
        .values("number", "published_at", "cause")
    )


def policy_version_public(*, number: int | None = None) -> PolicyVersion:
    """A published policy version (the one in effect today when ``number`` is None)."""
    published = PolicyVersion.objects.filter(status=PolicyStatus.PUBLISHED)
    if number is None:
        policy = (
            published.filter(effective_date__lte=timezone.localdate()).order_by("-number").first()
        )
    else:
        policy = published.filter(number=number).first()
    if policy is None:
        raise Http404("No such privacy policy version.")
    return policy


def policy_history_public() -> list[dict]:
    return list(
        PolicyVersion.objects.filter(status=PolicyStatus.PUBLISHED)
        .order_by("-number")
        .values("number", "effective_date", "published_at")
    )


# --- the signage register, for the DPO's desk -----------------------------------------------


def cameras_without_covering_sign(*, user):
    """Enabled cameras the user may see that no printed, up-to-date sign announces."""
    from cameras.models import Camera
    from privacy.sign_models import Sign

    covered = Sign.objects.filter(stale=False, printed_at__isnull=False).values("cameras")
    return (
        Camera.objects.restrict(user, "view")
        .filter(enabled=True)
        .exclude(pk__in=covered)
        .select_related("site")
    )


def signs_stale(*, user):
    """Signs that say something no longer true (or failed inspection), until re-printed."""
    from privacy.sign_models import Sign

    return Sign.objects.restrict(user, "view").filter(stale=True).select_related("site")


def sign_inspections_overdue(*, user, today=None) -> list:
    """Signs whose next inspection is past due, each with ``next_due`` set, oldest first."""
    from privacy.sign_models import Sign, next_inspection_due

    today = today or timezone.localdate()
    overdue = []
    for sign in (
        Sign.objects.restrict(user, "view").select_related("site").prefetch_related("inspections")
    ):
        inspections = list(sign.inspections.all())  # newest first (Meta.ordering)
        sign.next_due = next_inspection_due(sign, inspections[0] if inspections else None)
        if sign.next_due < today:
            overdue.append(sign)
    return sorted(overdue, key=lambda sign: sign.next_due)


def dpias_due_for_review(*, user, within_days: int = 30):
    """Approved DPIAs whose review date is past or within ``within_days``, soonest first."""
    import datetime

    from privacy.dpia_models import Dpia, DpiaStatus

    horizon = timezone.localdate() + datetime.timedelta(days=within_days)
    return (
        Dpia.objects.restrict(user, "view")
        .filter(status=DpiaStatus.APPROVED, review_date__lte=horizon)
        .order_by("review_date")
    )
