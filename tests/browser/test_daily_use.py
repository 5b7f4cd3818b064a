"""Everyday use in a real browser: a supervisor is told of an escalation sent to them (a toast
on the wall and on the alert pages, and the header's count), a guard acknowledges several
alerts at once, and one alert shows the same time on the wall, the list and its page.

One module, one running Veil (see ``conftest.py``). The alerts here are crafted through the
real service, so the tests do not wait for the stream; the module turns the camera's rule off
first, so the worker's own alerts do not crowd the toasts and lists.
"""

from __future__ import annotations

import re
import time
import uuid
from datetime import timedelta

import pytest

from tests.browser.conftest import save_screenshot, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.slow]

TOAST_TIMEOUT = 15.0
ESCALATION_TITLE = "Escalated to you by"


@pytest.fixture(scope="module")
def quiet_camera(veil, django_db_blocker):
    """The module's camera without its rule: alerts come only from the tests."""
    from analytics.models import Rule

    with django_db_blocker.unblock():
        rule = Rule.objects.get(pk=veil.rule.pk)
        rule.enabled = False
        rule.save()  # save(): the worker reloads its rules when they change
    return veil


def craft_alert(veil, *, ago: timedelta = timedelta(0)):
    """An open alert on the module's camera, raised as a worker raises one (and pushed)."""
    from analytics import services
    from analytics.rules import RuleHit

    return services.alert_raise(
        camera_id=veil.camera.pk,
        hit=RuleHit(
            rule_id=veil.rule.pk,
            kind=veil.rule.kind,
            confidence=0.81,
            captured_at=time.time() - ago.total_seconds(),
            message="Crafted for the browser",
            boxes=((0.3, 0.3, 0.5, 0.9, 0.81, "person"),),
            dedupe_key=f"browser-daily-{uuid.uuid4().hex}",
        ),
    )


def _toasts(page, title_prefix: str) -> list[dict]:
    return [
        toast
        for toast in page.evaluate("window.__veilToasts || []")
        if toast["title"].startswith(title_prefix)
    ]


def _header_count(page) -> int:
    return int(page.locator("#header-escalations .header-escalations-count").inner_text())


def test_a_supervisor_gets_a_toast_and_a_count_for_an_escalation_sent_to_them(
    quiet_camera, people, orm
):
    from analytics.models import Alert

    veil = quiet_camera
    alert = craft_alert(veil)
    wall = people.open(veil.supervisor, "supervisor-wall")
    listing = people.open(veil.supervisor, "supervisor-list", path="/analytics/alerts/")
    wall.wait_for_selector("#connection-state[data-state=live]")
    listing.wait_for_function("() => window.veilTriage?.connected === true")
    before = {page: _header_count(page) for page in (wall, listing)}

    # The guard escalates from the alert's page, to this supervisor, with a note.
    guard = people.open(veil.guard_a, "guard-a", path=f"/analytics/alerts/{alert.pk}/")
    form = guard.locator("#decision-form-escalate")
    form.locator("select[name=escalate_to]").select_option(str(veil.supervisor.pk))
    form.locator("textarea[name=note]").fill("Someone at the side door, please look")
    with guard.expect_navigation():
        guard.click("#decision-submit-escalate")
    assert guard.locator("#alert-status").get_attribute("data-status") == "escalated"

    for page in (wall, listing):
        [toast] = wait_until(
            lambda page=page: _toasts(page, ESCALATION_TITLE),
            page=page,
            timeout=TOAST_TIMEOUT,
            message="no escalation toast for the supervisor",
        )
        assert toast["alertId"] == alert.pk
        assert toast["title"] == f"{ESCALATION_TITLE} {veil.guard_a}"
        assert toast["href"] == f"/analytics/alerts/{alert.pk}/"
        wait_until(
            lambda page=page: _header_count(page) == before[page] + 1,
            page=page,
            timeout=5,
            message="the header's escalation count did not move",
        )
    note = listing.locator(f'#toasts .toast[data-alert-id="{alert.pk}"] .toast-note')
    assert note.inner_text() == "“Someone at the side door, please look”"
    save_screenshot(listing, "escalation-toast-supervisor")
    # Nobody else is told: the guard who escalated gets no such toast.
    assert _toasts(guard, ESCALATION_TITLE) == []

    # The supervisor opens it from the toast, decides, and the queue is one shorter.
    with listing.expect_navigation():
        listing.locator(f'#toasts .toast[data-alert-id="{alert.pk}"] a.toast-text').click()
    form = listing.locator("#decision-form-confirm")
    form.locator("textarea[name=note]").fill("Seen on the live view: a delivery driver")
    with listing.expect_navigation():
        listing.click("#decision-submit-confirm")
    assert Alert.objects.get(pk=alert.pk).status == Alert.Status.CONFIRMED
    assert _header_count(listing) == before[listing]
    # The wall, still open, saw the decision go by and counts down too.
    wait_until(
        lambda: _header_count(wall) == before[wall],
        page=wall,
        timeout=5,
        message="the wall's escalation count did not follow the decision",
    )


def test_a_guard_acknowledges_several_alerts_at_once(quiet_camera, people, orm):
    from analytics.models import Alert, AlertDecision

    veil = quiet_camera
    alerts = [craft_alert(veil) for _ in range(3)]
    ids = {a.pk for a in alerts}
    guard = people.open(veil.guard_a, "guard-a", path="/analytics/alerts/?status=open")
    rows = guard.locator("input.bulk-select")
    assert {int(v) for v in rows.evaluate_all("boxes => boxes.map(b => b.value)")} >= ids
    assert guard.locator("#bulk-acknowledge-submit").is_disabled()
    guard.check("#bulk-select-all")
    count = rows.count()
    assert guard.locator("#bulk-count").inner_text().strip() == f"({count})"
    with guard.expect_navigation():
        guard.click("#bulk-acknowledge-submit")
    assert f"Acknowledged {count} alert" in guard.locator(".messages").inner_text()
    save_screenshot(guard, "bulk-acknowledge-guard")
    statuses = set(Alert.objects.filter(pk__in=ids).values_list("status", flat=True))
    assert statuses == {Alert.Status.ACKNOWLEDGED}
    decisions = AlertDecision.objects.filter(alert_id__in=ids, actor=veil.guard_a)
    assert decisions.filter(action="acknowledge").count() == len(ids)
    # Back on the same filtered list: none of them is offered again.
    assert guard.url.endswith("/analytics/alerts/?status=open")
    for alert_id in ids:
        assert guard.locator(f'tr[data-alert-id="{alert_id}"]').count() == 0


def _shown_time(locator) -> tuple[str, str]:
    time_element = locator.locator("time.timestamp").first
    return time_element.inner_text(), time_element.get_attribute("title")


def test_one_alert_shows_the_same_time_on_the_wall_the_list_and_its_page(quiet_camera, people, orm):
    from vms.timefmt import site_time_text, site_time_title

    veil = quiet_camera
    alert = craft_alert(veil, ago=timedelta(minutes=7))
    expected = (
        site_time_text(alert.occurred_at, veil.site_1.time_zone),
        site_time_title(alert.occurred_at, veil.site_1.time_zone),
    )
    guard = people.open(veil.guard_a, "guard-a")
    wall_item = guard.locator(f'#alert-items .alert-item[data-alert-id="{alert.pk}"]')
    shown = {"wall": _shown_time(wall_item)}
    assert "7 min ago" in wall_item.inner_text()

    # A new alert pushed while the wall is open is drawn by the script: the same format.
    guard.wait_for_selector("#connection-state[data-state=live]")
    pushed = craft_alert(veil)
    pushed_item = guard.locator(f'#alert-items .alert-item[data-alert-id="{pushed.pk}"]')
    pushed_item.wait_for(timeout=TOAST_TIMEOUT * 1000)
    shown_pushed = _shown_time(pushed_item)
    assert shown_pushed == (
        site_time_text(pushed.occurred_at, veil.site_1.time_zone),
        site_time_title(pushed.occurred_at, veil.site_1.time_zone),
    )

    guard.goto("/analytics/alerts/")
    shown["list"] = _shown_time(guard.locator(f'tr[data-alert-id="{alert.pk}"]'))
    guard.goto(f"/analytics/alerts/{alert.pk}/")
    shown["detail"] = _shown_time(guard.locator("#alert-time"))
    assert shown == dict.fromkeys(("wall", "list", "detail"), expected), shown
    # Site-local, ISO-like, 24-hour, with the zone's label: the site is in Berlin.
    assert re.fullmatch(r"\d{4}-\d\d-\d\d [0-2]\d:[0-5]\d (CET|CEST)", expected[0]), expected
