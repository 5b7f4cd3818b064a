"""False-positive review: statistics per camera and rule and per person, the suggested minimum
confidence, and applying it (audited, in scope only)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from types import SimpleNamespace

import pytest
from auditlog.models import LogEntry
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from analytics import selectors
from analytics.models import Alert, AlertDecision, Rule, Zone
from analytics.selectors import camera_config_version
from analytics.selectors.stats import suggest_min_confidence, threshold_between
from analytics.services.rollups import stats_rollup_refresh
from compliance.models import AccessEvent, AccessKind
from tests.factories import CameraFactory, SiteFactory, UserFactory

pytestmark = pytest.mark.django_db


def rule_stats(**kwargs):
    """The statistics after the scheduler's next rollup refresh (a minute at most)."""
    stats_rollup_refresh()
    return selectors.rule_stats(**kwargs)


def decider_stats(**kwargs):
    stats_rollup_refresh()
    return selectors.decider_stats(**kwargs)


Status = Alert.Status


def make_alert(rule, *, confidence: float, status=Status.OPEN, days_ago: float = 1) -> Alert:
    return Alert.objects.create(
        camera=rule.camera,
        rule=rule,
        kind=rule.kind,
        occurred_at=timezone.now() - timedelta(days=days_ago),
        confidence=confidence,
        dedupe_key=f"stats:{uuid.uuid4().hex}",
        status=status,
    )


def make_decisions(actor, rule, *, action: str, seconds: float, count: int) -> None:
    status = {"confirm": Status.CONFIRMED, "dismiss": Status.DISMISSED}.get(
        action, Status.ACKNOWLEDGED
    )
    for _ in range(count):
        alert = make_alert(rule, confidence=0.8, status=status)
        AlertDecision.objects.create(
            alert=alert,
            actor=actor,
            action=action,
            reason="animal" if action == "dismiss" else "",
            seconds_to_decide=seconds,
        )


@pytest.fixture
def scene():
    depot, airport = SiteFactory(name="Depot"), SiteFactory(name="Airport")
    rules = {}
    for site in (depot, airport):
        camera = CameraFactory(site=site, name=f"{site.name} gate")
        zone = Zone.objects.create(camera=camera, name="Yard", points=[[0, 0], [1, 0], [1, 1]])
        rules[site.name] = Rule.objects.create(
            camera=camera,
            name="Person in yard",
            kind=Rule.Kind.PERSON_IN_ZONE,
            zone=zone,
            min_confidence=0.5,
        )
    return SimpleNamespace(
        rule=rules["Depot"],
        other_rule=rules["Airport"],
        supervisor=UserFactory(role=Role.SUPERVISOR, sites=[depot], username="sup"),
        guard=UserFactory(role=Role.GUARD, sites=[depot], username="guard"),
    )


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- The suggestion --------------------------------------------------------------------------


def test_suggestion_sits_just_above_the_highest_dismissed_below_every_confirmed():
    suggestion = suggest_min_confidence(
        confirmed=[0.81, 0.9, 0.95], dismissed=[0.55, 0.62, 0.7, 0.93], current=0.5
    )
    assert suggestion.value == 0.71
    assert (suggestion.removes, suggestion.dismissed, suggestion.confirmed) == (3, 4, 3)
    assert suggestion.explanation == "Would remove 3 of 4 dismissed, keep all 3 confirmed."


@pytest.mark.parametrize(
    ("confirmed", "dismissed", "current", "why"),
    [
        ([0.8, 0.9, 0.7], [], 0.5, "No dismissed alerts"),
        ([], [0.6, 0.7, 0.8, 0.9, 0.55], 0.5, "No confirmed alerts"),
        ([0.9], [0.6, 0.7], 0.5, "Too little data"),
        ([0.6, 0.9, 0.95], [0.6, 0.7, 0.8], 0.5, "as confident as the confirmed"),
        ([0.8, 0.9, 0.95], [0.55, 0.6], 0.7, "current minimum (0.70) already"),
    ],
)
def test_no_suggestion_without_enough_evidence(confirmed, dismissed, current, why):
    suggestion = suggest_min_confidence(confirmed=confirmed, dismissed=dismissed, current=current)
    assert suggestion.value is None and suggestion.removes == 0
    assert why in suggestion.explanation


def test_overlapping_confidences_remove_only_what_lies_below_every_confirmed():
    # 0.75 and 0.85 are dismissed but as confident as confirmed alerts: they stay.
    suggestion = suggest_min_confidence(
        confirmed=[0.7, 0.9], dismissed=[0.6, 0.65, 0.75, 0.85], current=0.5
    )
    assert suggestion.value == 0.66 and suggestion.removes == 2


def test_threshold_is_above_the_dismissed_and_at_most_the_lowest_confirmed():
    assert threshold_between(0.62, 0.8) == 0.63
    assert threshold_between(0.629, 0.63) == 0.63
    value = threshold_between(0.6291, 0.6295)
    assert 0.6291 < value <= 0.6295
    assert threshold_between(0.6, 0.6000001) == 0.6000001  # no round value fits: the confirmed


# --- Per camera and rule ---------------------------------------------------------------------


def test_rule_stats_count_precision_and_suggest_in_the_period(scene):
    for confidence in (0.8, 0.85, 0.9):
        make_alert(scene.rule, confidence=confidence, status=Status.CONFIRMED)
    for confidence in (0.52, 0.58, 0.61):
        make_alert(scene.rule, confidence=confidence, status=Status.DISMISSED)
    make_alert(scene.rule, confidence=0.7, status=Status.OPEN)
    make_alert(scene.rule, confidence=0.7, status=Status.ESCALATED)
    make_alert(scene.rule, confidence=0.51, status=Status.DISMISSED, days_ago=40)  # outside 30 d
    (row,) = rule_stats(user=scene.supervisor, days=30)
    assert row.rule == scene.rule
    assert (row.alerts, row.confirmed, row.dismissed, row.open) == (8, 3, 3, 2)
    assert row.precision == 0.5
    assert row.suggestion.value == 0.62
    assert row.suggestion.explanation == "Would remove 3 of 3 dismissed, keep all 3 confirmed."
    (row_90,) = rule_stats(user=scene.supervisor, days=90)
    assert (row_90.alerts, row_90.dismissed) == (9, 4)


def test_rule_stats_follow_the_gate(scene):
    make_alert(scene.rule, confidence=0.8)
    make_alert(scene.other_rule, confidence=0.8)
    assert [row.rule for row in rule_stats(user=scene.supervisor)] == [scene.rule]
    dpo_rules = {row.rule for row in rule_stats(user=UserFactory(role=Role.DPO))}
    assert dpo_rules == {scene.rule, scene.other_rule}


def test_precision_is_none_without_decisions(scene):
    make_alert(scene.rule, confidence=0.8)
    (row,) = rule_stats(user=scene.supervisor)
    assert row.precision is None and row.suggestion.value is None


# --- Per person ------------------------------------------------------------------------------


def test_fast_confirming_guard_is_flagged_and_a_careful_one_is_not(scene):
    careful = UserFactory(role=Role.GUARD, sites=[scene.rule.camera.site], username="careful")
    make_decisions(scene.guard, scene.rule, action="confirm", seconds=1.5, count=10)
    make_decisions(careful, scene.rule, action="confirm", seconds=40, count=6)
    make_decisions(careful, scene.rule, action="dismiss", seconds=25, count=5)
    rows = {row.user.username: row for row in decider_stats(user=scene.supervisor)}
    stamp, thoughtful = rows["guard"], rows["careful"]
    assert (stamp.decisions, stamp.confirmed_share, stamp.median_seconds) == (10, 1.0, 1.5)
    assert stamp.rubber_stamp
    assert (thoughtful.decisions, thoughtful.confirmed, thoughtful.dismissed) == (11, 6, 5)
    assert thoughtful.median_seconds == 40 and not thoughtful.rubber_stamp
    # Nine quick confirmations are not enough evidence to flag anyone.
    quick = UserFactory(role=Role.GUARD, sites=[scene.rule.camera.site], username="quick")
    make_decisions(quick, scene.rule, action="confirm", seconds=1, count=9)
    rows = {row.user.username: row for row in decider_stats(user=scene.supervisor)}
    assert not rows["quick"].rubber_stamp


def test_decider_stats_follow_the_gate(scene):
    elsewhere = UserFactory(role=Role.GUARD, sites=[scene.other_rule.camera.site])
    make_decisions(elsewhere, scene.other_rule, action="confirm", seconds=1, count=3)
    assert decider_stats(user=scene.supervisor) == []
    assert [row.user for row in decider_stats(user=UserFactory(role=Role.DPO))] == [elsewhere]


# --- The review page -------------------------------------------------------------------------


def test_review_page_shows_precision_suggestion_and_flag_to_the_supervisor(scene):
    for confidence in (0.8, 0.85, 0.9):
        make_alert(scene.rule, confidence=confidence, status=Status.CONFIRMED)
    for confidence in (0.52, 0.58):
        make_alert(scene.rule, confidence=confidence, status=Status.DISMISSED)
    make_decisions(scene.guard, scene.rule, action="confirm", seconds=1, count=12)
    stats_rollup_refresh()
    body = client_for(scene.supervisor).get(reverse("analytics:review"), {"days": 7}).content
    body = body.decode()
    assert f'data-rule-id="{scene.rule.pk}"' in body
    assert f'data-rule-id="{scene.other_rule.pk}"' not in body
    assert 'data-value="0.59"' in body and f'id="apply-rule-{scene.rule.pk}"' in body
    assert "Would remove 2 of 2 dismissed, keep all 15 confirmed." in body
    assert 'data-username="guard"' in body and "rubber-stamp-flag" in body
    assert 'aria-current="page">7 days' in body


def test_review_page_is_404_for_guards_and_read_only_for_the_dpo(scene):
    make_alert(scene.rule, confidence=0.8)
    assert client_for(scene.guard).get(reverse("analytics:review")).status_code == 404
    dpo = client_for(UserFactory(role=Role.DPO)).get(reverse("analytics:review"))
    assert dpo.status_code == 200
    assert "apply-rule-" not in dpo.content.decode()


def _apply(client, rule, value="0.62"):
    return client.post(
        reverse("analytics:rule-tune", args=[rule.pk]), {"value": value, "days": "30"}
    )


def test_applying_a_threshold_changes_the_rule_and_is_audited(scene):
    version_before = camera_config_version(scene.rule.camera_id)
    response = _apply(client_for(scene.supervisor), scene.rule)
    assert response.status_code == 302
    assert response["Location"] == reverse("analytics:review") + "?days=30"
    scene.rule.refresh_from_db()
    assert scene.rule.min_confidence == 0.62
    # save(), so updated_at moved and the worker's config version changes: no restart.
    assert camera_config_version(scene.rule.camera_id) != version_before
    entry = LogEntry.objects.get_for_object(scene.rule).filter(action=LogEntry.Action.UPDATE).get()
    assert entry.actor == scene.supervisor
    assert entry.changes_dict["min_confidence"] == ["0.5", "0.62"]
    event = AccessEvent.objects.get(kind=AccessKind.RULE_TUNE)
    assert (event.actor, event.target_id, event.data["from"], event.data["to"]) == (
        scene.supervisor,
        str(scene.rule.pk),
        0.5,
        0.62,
    )


def test_applying_outside_scope_or_without_the_right_is_404_and_changes_nothing(scene):
    supervisor = client_for(scene.supervisor)
    hidden = _apply(supervisor, scene.other_rule)
    missing = supervisor.post(reverse("analytics:rule-tune", args=[scene.other_rule.pk + 999]))
    assert hidden.status_code == missing.status_code == 404
    for user in (scene.guard, UserFactory(role=Role.DPO), UserFactory(role=Role.ADMIN)):
        assert _apply(client_for(user), scene.rule).status_code == 404
    for rule in (scene.rule, scene.other_rule):
        rule.refresh_from_db()
        assert rule.min_confidence == 0.5
    assert not AccessEvent.objects.filter(kind=AccessKind.RULE_TUNE).exists()


def test_applying_a_value_out_of_range_is_refused(scene):
    response = _apply(client_for(scene.supervisor), scene.rule, value="1.5")
    assert response.status_code == 302
    scene.rule.refresh_from_db()
    assert scene.rule.min_confidence == 0.5
    assert not AccessEvent.objects.filter(kind=AccessKind.RULE_TUNE).exists()


# --- The rollups -----------------------------------------------------------------------------


def test_rollups_follow_every_write_and_match_the_alerts(scene):
    from analytics.models import AlertDailyStats, StatsStale

    alerts = [make_alert(scene.rule, confidence=0.4 + i / 20, days_ago=i % 3) for i in range(9)]
    stats_rollup_refresh()
    assert not StatsStale.objects.exists()
    assert sum(AlertDailyStats.objects.values_list("alerts", flat=True)) == 9

    # A decision changes the status: the rollup follows on the next refresh.
    alert = alerts[0]
    alert.status = Status.DISMISSED
    alert.save(update_fields=["status"])
    AlertDecision.objects.create(alert=alert, actor=scene.guard, action="dismiss", reason="animal")
    assert StatsStale.objects.exists()
    (row,) = rule_stats(user=scene.supervisor)
    assert (row.alerts, row.dismissed, row.open) == (9, 1, 8)
    (person,) = decider_stats(user=scene.supervisor)
    assert (person.user, person.decisions, person.dismissed) == (scene.guard, 1, 1)

    # Recomputing is idempotent: marking everything again changes nothing.
    before = sorted(AlertDailyStats.objects.values_list("day", "alerts", "dismissed", "open"))
    for day in {a.occurred_at.date() for a in alerts}:
        StatsStale.objects.get_or_create(camera_id=scene.rule.camera_id, day=day)
    stats_rollup_refresh()
    after = sorted(AlertDailyStats.objects.values_list("day", "alerts", "dismissed", "open"))
    assert after == before


def test_the_median_of_a_histogram_matches_the_median_of_the_values():
    import statistics

    from analytics.selectors.stats import DeciderStats

    for values in ([1.5], [1.0, 3.0], [4.0, 1.0, 2.5, 2.5, 9.0], [0.5] * 3 + [7.0] * 4):
        stats = DeciderStats(user=None)
        for value in values:
            key = f"{value:.1f}"
            stats.seconds_histogram[key] = stats.seconds_histogram.get(key, 0) + 1
        assert stats.median_seconds == statistics.median(values)
