"""The guard's console in a real browser, on a real stream: the live wall, a toast for an alert
the analytics worker raised from the RTSP camera, triage, the supervisor's calibration, the
admin's zone editor, and another site's guard who sees none of it.

One module, one running Veil (see ``conftest.py``): the tests add alerts and decisions and
assert on what they added. The privacy test lives in ``test_no_unblurred_frames.py``.
"""

from __future__ import annotations

import time

import pytest

from tests.browser.conftest import save_screenshot, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.slow]

ALERT_TIMEOUT = 120.0  # worker warm-up, RTSP connect, the first person seen
QUIET_SECONDS = 15.0  # no alert while the rule's zone is where nobody walks
RESUME_TIMEOUT = 60.0
CRAFTED_CONFIRMED = (0.26, 0.28, 0.30)
CRAFTED_DISMISSED = (0.21, 0.22, 0.23, 0.24)
# Where the walking figure's feet never are (they stay in the lower third of the frame), and a
# zone over nearly all of it.
CEILING = [(0.05, 0.04), (0.95, 0.04), (0.95, 0.30), (0.05, 0.30)]
WHOLE_LOBBY = [(0.01, 0.01), (0.99, 0.01), (0.99, 0.99), (0.01, 0.99)]


@pytest.fixture(scope="module")
def calibration(veil):
    """Decided alerts with known confidences on the camera's rule, so the review page has a
    threshold to suggest: dismissed ones at 0.21–0.24, confirmed ones at 0.26–0.30."""
    from analytics import services
    from analytics.models import AlertDecision
    from analytics.rules import RuleHit

    crafted = {"confirmed": [], "dismissed": []}
    now = time.time()
    values = [("confirmed", v) for v in CRAFTED_CONFIRMED]
    values += [("dismissed", v) for v in CRAFTED_DISMISSED]
    for number, (outcome, confidence) in enumerate(values):
        alert = services.alert_raise(
            camera_id=veil.camera.pk,
            hit=RuleHit(
                rule_id=veil.rule.pk,
                kind=veil.rule.kind,
                confidence=confidence,
                captured_at=now - 3600 - number * 60,
                message="Crafted for calibration",
                boxes=((0.3, 0.3, 0.5, 0.9, confidence, "person"),),
                dedupe_key=f"browser-calibration-{veil.camera.pk}-{number}",
            ),
        )
        if outcome == "confirmed":
            services.alert_decide(
                actor=veil.supervisor,
                alert=alert,
                action=AlertDecision.Action.CONFIRM,
                note="Someone was there",
            )
        else:
            services.alert_decide(
                actor=veil.supervisor,
                alert=alert,
                action=AlertDecision.Action.DISMISS,
                reason=AlertDecision.DismissReason.LIGHT_OR_SHADOW,
            )
        crafted[outcome].append(alert.pk)
    return crafted


def _toasts(page) -> list[dict]:
    return page.evaluate("window.__veilToasts || []")


def _draw_area(page, points, name: str) -> None:
    """Draw a polygon with mouse clicks on the editor's SVG, name it, close it with Enter."""
    page.click("#tool-area")
    box = page.locator("#zone-canvas").bounding_box()
    assert box and box["width"] > 100, f"the drawing surface is not laid out: {box}"
    for x, y in points:
        page.mouse.click(box["x"] + x * box["width"], box["y"] + y * box["height"])
    page.keyboard.press("Enter")
    page.fill("#zone-name", name)
    page.click("#save-zones")
    page.wait_for_selector("#editor-status.ok", timeout=15_000)


def _use_zone(page, veil, zone) -> None:
    """Point the rule at ``zone`` through the rule form."""
    page.goto(f"/analytics/cameras/{veil.camera.pk}/zones/?rule={veil.rule.pk}")
    page.select_option("#rule-form select[name=zone]", str(zone.pk))
    with page.expect_navigation():
        page.click("#save-rule")


def _wait_for_worker_reload(veil, page, before: int) -> None:
    """Until the worker has reloaded the camera's configuration, plus one scan period (3 s),
    so the reload seen is certainly not an earlier change's."""
    wait_until(
        lambda: veil.reloads() > before,
        page=page,
        timeout=30,
        message="the worker never reloaded the camera's rules",
    )
    page.wait_for_timeout(4_000)


def test_guard_supervisor_admin_journey_on_a_live_stream(veil, calibration, people, orm):
    from analytics.models import Alert, AlertDecision, Rule, Zone

    camera, rule = veil.camera, veil.rule
    guard = people.open(veil.guard_a, "guard-a")
    other = people.open(veil.guard_b, "guard-b")

    # The other site's guard: a wall with their own camera only.
    other_tiles = other.eval_on_selector_all(
        ".tile", "ts => ts.map(t => Number(t.dataset.cameraId))"
    )
    assert other_tiles == [veil.other_camera.pk], f"guard B's wall shows {other_tiles}"

    # --- Guard A: the tile shows live frames (a new image each time) ----------------------
    tile = guard.locator(f'.tile[data-camera-id="{camera.pk}"]')
    feed = tile.locator("img.tile-feed")
    wait_until(
        lambda: int(tile.get_attribute("data-frames") or 0) >= 2,
        page=guard,
        timeout=ALERT_TIMEOUT,
        message="no live frame reached the lobby tile",
    )
    first_src, first_count = feed.get_attribute("src"), int(tile.get_attribute("data-frames"))
    wait_until(
        lambda: (
            feed.get_attribute("src") != first_src
            and int(tile.get_attribute("data-frames")) > first_count
        ),
        page=guard,
        timeout=30,
        message="the lobby tile stopped updating",
    )
    # The newest frame's object URL may still be decoding at any instant: wait for a decoded one.
    wait_until(
        lambda: feed.is_visible() and feed.evaluate("img => img.naturalWidth") > 0,
        page=guard,
        timeout=15,
        message="the lobby tile shows no decoded picture",
    )

    # --- an alert toast from the real stream --------------------------------------------
    toasts = wait_until(
        lambda: [t for t in _toasts(guard) if t["alertId"]],
        page=guard,
        timeout=ALERT_TIMEOUT,
        message="no alert toast on guard A's wall",
    )
    alert_id = toasts[0]["alertId"]
    alert = Alert.objects.get(pk=alert_id)
    assert alert.camera_id == camera.pk and alert.rule_id == rule.pk
    assert alert.pk not in calibration["confirmed"] + calibration["dismissed"]
    print(f"worker alert {alert.pk}: confidence {alert.confidence:.2f}")
    save_screenshot(guard, "wall-guard-a")

    # Open it from the toast (it stays while hovered; the panel item is the same link).
    link = guard.locator(f'#toasts .toast[data-alert-id="{alert_id}"] a.toast-text')
    if not link.count():
        link = guard.locator(f'#alert-items .alert-item[data-alert-id="{alert_id}"] a.alert-link')
    with guard.expect_navigation():
        link.click()
    assert guard.url.endswith(f"/analytics/alerts/{alert_id}/"), guard.url
    guard.wait_for_function(
        "() => document.getElementById('alert-snapshot')?.naturalWidth > 0", timeout=15_000
    )
    save_screenshot(guard, "alert-detail-guard-a")

    # --- dismiss it as a false positive, with a reason and a note -----------------------
    form = guard.locator("#decision-form-dismiss")
    form.locator("select[name=reason]").select_option(AlertDecision.DismissReason.LIGHT_OR_SHADOW)
    form.locator("textarea[name=note]").fill("Reflection on the lobby glass")
    with guard.expect_navigation():
        guard.click("#decision-submit-dismiss")
    assert guard.locator("#alert-status").get_attribute("data-status") == "dismissed"
    decision = AlertDecision.objects.get(alert_id=alert_id)
    assert (decision.actor_id, decision.action, decision.reason, decision.note) == (
        veil.guard_a.pk,
        AlertDecision.Action.DISMISS,
        AlertDecision.DismissReason.LIGHT_OR_SHADOW,
        "Reflection on the lobby glass",
    )

    # --- guard B: not the toast, not the alert, not its snapshot ------------------------
    assert _toasts(other) == [], f"guard B saw toasts: {_toasts(other)}"
    response = other.goto(f"/analytics/alerts/{alert_id}/")
    assert response.status == 404
    snapshot = other.request.get(f"/analytics/alerts/{alert_id}/snapshot.jpg")
    assert snapshot.status == 404
    other.goto("/analytics/wall/")
    assert other.locator(f'.tile[data-camera-id="{camera.pk}"]').count() == 0
    assert other.locator(f'#alert-items [data-camera-id="{camera.pk}"]').count() == 0

    # --- the supervisor: precision with the dismissal, then the suggested threshold -----
    supervisor = people.open(veil.supervisor, "supervisor", path="/analytics/review/")
    row = supervisor.locator(f'tr.rule-row[data-camera-id="{camera.pk}"][data-rule-id="{rule.pk}"]')
    confirmed = len(CRAFTED_CONFIRMED)
    dismissed = len(CRAFTED_DISMISSED) + 1  # the crafted ones and guard A's
    assert int(row.locator(".stat-confirmed").inner_text()) == confirmed
    assert int(row.locator(".stat-dismissed").inner_text()) == dismissed
    precision = float(row.locator(".stat-precision").get_attribute("data-precision"))
    assert precision == pytest.approx(confirmed / (confirmed + dismissed))
    suggested = float(row.locator(".suggestion-value").get_attribute("data-value"))
    assert max(CRAFTED_DISMISSED) < suggested <= min(CRAFTED_CONFIRMED)
    with supervisor.expect_navigation():
        row.locator(".apply-form button[type=submit]").click()
    rule.refresh_from_db()
    assert rule.min_confidence == pytest.approx(suggested)
    row = supervisor.locator(f'tr.rule-row[data-camera-id="{camera.pk}"][data-rule-id="{rule.pk}"]')
    assert float(row.locator(".stat-min-confidence").inner_text()) == pytest.approx(suggested)

    # --- the admin: a zone where nobody walks, then no alerts -------------------------------
    admin = people.open(veil.admin, "admin", path=f"/analytics/cameras/{camera.pk}/zones/")
    _draw_area(admin, CEILING, "Ceiling")
    ceiling = Zone.objects.get(camera=camera, name="Ceiling")
    assert sum(ceiling.points, []) == pytest.approx(sum(map(list, CEILING), []), abs=0.01)
    save_screenshot(admin, "zone-editor-admin")
    reloads = veil.reloads()
    _use_zone(admin, veil, ceiling)
    assert Rule.objects.get(pk=rule.pk).zone_id == ceiling.pk
    _wait_for_worker_reload(veil, admin, reloads)
    quiet_from = Alert.objects.filter(rule=rule).order_by("-pk").values_list("pk", flat=True)[0]
    guard.goto("/analytics/wall/")
    guard.wait_for_timeout(QUIET_SECONDS * 1000)
    late = list(Alert.objects.filter(rule=rule, pk__gt=quiet_from).values_list("pk", flat=True))
    assert late == [], f"alerts {late} with the rule's zone where nobody walks"

    # --- a zone over the whole lobby: alerts resume, and reach guard A ------------------
    _draw_area(admin, WHOLE_LOBBY, "Whole lobby")
    whole = Zone.objects.get(camera=camera, name="Whole lobby")
    reloads = veil.reloads()
    _use_zone(admin, veil, whole)
    _wait_for_worker_reload(veil, admin, reloads)
    resumed = wait_until(
        lambda: [t for t in _toasts(guard) if t["alertId"] and t["alertId"] > quiet_from],
        page=guard,
        timeout=RESUME_TIMEOUT,
        message="no alert after the rule's zone covered the lobby again",
    )
    assert Alert.objects.get(pk=resumed[0]["alertId"]).rule_id == rule.pk

    # Guard B heard none of it, all along.
    assert [t for t in _toasts(other) if t["alertId"]] == []
