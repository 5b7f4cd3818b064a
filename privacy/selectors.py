"""Reads for the DPO's pages and dashboard tiles: subject-access requests and the registers.

Every queryset goes through the gate; the dashboard tiles (wired by the compliance app's tile
registry) call the ``*_for_dashboard`` selectors with the viewing user.
"""

from __future__ import annotations

from dataclasses import dataclass

from privacy.models import SubjectAccessRequest
from privacy.models.requests import CLOSED_STATUSES, OPEN_STATUSES


def subject_requests_visible(*, user, state: str = "open"):
    """Requests ``user`` may see: ``open`` (default), ``closed`` or ``all``."""
    requests = SubjectAccessRequest.objects.restrict(user, "view").select_related(
        "site", "legal_hold", "verified_by"
    )
    if state == "open":
        requests = requests.filter(status__in=OPEN_STATUSES)
    elif state == "closed":
        requests = requests.filter(status__in=CLOSED_STATUSES)
    return requests.prefetch_related("cameras")


@dataclass(frozen=True)
class OpenRequest:
    """A dashboard row: an open request and its clock."""

    id: int
    reference: str
    kind: str
    site: str
    due: str
    days_remaining: int
    overdue: bool
    acknowledgement_overdue: bool
    url: str


def subject_requests_for_dashboard(*, user) -> list[OpenRequest]:
    """Open requests, most urgent first, with days remaining (negative: overdue)."""
    rows = [
        OpenRequest(
            id=item.pk,
            reference=item.reference,
            kind=item.kind,
            site=item.site.name,
            due=item.clock.due.isoformat(),
            days_remaining=item.days_remaining,
            overdue=item.overdue,
            acknowledgement_overdue=item.acknowledgement_overdue,
            url=item.get_absolute_url(),
        )
        for item in subject_requests_visible(user=user, state="open")
    ]
    return sorted(rows, key=lambda row: row.days_remaining)
