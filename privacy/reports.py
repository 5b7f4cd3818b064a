"""Privacy's part of the DPO's desk: un-masks (read from their access events: who asked,
who approved, why, what), deletions by retention with their evidence, legal holds; a
dashboard tile for un-masks."""

from __future__ import annotations

from django.db.models import Count, Q, Sum

from compliance.dashboard import Tile, TileLine, dashboard_tile_register
from compliance.models import AccessEvent, AccessKind
from compliance.reports import (
    Figure,
    ReportContext,
    ReportSection,
    SectionContent,
    Table,
    report_section_register,
)
from compliance.reports.queries import access_events, when
from compliance.tiles import _start, access_list_url, since_days
from privacy.models import DeletionRecord, LegalHold

UNMASK_KINDS = [
    AccessKind.UNMASK_REQUEST, AccessKind.UNMASK_APPROVE, AccessKind.UNMASK_REFUSE,
    AccessKind.UNMASK_REVOKE, AccessKind.UNMASK,
]  # fmt: skip
LABELS = dict(AccessKind.choices)


def unmasks(context: ReportContext) -> SectionContent:
    events = access_events(context, kinds=UNMASK_KINDS).order_by("occurred_at", "pk")
    counts = dict(events.values("kind").annotate(n=Count("pk")).order_by().values_list("kind", "n"))
    rows = [
        [when(e.occurred_at), LABELS.get(e.kind, e.kind), e.actor_username or "—",
         e.target_repr or "—", e.reason or "—",
         "; ".join(f"{k}: {v}" for k, v in (e.data or {}).items()
                   if k in ("requested_by", "approver", "approved_by", "scope", "camera",
                            "start", "end", "expires_at", "tracks"))]
        for e in events.iterator(chunk_size=2000)
    ]  # fmt: skip
    return SectionContent(
        figures=[Figure("Un-mask requests", counts.get(AccessKind.UNMASK_REQUEST, 0)),
                 Figure("Un-masks approved", counts.get(AccessKind.UNMASK_APPROVE, 0)),
                 Figure("Un-masks refused", counts.get(AccessKind.UNMASK_REFUSE, 0)),
                 Figure("Un-masked views", counts.get(AccessKind.UNMASK, 0))],
        tables=[Table(
            key="unmasks", title="Un-mask requests, approvals and uses",
            columns=["Time", "Step", "By", "What", "Reason", "Approver and scope"],
            rows=rows, widths=[1.3, 1.4, 1.1, 2, 2.2, 2.4],
        )],
    )  # fmt: skip


def deletions(context: ReportContext) -> SectionContent:
    records = DeletionRecord.objects.filter(
        finished_at__gte=context.period_start, finished_at__lt=context.period_end
    )
    if context.scope.camera_ids is not None:
        records = records.filter(camera_id__in=context.scope.camera_ids)
    totals = records.aggregate(items=Sum("items"), bytes=Sum("bytes"), held=Sum("held_back"))
    rows = [
        [when(r.finished_at), r.camera_label, r.job, r.kind, r.items, _size(r.bytes),
         f"{when(r.range_start)} – {when(r.range_end)}", len(r.keys_destroyed or []),
         r.held_back, str(r.run)]
        for r in records.order_by("finished_at", "pk").iterator(chunk_size=2000)
    ]  # fmt: skip
    holds = (
        LegalHold.objects.filter(
            Q(created_at__lt=context.period_end)
            & (Q(released_at__isnull=True) | Q(released_at__gte=context.period_start))
        )
        .prefetch_related("cameras")
        .select_related("created_by", "released_by")
    )
    if context.scope.camera_ids is not None:
        holds = holds.filter(cameras__in=context.scope.camera_ids).distinct()
    hold_rows = [
        [h.pk, ", ".join(c.name for c in h.cameras.all()), f"{when(h.starts_at)} – {when(h.ends_at)}",
         h.reason, h.reference, h.created_by.get_username(), when(h.created_at),
         when(h.released_at) if h.released_at else f"active, expires {when(h.expires_at)}"]
        for h in holds.order_by("created_at")
    ]  # fmt: skip
    return SectionContent(
        figures=[Figure("Items deleted by retention", totals["items"] or 0),
                 Figure("Data deleted", _size(totals["bytes"] or 0)),
                 Figure("Kept by legal holds", totals["held"] or 0),
                 Figure("Legal holds in force", len(hold_rows))],
        tables=[
            Table(key="retention_deletions", title="Deletions by retention, with their evidence",
                  columns=["Finished", "Camera", "Job", "What", "Items", "Size",
                           "Footage range", "Keys destroyed", "Held back", "Run"],
                  rows=rows, widths=[1.2, 1.3, 1.1, 1.1, 0.6, 0.7, 2.2, 0.7, 0.6, 1.6],
                  note="Each run is also an access event (retention purge); destroyed data keys "
                  "make the footage unrecoverable (crypto-erasure)."),
            Table(key="legal_holds", title="Legal holds in force during the period",
                  columns=["Hold", "Cameras", "Footage held", "Reason", "Reference",
                           "Placed by", "Placed", "Released"],
                  rows=hold_rows, widths=[0.5, 1.5, 2, 2, 1, 1, 1.2, 1.5]),
        ],
    )  # fmt: skip


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024:
            return f"{n:.0f} {unit}"
        n /= 1024
    return f"{n:.1f} TB"


def unmask_tile(user) -> Tile:
    events = AccessEvent.objects.restrict(user, "view").filter(
        occurred_at__gte=_start(), kind__in=UNMASK_KINDS
    )
    counts = {kind: events.filter(kind=kind).count() for kind in UNMASK_KINDS}
    decided = counts[AccessKind.UNMASK_APPROVE] + counts[AccessKind.UNMASK_REFUSE]
    waiting = max(counts[AccessKind.UNMASK_REQUEST] - decided, 0)
    start = since_days()
    return Tile(
        value=counts[AccessKind.UNMASK_APPROVE],
        url=access_list_url(kind=AccessKind.UNMASK_APPROVE, date_from=start),
        caption="un-masks approved, last 30 days",
        state="attention" if waiting else "ok",
        lines=[TileLine("Requested", counts[AccessKind.UNMASK_REQUEST],
                        access_list_url(kind=AccessKind.UNMASK_REQUEST, date_from=start)),
               TileLine("Refused", counts[AccessKind.UNMASK_REFUSE],
                        access_list_url(kind=AccessKind.UNMASK_REFUSE, date_from=start)),
               TileLine("Awaiting a decision (approx.)", waiting, "", "attention" if waiting else "")],
    )  # fmt: skip


def register() -> None:
    report_section_register(ReportSection(
        "unmasks", "Un-masking of anonymised video", unmasks, order=40,
        intro="Every request to see original (un-blurred) video, its second-person approval "
        "or refusal, and its use, with reasons.",
    ))  # fmt: skip
    report_section_register(ReportSection(
        "retention", "Deletions by retention and legal holds", deletions, order=50,
        intro="What retention deleted, when, from which camera, with the evidence of each "
        "run; and what legal holds kept.",
    ))  # fmt: skip
    dashboard_tile_register("unmasks", "Un-masks", unmask_tile, order=10)
