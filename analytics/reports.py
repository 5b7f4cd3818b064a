"""Analytics' part of the DPO's desk: alerts by rule with their outcomes, false-positive
rate and recall (from recorded missed events), each person's decisions with the
rubber-stamp flag; dashboard tiles for false-positive rates and flagged people."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Count, Q
from django.urls import reverse

from analytics.models import Alert, AlertDecision, MissedEvent, Rule
from analytics.selectors.stats import (
    RUBBER_STAMP_MAX_MEDIAN_SECONDS,
    RUBBER_STAMP_MIN_CONFIRMED_SHARE,
    RUBBER_STAMP_MIN_DECISIONS,
    decider_stats,
    rule_stats,
)
from cameras.models import Camera
from compliance.dashboard import Tile, TileLine, dashboard_tile_register
from compliance.reports import (
    Chart,
    Figure,
    ReportContext,
    ReportSection,
    SectionContent,
    Table,
    report_section_register,
)
from compliance.reports.queries import Median, share, when

Status, Action = Alert.Status, AlertDecision.Action


def _scoped(queryset, context: ReportContext, camera_field: str, actor_field: str | None):
    if context.scope.camera_ids is not None:
        queryset = queryset.filter(**{f"{camera_field}__in": context.scope.camera_ids})
    if context.scope.user_id is not None and actor_field:
        queryset = queryset.filter(**{actor_field: context.scope.user_id})
    return queryset


def rule_outcomes(context: ReportContext) -> list[dict]:
    """Per camera and rule: alerts, confirmed, false positives, escalated, open, missed;
    aggregated in the database."""
    alerts = _scoped(
        Alert.objects.filter(occurred_at__gte=context.period_start,
                             occurred_at__lt=context.period_end),
        context, "camera_id", None,
    )  # fmt: skip
    if context.scope.user_id is not None:
        decided = AlertDecision.objects.filter(actor_id=context.scope.user_id)
        alerts = alerts.filter(pk__in=decided.values("alert_id"))
    rows = {
        (r["camera_id"], r["rule_id"], r["kind"]): r
        for r in alerts.values("camera_id", "rule_id", "kind")
        .annotate(
            alerts=Count("pk"),
            confirmed=Count("pk", filter=Q(status=Status.CONFIRMED)),
            dismissed=Count("pk", filter=Q(status=Status.DISMISSED)),
            escalated=Count("pk", filter=Q(status=Status.ESCALATED)),
            open=Count("pk", filter=Q(status__in=(Status.OPEN, Status.ACKNOWLEDGED))),
        )
        .order_by()
    }
    missed = _scoped(
        MissedEvent.objects.filter(occurred_at__gte=context.period_start,
                                   occurred_at__lt=context.period_end),
        context, "camera_id", "recorded_by_id",
    )  # fmt: skip
    for r in missed.values("camera_id", "rule_id", "rule__kind").annotate(n=Count("pk")).order_by():
        key = (r["camera_id"], r["rule_id"], r["rule__kind"] or "")
        row = rows.setdefault(key, {"camera_id": key[0], "rule_id": key[1], "kind": key[2],
                                    "alerts": 0, "confirmed": 0, "dismissed": 0,
                                    "escalated": 0, "open": 0})  # fmt: skip
        row["missed"] = row.get("missed", 0) + r["n"]
    cameras = Camera.objects.in_bulk({k[0] for k in rows})
    rules = Rule.objects.in_bulk({k[1] for k in rows if k[1]})
    kinds = dict(Rule.Kind.choices)
    out = []
    for (camera_id, rule_id, kind), row in rows.items():
        rule = rules.get(rule_id)
        camera = cameras.get(camera_id)
        out.append({
            **row, "missed": row.get("missed", 0),
            "camera": camera.name if camera else f"#{camera_id}",
            "rule": rule.name if rule else (kinds.get(kind, kind) or "no rule"),
        })  # fmt: skip
    return sorted(out, key=lambda r: (r["camera"], r["rule"]))


def alerts_by_rule(context: ReportContext) -> SectionContent:
    rows = rule_outcomes(context)
    total = {k: sum(r[k] for r in rows) for k in ("alerts", "confirmed", "dismissed",
                                                   "escalated", "missed")}  # fmt: skip
    decided = total["confirmed"] + total["dismissed"]
    table = Table(
        key="alerts_by_rule",
        title="Alerts by camera and rule, with outcomes",
        columns=["Camera", "Rule", "Alerts", "Confirmed", "False positive", "Escalated",
                 "Open", "Missed", "FP rate", "Precision", "Recall"],
        rows=[[r["camera"], r["rule"], r["alerts"], r["confirmed"], r["dismissed"],
               r["escalated"], r["open"], r["missed"],
               share(r["dismissed"], r["confirmed"] + r["dismissed"]),
               share(r["confirmed"], r["confirmed"] + r["dismissed"]),
               share(r["confirmed"], r["confirmed"] + r["missed"])] for r in rows],
        widths=[1.7, 1.7, 0.8, 0.9, 0.9, 0.9, 0.7, 0.8, 1, 0.9, 0.8],
        note="FP (false-positive) rate: dismissed ÷ (confirmed + dismissed). Precision: confirmed ÷ "
        "(confirmed + dismissed). Recall: confirmed ÷ (confirmed + missed events recorded).",
    )  # fmt: skip
    top = sorted(rows, key=lambda r: -r["alerts"])[:10]
    chart = Chart(
        title="Outcomes per rule (ten busiest)",
        categories=[f"{r['camera'][:18]}\n{r['rule'][:18]}" for r in top],
        series={"Confirmed": [r["confirmed"] for r in top],
                "False positive": [r["dismissed"] for r in top],
                "Escalated": [r["escalated"] for r in top],
                "Missed": [r["missed"] for r in top]},
        value_label="alerts",
    )  # fmt: skip
    return SectionContent(
        figures=[
            Figure("Alerts", total["alerts"]),
            Figure("Confirmed", total["confirmed"]),
            Figure("False positives", total["dismissed"]),
            Figure("False-positive rate", share(total["dismissed"], decided)),
            Figure("Missed events", total["missed"]),
            Figure("Recall", share(total["confirmed"], total["confirmed"] + total["missed"])),
        ],
        charts=[chart] if rows else [],
        tables=[table, _missed_table(context)],
    )


def _missed_table(context: ReportContext) -> Table:
    missed = _scoped(
        MissedEvent.objects.filter(occurred_at__gte=context.period_start,
                                   occurred_at__lt=context.period_end),
        context, "camera_id", "recorded_by_id",
    ).select_related("camera", "rule", "recorded_by").order_by("occurred_at", "pk")  # fmt: skip
    return Table(
        key="missed_events",
        title="Missed events recorded (false negatives)",
        columns=["When", "Camera", "Rule", "What happened", "Recorded by"],
        rows=[[when(m.occurred_at), m.camera.name, m.rule.name if m.rule else "—",
               m.description, m.recorded_by.get_username()] for m in missed.iterator()],
        widths=[1.3, 1.5, 1.3, 4, 1.2],
    )  # fmt: skip


def decisions(context: ReportContext) -> SectionContent:
    """Per person: decisions by action, share confirmed, median time to decide, the flag."""
    made = _scoped(
        AlertDecision.objects.filter(decided_at__gte=context.period_start,
                                     decided_at__lt=context.period_end),
        context, "alert__camera_id", "actor_id",
    )  # fmt: skip
    stats = list(
        made.values("actor_id")
        .annotate(
            n=Count("pk"),
            confirmed=Count("pk", filter=Q(action=Action.CONFIRM)),
            dismissed=Count("pk", filter=Q(action=Action.DISMISS)),
            escalated=Count("pk", filter=Q(action=Action.ESCALATE)),
            acknowledged=Count("pk", filter=Q(action=Action.ACKNOWLEDGE)),
            median=Median("seconds_to_decide"),
        )
        .order_by()
    )
    users = get_user_model().objects.in_bulk([s["actor_id"] for s in stats])
    rows, flagged = [], 0
    for s in sorted(stats, key=lambda s: -s["n"]):
        verdicts = s["confirmed"] + s["dismissed"]
        flag = (
            s["n"] >= RUBBER_STAMP_MIN_DECISIONS and verdicts
            and s["confirmed"] / verdicts >= RUBBER_STAMP_MIN_CONFIRMED_SHARE
            and s["median"] is not None and s["median"] < RUBBER_STAMP_MAX_MEDIAN_SECONDS
        )  # fmt: skip
        flagged += bool(flag)
        user = users.get(s["actor_id"])
        rows.append([user.get_username() if user else f"#{s['actor_id']}", s["n"],
                     s["confirmed"], s["dismissed"], s["escalated"], s["acknowledged"],
                     share(s["confirmed"], verdicts),
                     f"{s['median']:.1f} s" if s["median"] is not None else "—",
                     "RUBBER-STAMP?" if flag else ""])  # fmt: skip
    detail = made.select_related("alert__camera", "alert__rule", "actor").order_by(
        "decided_at", "pk"
    )
    labels, reasons = dict(Action.choices), dict(AlertDecision.DismissReason.choices)
    return SectionContent(
        figures=[Figure("Decisions", sum(s["n"] for s in stats)),
                 Figure("People deciding", len(stats)),
                 Figure("Flagged for rubber-stamping", flagged)],  # fmt: skip
        tables=[
            Table(
                key="decisions_per_person",
                title="Decisions per person",
                columns=["Person", "Decisions", "Confirmed", "Dismissed", "Escalated",
                         "Acknowledged", "Share confirmed", "Median time", "Flag"],
                rows=rows,
                widths=[1.6, 1, 1, 1, 1, 1.1, 1.1, 1, 1.3],
                note=f"Flag: at least {RUBBER_STAMP_MIN_DECISIONS} decisions, "
                f"{RUBBER_STAMP_MIN_CONFIRMED_SHARE:.0%} or more confirmed, median under "
                f"{RUBBER_STAMP_MAX_MEDIAN_SECONDS:.0f} s: decisions that may not be looked at.",
            ),
            Table(
                key="alert_decisions",
                title="Every decision on an alert",
                columns=["Time", "Alert", "Camera", "Rule", "By", "Decision", "Reason / note",
                         "Seconds"],
                rows=[[when(d.decided_at), f"#{d.alert_id}", d.alert.camera.name,
                       d.alert.rule.name if d.alert.rule else d.alert.kind,
                       d.actor.get_username(), labels.get(d.action, d.action),
                       " ".join(x for x in (reasons.get(d.reason, ""), d.note) if x),
                       f"{d.seconds_to_decide:.0f}" if d.seconds_to_decide is not None else ""]
                      for d in detail.iterator(chunk_size=2000)],
                widths=[1.3, 0.7, 1.4, 1.3, 1.1, 1.6, 2.2, 0.7],
            ),
        ],
    )  # fmt: skip


# --- dashboard --------------------------------------------------------------------------------
def false_positive_rates(user) -> Tile:
    rows = [r for r in rule_stats(user=user, days=30) if r.confirmed + r.dismissed]
    rows.sort(key=lambda r: r.precision if r.precision is not None else 1)
    url = reverse("analytics:review") + "?days=30"
    confirmed = sum(r.confirmed for r in rows)
    dismissed = sum(r.dismissed for r in rows)
    rate = dismissed / (confirmed + dismissed) if rows else None
    return Tile(
        value=f"{rate:.0%}" if rate is not None else "—",
        url=url,
        caption="of decided alerts were false positives, last 30 days",
        state="attention" if rate is not None and rate > 0.5 else "ok",
        lines=[TileLine(f"{r.camera.name}: {r.rule.name if r.rule else r.kind_label}",
                        f"{1 - r.precision:.0%} of {r.confirmed + r.dismissed}", url)
               for r in rows[:6]],
    )  # fmt: skip


def rubber_stamping(user) -> Tile:
    flagged = [s for s in decider_stats(user=user, days=30) if s.rubber_stamp]
    url = reverse("analytics:review") + "?days=30"
    return Tile(
        value=len(flagged),
        url=url,
        caption="people flagged for rubber-stamping, last 30 days",
        state="alert" if flagged else "ok",
        lines=[TileLine(str(s.user), f"{s.decisions} decisions, median {s.median_seconds:.1f} s",
                        url, "alert") for s in flagged[:6]],
    )  # fmt: skip


def register() -> None:
    report_section_register(ReportSection(
        "alerts", "Alerts: outcomes, false positives and recall", alerts_by_rule, order=70,
        intro="What the analytics raised, what people decided, and what it missed.",
    ))  # fmt: skip
    report_section_register(ReportSection(
        "decisions", "Human oversight: decisions on alerts", decisions, order=80,
        intro="Who decided on alerts, how, and how fast (EU AI Act Art. 14: meaningful "
        "human oversight).",
    ))  # fmt: skip
    dashboard_tile_register("fp-rates", "False positives by rule", false_positive_rates, order=50)
    dashboard_tile_register("rubber-stamp", "Rubber-stamping", rubber_stamping, order=55)
