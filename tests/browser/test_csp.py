"""The Content-Security-Policy in a real browser: every page of the console (and the vendor page,
Swagger UI) works under it with no violation, and the watcher in
``conftest.py`` that fails a test on any violation really sees one.

The other browser modules cover the wall, the alert pages and the zone editor as guards and
supervisors; this one walks the rest, as an admin and as a DPO.
"""

from __future__ import annotations

import time
import uuid

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.slow]

STRICT = {"default-src 'self'", "script-src 'self'", "style-src 'self'", "object-src 'none'"}


def _visit(page, path: str) -> dict[str, str]:
    """Open ``path``; its policy, as directives. Fails on a server error."""
    response = page.goto(path)
    assert response is not None and response.status < 500, f"{path}: {response.status}"
    page.wait_for_load_state("load")
    header = response.headers.get("content-security-policy", "")
    return {part.strip().split(" ", 1)[0]: part.strip() for part in header.split(";") if part}


def test_every_admin_and_dpo_page_runs_under_the_policy(veil, people, orm):
    from accounts.roles import Role
    from tests.factories import UserFactory

    dpo = UserFactory(username=f"dpo-{uuid.uuid4().hex[:6]}", role=Role.DPO)
    admin = people.open(veil.admin, "admin", path="/cameras/")
    camera, site, user = veil.camera.pk, veil.site_1.pk, veil.guard_a.pk
    for path in (
        "/cameras/",
        f"/cameras/{camera}/",
        f"/cameras/{camera}/edit/",
        "/cameras/new/",
        f"/cameras/{camera}/disable/",
        "/cameras/sites/",
        f"/cameras/sites/{site}/",
        f"/cameras/sites/{site}/edit/",
        "/cameras/sites/new/",
        "/accounts/users/",
        "/accounts/users/new/",
        f"/accounts/users/{user}/",
        f"/accounts/users/{user}/access/",
        f"/accounts/users/{user}/password/",
        "/analytics/review/",
        "/accounts/security/",
        "/accounts/tokens/",
        "/accounts/tokens/all/",
        "/no/such/page/",
    ):
        directives = _visit(admin, path)
        assert {directives.get(d.split()[0]) for d in STRICT} == STRICT, path
    auditor = people.open(dpo, "dpo", path="/audit/access/")
    for path in ("/audit/access/", "/audit/changes/", "/analytics/alerts/"):
        _visit(auditor, path)
    assert people.csp_report() == []


def test_swagger_ui_works_under_its_scoped_policy_and_the_api_stays_strict(veil, people):
    admin = people.open(veil.admin, "admin", path="/cameras/")
    docs = _visit(admin, "/api/v1/docs/")
    assert docs["script-src"].startswith("script-src 'self' 'nonce-")
    # The start-up script ran (it carries the nonce): Swagger UI drew the API's operations.
    admin.locator(".swagger-ui .opblock").first.wait_for(timeout=20_000)
    # The API answers JSON only (no browsable HTML API), under the strict policy.
    response = admin.goto("/api/v1/cameras/")
    assert response is not None and response.status == 200
    assert response.headers["content-type"].startswith("application/json")
    assert "script-src 'self';" in response.headers["content-security-policy"] + ";"
    assert people.csp_report() == []


def test_box_labels_sit_on_their_boxes_without_inline_style(veil, people, orm):
    import cv2
    import numpy as np

    from analytics import services
    from analytics.rules import RuleHit

    snapshot = cv2.imencode(".jpg", np.full((90, 160, 3), 120, np.uint8))[1].tobytes()
    alert = services.alert_raise(
        camera_id=veil.camera.pk,
        hit=RuleHit(
            rule_id=veil.rule.pk,
            kind=veil.rule.kind,
            confidence=0.77,
            captured_at=time.time(),
            message="Crafted for the policy test",
            boxes=((0.25, 0.4, 0.5, 0.9, 0.77, "person"),),
            dedupe_key=f"browser-csp-{uuid.uuid4().hex}",
        ),
        snapshot_jpeg=snapshot,
    )
    guard = people.open(veil.guard_a, "guard-a", path=f"/analytics/alerts/{alert.pk}/")
    label = guard.locator(".box-label").first
    label.wait_for()
    guard.wait_for_function(
        "() => document.querySelector('.box-label').style.left !== ''", timeout=10_000
    )
    assert label.evaluate("(el) => [el.style.left, el.style.top]") == ["25%", "40%"]
    media = guard.locator(".alert-media").bounding_box()
    box = label.bounding_box()
    assert box["x"] == pytest.approx(media["x"] + 0.25 * media["width"], abs=2)
    assert people.csp_report() == []


def test_the_watcher_sees_a_violation(veil, people):
    page = people.open(veil.guard_a, "guard-a", path="/analytics/alerts/")
    page.evaluate(
        """() => {
          const script = document.createElement("script");
          script.textContent = "window.__inlineRan = true";
          document.body.append(script);
        }"""
    )
    assert page.evaluate("() => window.__inlineRan === undefined")  # blocked
    seen = people.csp_report()
    assert any("script-src" in line for line in seen), seen
    people.csp_violations.clear()  # seen on purpose: the fixture must not fail this test
