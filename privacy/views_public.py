"""The public transparency pages: a site's second-layer privacy notice and the privacy
policy, current and every published version. No log-in, no script, one small stylesheet,
rendered from the published record alone (a couple of indexed queries)."""

from __future__ import annotations

from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.http import require_safe

from privacy.selectors import (
    notice_history_public,
    notice_latest_number,
    notice_version_public,
    policy_history_public,
    policy_version_public,
)

NOTICE_CACHE_SECONDS = 24 * 3600


def _notice(request, site_id: int, number: int | None):
    # Published versions never change: the rendered page is cached per version and per
    # latest version (the history list and the "earlier version" banner depend on it), so
    # a request costs one indexed query once warm.
    latest = notice_latest_number(site_id=site_id)
    if latest is None or (number is not None and not 1 <= number <= latest):
        raise Http404("No privacy notice is published for this site.")
    key = f"privacy:notice:{site_id}:{number or latest}:{latest}"
    html = cache.get(key)
    if html is None:
        version = notice_version_public(site_id=site_id, number=number or latest)
        html = render_to_string(
            "privacy/public/notice.html",
            {
                "version": version,
                "notice": version.content,
                "history": notice_history_public(site_id=site_id),
                "is_latest": version.number == latest,
            },
        )
        cache.set(key, html, NOTICE_CACHE_SECONDS)
    return HttpResponse(html)


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
