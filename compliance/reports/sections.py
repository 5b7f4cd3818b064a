"""Compliance's own report sections: access to the system, views of video per camera,
exports and other sensitive actions, and the verification statement of the audit trail."""

from __future__ import annotations

from django.db.models import Max, Min

from compliance.models import AccessKind
from compliance.reports.queries import access_events, count_by, per_day, when
from compliance.reports.registry import (
    Chart,
    Figure,
    ReportContext,
    ReportSection,
    SectionContent,
    Table,
    report_section_register,
)

VIEW_KINDS = {
    AccessKind.LIVE_VIEW: "Live views",
    AccessKind.RECORDING_VIEW: "Recorded views",
    AccessKind.CLIP_VIEW: "Clip / snapshot views",
}
#: Rare, weighty actions listed one by one (views are counted per camera and person instead).
SENSITIVE_KINDS = [
    AccessKind.EXPORT,
    AccessKind.ACCESS_GRANT,
    AccessKind.ACCESS_REVOKE,
    AccessKind.ROLE_CHANGE,
    AccessKind.USER_DEACTIVATE,
    AccessKind.REPORT,
    AccessKind.REPORT_DOWNLOAD,
    AccessKind.KEY_ROTATE,
    AccessKind.KEY_DESTROY,
    AccessKind.RETENTION_APPROVE,
    AccessKind.RETENTION_REFUSE,
    AccessKind.LOGIN_LOCKED,
    AccessKind.MFA_RESET,
    AccessKind.API_TOKEN_CREATE,
    AccessKind.API_TOKEN_REVOKE,
]
LABELS = dict(AccessKind.choices)


def access_activity(context: ReportContext) -> SectionContent:
    """Access events per day by kind (chart: the five busiest kinds), and totals by kind."""
    events = access_events(context)
    daily = per_day(events, "occurred_at", context, by="kind")
    totals: dict[str, int] = {}
    for (_, kind), n in daily.items():
        totals[kind] = totals.get(kind, 0) + n
    days = context.days()
    busiest = sorted(totals, key=lambda k: -totals[k])[:5]
    chart = Chart(
        title="Access events per day, five most frequent kinds",
        categories=[f"{d:%d %b}" for d in days],
        series={LABELS.get(k, k): [daily.get((d, k), 0) for d in days] for k in busiest},
        kind="stacked",
        value_label="events",
    )
    total = sum(totals.values())
    people = events.exclude(actor_username="").values("actor_username").distinct().count()
    table = Table(
        key="access_events_by_kind_per_day",
        title="Access events per day and kind",
        columns=["Day", "Kind", "Code", "Events"],
        rows=[
            [str(day), LABELS.get(kind, kind), kind, n]
            for (day, kind), n in sorted(daily.items(), key=lambda item: (item[0][0], item[0][1]))
        ],
        widths=[1.2, 3, 2, 1],
    )
    by_kind = Table(
        key="access_events_by_kind",
        title="Access events by kind",
        columns=["Kind", "Events"],
        rows=[[LABELS.get(k, k), totals[k]] for k in sorted(totals, key=lambda k: -totals[k])],
        widths=[4, 1],
    )
    return SectionContent(
        figures=[
            Figure("Access events", total),
            Figure("People who acted", people),
            Figure("Failed log-ins", totals.get(AccessKind.LOGIN_FAILED, 0)),
        ],
        charts=[chart] if total else [],
        tables=[by_kind, table],
    )


def video_views(context: ReportContext) -> SectionContent:
    """Live and recorded views per camera and per person (who watched what, how often)."""
    events = access_events(context, kinds=VIEW_KINDS)
    rows = count_by(
        events, "target_id", "target_repr", "actor_username", "kind",
        first=Min("occurred_at"), last=Max("occurred_at"),
    )  # fmt: skip
    cameras: dict[str, dict[str, int]] = {}
    detail: dict[tuple, dict] = {}
    for row in rows:
        camera = row["target_repr"] or f"#{row['target_id']}"
        cameras.setdefault(camera, dict.fromkeys(VIEW_KINDS, 0))[row["kind"]] += row["n"]
        key = (camera, row["actor_username"] or "—")
        entry = detail.setdefault(
            key, {**dict.fromkeys(VIEW_KINDS, 0), "first": row["first"], "last": row["last"]}
        )
        entry[row["kind"]] += row["n"]
        entry["first"], entry["last"] = (
            min(entry["first"], row["first"]),
            max(entry["last"], row["last"]),
        )
    busiest = sorted(cameras, key=lambda c: -sum(cameras[c].values()))[:12]
    chart = Chart(
        title="Views per camera (twelve most viewed)",
        categories=busiest,
        series={label: [cameras[c][k] for c in busiest] for k, label in VIEW_KINDS.items()},
        value_label="views",
    )
    table = Table(
        key="video_views_per_camera_and_person",
        title="Views per camera and person",
        columns=["Camera", "Person", *VIEW_KINDS.values(), "First", "Last"],
        rows=[
            [camera, person, *[v[k] for k in VIEW_KINDS], when(v["first"]), when(v["last"])]
            for (camera, person), v in sorted(detail.items())
        ],
        widths=[2.2, 1.6, 1, 1, 1, 1.6, 1.6],
    )
    totals = {k: sum(c[k] for c in cameras.values()) for k in VIEW_KINDS}
    return SectionContent(
        figures=[Figure(label, totals[k]) for k, label in VIEW_KINDS.items()]
        + [Figure("Cameras viewed", len(cameras))],
        charts=[chart] if cameras else [],
        tables=[table],
    )


def sensitive_actions(context: ReportContext) -> SectionContent:
    """Exports, grants, role changes, reports, key operations: one row each."""
    events = access_events(context, kinds=SENSITIVE_KINDS).order_by("occurred_at", "pk")
    exports = events.filter(kind=AccessKind.EXPORT).count()
    rows = [
        [when(e.occurred_at), LABELS.get(e.kind, e.kind), e.actor_username or "—",
         e.target_repr or "—", e.reason or _data_summary(e.data)]
        for e in events.only(
            "occurred_at", "kind", "actor_username", "target_repr", "reason", "data"
        ).iterator(chunk_size=2000)
    ]  # fmt: skip
    return SectionContent(
        figures=[Figure("Exports", exports), Figure("Sensitive actions", len(rows))],
        tables=[
            Table(
                key="sensitive_actions",
                title="Exports, grants, role changes, reports and key operations",
                columns=["Time", "Action", "By", "Target", "Reason / details"],
                rows=rows,
                widths=[1.5, 2, 1.3, 2.2, 3],
            )
        ],
    )


def _data_summary(data: dict) -> str:
    parts = [f"{k}: {v}" for k, v in (data or {}).items() if k not in {"remote_addr_unparsed"}]
    return "; ".join(parts)[:200]


def verification(context: ReportContext) -> SectionContent:
    """The statement: the chain recomputed for the period, the signed checkpoints that pin
    it (anyone with the public key can check them), and the key's fingerprint."""
    run = context.extra.get("verification")
    checkpoints = context.extra.get("checkpoints", [])
    fingerprint = context.extra.get("key_fingerprint", "")
    if run is None:
        return SectionContent(paragraphs=["The audit trail was not verified for this report."])
    verdict = (
        "VERIFIED: no record was edited, deleted, inserted or reordered."
        if run.ok
        else f"BROKEN: {run.first_break}"
    )
    statement = (
        f"Audit trail verification: {verdict} The hash chain of every access event and "
        f"change-log entry was recomputed from link {max(run.since_seq, 1)} to its head "
        f"({run.links} links) on {when(run.finished_at)} "
        f"and {run.checkpoints} signed checkpoint{'s' if run.checkpoints != 1 else ''} "
        "were checked against it."
    )
    paragraphs = [
        statement,
        "Each checkpoint below signs (Ed25519) the chain's head hash, its length and the time. "
        "The first was signed before the period began and the last when this report was "
        "generated, so every record of the period lies between two signed heads. Anyone "
        "holding the deployment's public key can check the signatures and, with the audit "
        "records, recompute the chain (manage.py audit_verify).",
        f"Public key (Ed25519, base64): {context.extra.get('public_key', '')}",
        f"Public key fingerprint (SHA-256): {fingerprint}",
    ]
    table = Table(
        key="verification_checkpoints",
        title="Signed checkpoints covering the period",
        columns=["Checkpoint", "Signed at", "Link", "Records", "Head hash (SHA-256)", "Signature"],
        rows=[
            [c.pk, when(c.created_at), c.seq, c.count, c.head_hash, c.signature]
            for c in checkpoints
        ],
        widths=[0.9, 1.4, 0.7, 0.8, 3.4, 3.4],
        mono=(4, 5),
    )
    return SectionContent(
        figures=[
            Figure("Audit trail", "Verified" if run.ok else "Broken"),
            Figure("Links recomputed", run.links),
            Figure("Checkpoints", len(checkpoints)),
        ],
        tables=[table],
        paragraphs=paragraphs,
    )


def register() -> None:
    for section in (
        ReportSection(
            "access", "Access to the system", access_activity, order=10,
            intro="Every typed access event (log-ins, views, decisions, grants) in the period.",
        ),
        ReportSection(
            "views", "Live and recorded video viewed", video_views, order=20,
            intro="Who watched which camera, live or recorded, and how often.",
        ),
        ReportSection(
            "sensitive", "Exports and other sensitive actions", sensitive_actions, order=30,
            intro="Each export, access grant or revocation, role change, report and key "
            "operation, one by one.",
        ),
        ReportSection(
            "verification", "Verification statement", verification, order=1000,
            intro="Whether the audit records this report is built from are complete and "
            "unaltered.",
        ),
    ):  # fmt: skip
        report_section_register(section)
