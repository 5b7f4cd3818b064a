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
