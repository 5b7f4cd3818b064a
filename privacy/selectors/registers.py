"""Reads for the DPO's pages and dashboard tiles: subject-access requests and the registers.

Every queryset goes through the gate; the dashboard tiles (wired by the compliance app's tile
registry) call the ``*_for_dashboard`` selectors with the viewing user.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from privacy.models import Breach, SubjectAccessRequest, Transfer
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


@dataclass(frozen=True)
class BreachClock:
    """A dashboard row: a breach the authority is still to be told of, and its 72 hours."""

    id: int
    title: str
    notify_by: str
    hours_remaining: float
    overdue: bool
    url: str


def breaches_for_dashboard(*, user) -> list[BreachClock]:
    """Breaches awaiting notification (or a decision), most urgent first."""
    breaches = (
        Breach.objects.restrict(user, "view")
        .filter(authority_notified_at__isnull=True)
        .exclude(notify_authority=False)
        .order_by("discovered_at")
    )
    return [
        BreachClock(
            id=breach.pk,
            title=breach.title,
            notify_by=breach.notify_by.isoformat(),
            hours_remaining=breach.hours_remaining,
            overdue=breach.overdue,
            url=breach.get_absolute_url(),
        )
        for breach in breaches
    ]


def transfers_without_valid_mechanism(*, user) -> list:
    """Transfers ``user`` may see that are flagged (no valid mechanism, review passed)."""
    transfers = Transfer.objects.restrict(user, "view").select_related("site", "vendor")
    return [transfer for transfer in transfers if transfer.problems()]


def register_reviews_due(*, user, within_days: int = 30) -> list[tuple[str, object, object]]:
    """Register entries whose review (or expiry) date is passed or within ``within_days``:
    ``(register slug, entry, date)``, soonest first."""
    from privacy.registers import REGISTERS

    horizon = timezone.localdate() + timedelta(days=within_days)
    due = []
    for slug, entry in REGISTERS.items():
        for name in ("review_date", "expires_on", "valid_until"):
            if name not in entry.fields:
                continue
            rows = entry.model.objects.restrict(user, "view").filter(**{f"{name}__lte": horizon})
            due.extend((slug, row, getattr(row, name)) for row in rows)
    return sorted(due, key=lambda item: item[2])


def transfers_for_site(*, site_id: int):
    """A site's transfers as its public notice lists them (recipient, country, mechanism):
    no gate — the notice is public, and says only what the law requires it to say."""
    return Transfer.objects.filter(site_id=site_id).select_related("vendor")
