"""False-positive statistics for supervisors: per camera and rule, and per decider.

Everything is read through the gate: a supervisor sees the alerts and decisions of the sites
they are assigned to; DPO and Admin see all. Figures come from the daily rollups
(``analytics.services.rollups``), not from the alerts: whole UTC days, a minute behind.

*Precision* is confirmed / (confirmed + dismissed), by the alert's current status, so an
overruled decision counts as its final outcome.

The *suggested minimum confidence* is the lowest threshold that removes the most dismissed
alerts while keeping every confirmed one. The rule engine keeps a hit whose confidence is at
least the rule's minimum, so a threshold ``t`` keeps ``confidence >= t``: ``t`` lies just above
the highest dismissed confidence that is below the lowest confirmed one. It is an estimate:
for most rules an alert's confidence is its best detection's score; a crowd alert's is the
mean of its people's scores.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.contrib.auth import get_user_model
from django.db.models import Q, Sum
from django.utils import timezone

from analytics.models import AlertDailyStats, DecisionDailyStats, Rule
from cameras.models import Camera

PERIOD_DAYS = (7, 30, 90)
DEFAULT_PERIOD_DAYS = 30

#: A suggestion needs at least this many decided alerts (confirmed + dismissed).
MIN_DECIDED_FOR_SUGGESTION = 5

#: Rubber-stamping: at least this many decisions, nearly all confirmations, decided fast.
RUBBER_STAMP_MIN_DECISIONS = 10
RUBBER_STAMP_MIN_CONFIRMED_SHARE = 0.9
RUBBER_STAMP_MAX_MEDIAN_SECONDS = 3.0

#: Rules whose hits have no meaningful confidence (a health problem is certain).
UNTUNABLE_KINDS = {Rule.Kind.CAMERA_HEALTH}


@dataclass(frozen=True)
class ThresholdSuggestion:
    """A minimum confidence to suggest, or ``value=None`` and why not."""

    value: float | None
    removes: int
    dismissed: int
    confirmed: int
    explanation: str


@dataclass
class RuleStats:
    camera: Camera
    rule: Rule | None
    kind: str
    kind_label: str
    alerts: int = 0
    confirmed: int = 0
    dismissed: int = 0
    open: int = 0
    suggestion: ThresholdSuggestion | None = None

    @property
    def precision(self) -> float | None:
        decided = self.confirmed + self.dismissed
        return self.confirmed / decided if decided else None


@dataclass
class DeciderStats:
    user: object
    decisions: int = 0
    confirmed: int = 0
    dismissed: int = 0
    acknowledged: int = 0
    escalated: int = 0
    # {"1.5": 3, ...}: how many decisions took that long (to 0.1 s).
    seconds_histogram: dict = field(default_factory=dict, repr=False)

    @property
    def confirmed_share(self) -> float | None:
        verdicts = self.confirmed + self.dismissed
        return self.confirmed / verdicts if verdicts else None

    @property
    def median_seconds(self) -> float | None:
        """The median of the histogram (the mean of the two middle values for an even count)."""
        values = sorted((float(value), n) for value, n in self.seconds_histogram.items())
        total = sum(n for _, n in values)
        if not total:
            return None
        middle = [(total - 1) // 2, total // 2]
        found, seen = [], 0
        for value, n in values:
            while middle and middle[0] < seen + n:
                found.append(value)
                middle.pop(0)
            seen += n
        return sum(found) / len(found)

    @property
    def rubber_stamp(self) -> bool:
        """Nearly everything confirmed, within a couple of seconds: look closer."""
        share, median = self.confirmed_share, self.median_seconds
        return (
            self.decisions >= RUBBER_STAMP_MIN_DECISIONS
            and share is not None
            and share >= RUBBER_STAMP_MIN_CONFIRMED_SHARE
            and median is not None
            and median < RUBBER_STAMP_MAX_MEDIAN_SECONDS
        )


def period_start(*, days: int, now: datetime | None = None) -> datetime:
    """The start of a review period of ``days`` days ending now."""
    return (now or timezone.now()) - timedelta(days=days)


def threshold_between(low: float, high: float) -> float:
    """The smallest round value ``t`` with ``low < t <= high`` (two decimals if one fits)."""
    candidate = (math.floor(low * 100 + 1e-9) + 1) / 100
    if low < candidate <= high:
        return candidate
    candidate = round((low + high) / 2, 4)
    return candidate if low < candidate <= high else high


def suggest_min_confidence(
    *, confirmed: Sequence[float], dismissed: Sequence[float], current: float
) -> ThresholdSuggestion:
    """The threshold that would have removed the most dismissed alerts and kept every
    confirmed one; ``value=None`` with the reason when there is none worth suggesting."""
    kept, total = len(confirmed), len(dismissed)

    def none(explanation: str) -> ThresholdSuggestion:
        return ThresholdSuggestion(None, 0, total, kept, explanation)

    if total == 0:
        return none("No dismissed alerts: nothing to remove.")
    if kept == 0:
        return none(
            "No confirmed alerts yet: a threshold cannot be checked against what people confirmed."
        )
    if kept + total < MIN_DECIDED_FOR_SUGGESTION:
        return none(
            f"Too little data: {kept + total} decided alerts; at least "
            f"{MIN_DECIDED_FOR_SUGGESTION} are needed."
        )
    lowest_confirmed = min(confirmed)
    removable = [value for value in dismissed if value < lowest_confirmed]
    if not removable:
        return none(
            f"The dismissed alerts are as confident as the confirmed ones (lowest confirmed "
            f"{lowest_confirmed:.2f}): no threshold removes one without losing a confirmed alert."
        )
    value = threshold_between(max(removable), lowest_confirmed)
    if value <= current:
        return none(
            f"The current minimum ({current:.2f}) already removes what a threshold could; "
            "these alerts were raised before it was set."
        )
    return ThresholdSuggestion(
        value,
        len(removable),
        total,
        kept,
        f"Would remove {len(removable)} of {total} dismissed, keep all {kept} confirmed.",
    )


def _expand(histogram: dict) -> list[float]:
    """``{"0.615": 3}`` → ``[0.615, 0.615, 0.615]`` (decided alerts of one rule: small)."""
    return [float(value) for value, n in histogram.items() for _ in range(n)]


def _merge(target: dict, histogram: dict) -> None:
    for value, n in histogram.items():
        target[value] = target.get(value, 0) + n


def rule_stats(*, user, days: int = DEFAULT_PERIOD_DAYS, now: datetime | None = None):
    """Per camera and rule, alerts that occurred in the period (whole UTC days, from the
    rollups: ``analytics.services.rollups``, a minute behind at most) and what people decided.

    Rows are sorted by site, camera and rule name; each carries a threshold suggestion.
    """
    since = period_start(days=days, now=now).astimezone(UTC).date()
    daily = AlertDailyStats.objects.restrict(user, "view").filter(day__gte=since)
    counts = list(
        daily.values("camera_id", "rule_id", "kind")
        .annotate(
            total=Sum("alerts"),
            confirmed_n=Sum("confirmed"),
            dismissed_n=Sum("dismissed"),
            open_n=Sum("open"),
        )
        .order_by()
    )
    confidences: dict[tuple, dict[str, dict]] = {}
    for camera_id, rule_id, kind, confirmed, dismissed in daily.filter(
        Q(confirmed__gt=0) | Q(dismissed__gt=0)
    ).values_list("camera_id", "rule_id", "kind", "confirmed_confidences", "dismissed_confidences"):
        bucket = confidences.setdefault(
            (camera_id, rule_id, kind), {"confirmed": {}, "dismissed": {}}
        )
        _merge(bucket["confirmed"], confirmed)
        _merge(bucket["dismissed"], dismissed)

    cameras = Camera.objects.select_related("site").in_bulk({row["camera_id"] for row in counts})
    rules = Rule.objects.in_bulk({row["rule_id"] for row in counts if row["rule_id"]})
    kind_labels = dict(Rule.Kind.choices)
    rows: list[RuleStats] = []
    for row in counts:
        key = (row["camera_id"], row["rule_id"], row["kind"])
        rule = rules.get(row["rule_id"]) if row["rule_id"] else None
        stats = RuleStats(
            camera=cameras[row["camera_id"]],
            rule=rule,
            kind=row["kind"],
            kind_label=kind_labels.get(row["kind"], row["kind"]),
            alerts=row["total"],
            confirmed=row["confirmed_n"],
            dismissed=row["dismissed_n"],
            open=row["open_n"],
        )
        if rule is not None and rule.kind not in UNTUNABLE_KINDS:
            bucket = confidences.get(key, {"confirmed": {}, "dismissed": {}})
            stats.suggestion = suggest_min_confidence(
                confirmed=_expand(bucket["confirmed"]),
                dismissed=_expand(bucket["dismissed"]),
                current=rule.min_confidence,
            )
        rows.append(stats)
    rows.sort(
        key=lambda s: (
            s.camera.site.name,
            s.camera.name,
            s.rule.name if s.rule else "",
            s.kind,
        )
    )
    return rows


def decider_stats(*, user, days: int = DEFAULT_PERIOD_DAYS, now: datetime | None = None):
    """Per person whose decisions ``user`` may see (the cameras' sites): how many, share
    confirmed (of confirm + dismiss), median seconds from the alert reaching Veil to the
    decision, rubber-stamp flag — over whole UTC days, from the rollups.

    Sorted with flagged people first, then by number of decisions.
    """
    since = period_start(days=days, now=now).astimezone(UTC).date()
    by_actor: dict[int, DeciderStats] = {}
    for row in (
        DecisionDailyStats.objects.restrict(user, "view")
        .filter(day__gte=since)
        .values_list(
            "actor_id",
            "decisions",
            "confirmed",
            "dismissed",
            "acknowledged",
            "escalated",
            "seconds",
        )
    ):
        actor_id, decisions, confirmed, dismissed, acknowledged, escalated, seconds = row
        stats = by_actor.setdefault(actor_id, DeciderStats(user=None))
        stats.decisions += decisions
        stats.confirmed += confirmed
        stats.dismissed += dismissed
        stats.acknowledged += acknowledged
        stats.escalated += escalated
        _merge(stats.seconds_histogram, seconds)
    users = get_user_model().objects.in_bulk(list(by_actor))
    for actor_id, stats in by_actor.items():
        stats.user = users.get(actor_id)
    return sorted(by_actor.values(), key=lambda s: (not s.rubber_stamp, -s.decisions, str(s.user)))
