"""The public transparency pages: a site's second-layer privacy notice and the privacy
policy, current and every published version. No log-in, no script, one small stylesheet,
rendered from the published record alone (a couple of indexed queries)."""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_safe

from privacy.selectors import (
    notice_history_public,
    notice_version_public,
    policy_history_public,
    policy_version_public,
)


def _notice(request, site_id: int, number: int | None):
    version = notice_version_public(site_id=site_id, number=number)
    history = notice_history_public(site_id=site_id)
    return render(
        request,
        "privacy/public/notice.html",
        {
            "version": version,
            "notice": version.content,
            "history": history,
            "is_latest": history[0]["number"] == version.number,
        },
    )


@require_safe
def notice_current(request, site_id: int):
    """The notice a site's signs point to: always the latest version (a stable URL)."""
    return _notice(request, site_id, None)


@require_safe
def notice_version(request, site_id: int, number: int):
    """One published version, forever at its own URL."""
    return _notice(request, site_id, number)


def _policy(request, number: int | None):
    policy = policy_version_public(number=number)
    return render(
        request,
        "privacy/public/policy.html",
        {"policy": policy, "history": policy_history_public()},
    )


@require_safe
def policy_current(request):
    return _policy(request, None)


@require_safe
def policy_version(request, number: int):
    return _policy(request, number)
