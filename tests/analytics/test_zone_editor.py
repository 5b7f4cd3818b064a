"""The zone and rule editor, through HTTP: admins draw zones, lines and privacy masks and set
rules; everyone else gets the 404 of a missing camera; bad shapes are refused with a clear
error and store nothing; changes are in the change log with the admin as actor. And, with a
real analytics worker: a saved zone or mask takes effect on the running worker.
"""

from __future__ import annotations

import json
import re
import time

import cv2
import numpy as np
import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import reverse

from accounts.roles import Role
from analytics.models import Alert, Rule, Zone
from privacy.models import PrivacyMask
from tests.factories import CameraFactory, SiteFactory, UserFactory

MISSING_PK = 987654
CSRF_VALUE = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')
SQUARE = [[0.1, 0.1], [0.5, 0.1], [0.5, 0.5], [0.1, 0.5]]
LINE = [[0.2, 0.8], [0.8, 0.8]]


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post_json(client: Client, url: str, body: dict | None = None):
    return client.post(url, data=json.dumps(body or {}), content_type="application/json")


@pytest.fixture
def world(db):
    site = SiteFactory(name="Harbour depot")
    camera = CameraFactory(site=site, name="Lobby")
    return {
        "site": site,
        "camera": camera,
        "admin": UserFactory(role=Role.ADMIN),
        "guard": UserFactory(role=Role.GUARD, sites=[site]),
        "supervisor": UserFactory(role=Role.SUPERVISOR, sites=[site]),
        "dpo": UserFactory(role=Role.DPO),
    }


def editor_url(camera_id: int) -> str:
    return reverse("analytics:camera-zones", args=[camera_id])


# --- the page ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_admin_opens_editor_with_shapes_rules_and_frame_urls(world):
    camera = world["camera"]
    zone = Zone.objects.create(camera=camera, name="Door", points=SQUARE)
    Zone.objects.create(camera=camera, name="Threshold", kind=Zone.Kind.LINE, points=LINE)
    PrivacyMask.objects.create(camera=camera, name="Neighbour window", points=SQUARE)
    Rule.objects.create(camera=camera, name="After hours", kind=Rule.Kind.PERSON_IN_ZONE, zone=zone)

    response = client_for(world["admin"]).get(editor_url(camera.pk))

    assert response.status_code == 200
    html = response.content.decode()
    for hook in ("zone-canvas", "tool-area", "tool-line", "tool-mask", "save-zones", "zone-name"):
        assert f'id="{hook}"' in html
    assert "js/zone-editor.js" in html
    data = response.context["editor"]
    assert data["frame_url"] == reverse("analytics:live-frame", args=[camera.pk])
    assert {(z["name"], z["type"]) for z in data["zones"]} == {
        ("Door", "area"),
        ("Threshold", "line"),
    }
    assert next(z for z in data["zones"] if z["name"] == "Door")["used_by"] == ["After hours"]
    assert [m["name"] for m in data["masks"]] == ["Neighbour window"]
    assert 'id="zone-editor-data"' in html and "After hours" in html


@pytest.mark.django_db
def test_camera_detail_links_the_editor_only_for_those_who_may_change_it(world):
    camera = world["camera"]
    link = editor_url(camera.pk)
    admin_page = client_for(world["admin"]).get(reverse("cameras:camera-detail", args=[camera.pk]))
    guard_page = client_for(world["guard"]).get(reverse("cameras:camera-detail", args=[camera.pk]))
    assert link in admin_page.content.decode()
    assert guard_page.status_code == 200 and link not in guard_page.content.decode()


def _every_endpoint(camera_id: int, zone_id: int, mask_id: int, rule_id: int):
    """(method, url, body) for the page and every write it makes."""
    return [
        ("get", editor_url(camera_id), None),
        ("post", reverse("analytics:zone-save", args=[camera_id]), {"name": "X", "type": "area", "points": SQUARE}),
        ("post", reverse("analytics:zone-delete", args=[camera_id, zone_id]), {}),
        ("post", reverse("analytics:mask-save", args=[camera_id]), {"points": SQUARE}),
        ("post", reverse("analytics:mask-delete", args=[camera_id, mask_id]), {}),
        ("post", reverse("analytics:rule-create", args=[camera_id]), None),
        ("post", reverse("analytics:rule-edit", args=[camera_id, rule_id]), None),
        ("post", reverse("analytics:rule-delete", args=[camera_id, rule_id]), None),
    ]  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["guard", "supervisor", "dpo"])
def test_other_roles_get_the_404_of_a_missing_camera_everywhere(world, role):
    camera = world["camera"]
    zone = Zone.objects.create(camera=camera, name="Door", points=SQUARE)
    mask = PrivacyMask.objects.create(camera=camera, points=SQUARE)
    rule = Rule.objects.create(camera=camera, name="R", kind=Rule.Kind.PERSON_IN_ZONE, zone=zone)
    client = client_for(world[role])
    rule_form = {"name": "Hijack", "kind": "crowd", "dwell_seconds": 1, "count_threshold": 1,
                 "min_confidence": 0.1, "cooldown_seconds": 1}  # fmt: skip

    for (method, url, body), (_, missing_url, _) in zip(
        _every_endpoint(camera.pk, zone.pk, mask.pk, rule.pk),
        _every_endpoint(MISSING_PK, MISSING_PK, MISSING_PK, MISSING_PK),
        strict=True,
    ):
        answers = []
        for target in (url, missing_url):
            if method == "get":
                response = client.get(target)
            elif body is None:
                response = client.post(target, data=rule_form)
            else:
                response = post_json(client, target, body)
            assert response.status_code == 404, (role, target)
            page = CSRF_VALUE.sub("", response.content.decode()).replace(target, "<path>")
            answers.append(page)
        assert answers[0] == answers[1], url  # hidden and missing read the same

    # Nothing changed.
    assert list(Zone.objects.values_list("name", flat=True)) == ["Door"]
    assert PrivacyMask.objects.count() == 1
    assert list(Rule.objects.values_list("name", flat=True)) == ["R"]


@pytest.mark.django_db
def test_admin_of_one_camera_cannot_reach_shapes_of_another_through_its_url(world):
    camera = world["camera"]
    other = CameraFactory(name="Yard")
    other_zone = Zone.objects.create(camera=other, name="Yard zone", points=SQUARE)
    client = client_for(world["admin"])
    # The zone exists, but not on this camera: the same 404 as a missing one.
    response = post_json(client, reverse("analytics:zone-delete", args=[camera.pk, other_zone.pk]))
    assert response.status_code == 404
    response = post_json(
        client,
        reverse("analytics:zone-save", args=[camera.pk]),
        {"id": other_zone.pk, "name": "Moved", "type": "area", "points": SQUARE},
    )
    assert response.status_code == 404
    assert Zone.objects.get(pk=other_zone.pk).name == "Yard zone"


# --- shapes -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_admin_saves_moves_and_deletes_an_area_a_line_and_a_mask(world):
    camera, admin = world["camera"], world["admin"]
    client = client_for(admin)
    save_zone = reverse("analytics:zone-save", args=[camera.pk])
    save_mask = reverse("analytics:mask-save", args=[camera.pk])

    area = post_json(
        client, save_zone, {"id": None, "name": "Door", "type": "area", "points": SQUARE}
    )
    line = post_json(client, save_zone, {"name": "Threshold", "type": "line", "points": LINE})
    mask = post_json(client, save_mask, {"name": "Window", "points": SQUARE})
    assert (area.status_code, line.status_code, mask.status_code) == (200, 200, 200)
    area_id, line_id = area.json()["zone"]["id"], line.json()["zone"]["id"]
    mask_id = mask.json()["mask"]["id"]
    assert Zone.objects.get(pk=area_id).points == SQUARE
    assert Zone.objects.get(pk=line_id).kind == Zone.Kind.LINE
    assert PrivacyMask.objects.get(pk=mask_id).camera_id == camera.pk

    moved = [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.123456789, 1.0]]
    response = post_json(
        client, save_zone, {"id": area_id, "name": "Whole floor", "type": "area", "points": moved}
    )
    assert response.status_code == 200
    zone = Zone.objects.get(pk=area_id)
    assert zone.name == "Whole floor" and zone.points[3] == [0.1235, 1.0]  # rounded to 1e-4
    response = post_json(client, save_mask, {"id": mask_id, "name": "Window", "points": moved})
    assert response.status_code == 200 and PrivacyMask.objects.get(pk=mask_id).points[0] == [0, 0]

    for url in (
        reverse("analytics:zone-delete", args=[camera.pk, area_id]),
        reverse("analytics:zone-delete", args=[camera.pk, line_id]),
        reverse("analytics:mask-delete", args=[camera.pk, mask_id]),
    ):
        assert post_json(client, url).status_code == 200
    assert not Zone.objects.exists() and not PrivacyMask.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url_name", "body", "message"),
    [
        (
            "analytics:zone-save",
            {"name": "A", "type": "area", "points": [[0.1, 0.1], [1.2, 0.1], [0.5, 0.5]]},
            "inside the frame",
        ),
        (
            "analytics:zone-save",
            {"name": "A", "type": "area", "points": [[0.1, -0.01], [0.2, 0.1], [0.5, 0.5]]},
            "inside the frame",
        ),
        (
            "analytics:zone-save",
            {"name": "A", "type": "area", "points": [[0.1, 0.1], [0.5, 0.5]]},
            "at least 3 points",
        ),
        (
            "analytics:zone-save",
            {"name": "L", "type": "line", "points": SQUARE[:3]},
            "exactly two points",
        ),
        (
            "analytics:zone-save",
            {"name": "A", "type": "area", "points": [[0.1, "x"], [0.2, 0.1], [0.5, 0.5]]},
            "pair of numbers",
        ),
        (
            "analytics:zone-save",
            {"name": "A", "type": "area", "points": "0.1,0.1"},
            "list of [x, y]",
        ),
        ("analytics:zone-save", {"name": "", "type": "area", "points": SQUARE}, "blank"),
        (
            "analytics:zone-save",
            {"name": "A", "type": "circle", "points": SQUARE},
            "area or a line",
        ),
        ("analytics:mask-save", {"points": [[0.1, 0.1], [0.5, 0.5]]}, "at least 3 points"),
        ("analytics:mask-save", {"points": [[0.1, 0.1], [0.5, 0.5], [2, 2]]}, "inside the frame"),
    ],
)
def test_invalid_shapes_are_refused_with_a_clear_error_and_nothing_stored(
    world, url_name, body, message
):
    client = client_for(world["admin"])
    response = post_json(client, reverse(url_name, args=[world["camera"].pk]), body)
    assert response.status_code == 400
    assert message in response.json()["error"]
    assert not Zone.objects.exists() and not PrivacyMask.objects.exists()


@pytest.mark.django_db
def test_not_json_is_refused(world):
    client = client_for(world["admin"])
    response = client.post(
        reverse("analytics:zone-save", args=[world["camera"].pk]),
        data="not json",
        content_type="application/json",
    )
    assert response.status_code == 400 and "JSON" in response.json()["error"]


@pytest.mark.django_db
def test_duplicate_zone_name_on_a_camera_is_refused(world):
    client = client_for(world["admin"])
    url = reverse("analytics:zone-save", args=[world["camera"].pk])
    assert (
        post_json(client, url, {"name": "Door", "type": "area", "points": SQUARE}).status_code
        == 200
    )
    response = post_json(client, url, {"name": "Door", "type": "area", "points": SQUARE})
    assert response.status_code == 400 and "already exists" in response.json()["error"]
    assert Zone.objects.count() == 1


@pytest.mark.django_db
def test_deleting_a_zone_a_rule_uses_is_refused_and_its_kind_kept(world):
    camera = world["camera"]
    zone = Zone.objects.create(camera=camera, name="Door", points=SQUARE)
    Rule.objects.create(camera=camera, name="After hours", kind=Rule.Kind.PERSON_IN_ZONE, zone=zone)
    client = client_for(world["admin"])

    response = post_json(client, reverse("analytics:zone-delete", args=[camera.pk, zone.pk]))
    assert response.status_code == 400
    assert "used by the rule After hours" in response.json()["error"]
    assert Zone.objects.filter(pk=zone.pk).exists()

    response = post_json(
        client,
        reverse("analytics:zone-save", args=[camera.pk]),
        {"id": zone.pk, "name": "Door", "type": "line", "points": LINE},
    )
    assert response.status_code == 400 and "Rules use" in response.json()["error"]
    assert Zone.objects.get(pk=zone.pk).kind == Zone.Kind.AREA


# --- rules ------------------------------------------------------------------------------------


def rule_form(**overrides) -> dict:
    form = {
        "name": "After hours",
        "kind": Rule.Kind.PERSON_IN_ZONE,
        "zone": "",
        "active_from": "22:00",
        "active_until": "06:00",
        "dwell_seconds": 30,
        "count_threshold": 5,
        "min_confidence": 0.6,
        "cooldown_seconds": 45,
        "enabled": "on",
    }
    form.update(overrides)
    return form


@pytest.mark.django_db
def test_admin_creates_edits_and_deletes_a_rule(world):
    camera = world["camera"]
    area = Zone.objects.create(camera=camera, name="Door", points=SQUARE)
    line = Zone.objects.create(camera=camera, name="Threshold", kind=Zone.Kind.LINE, points=LINE)
    client = client_for(world["admin"])

    response = client.post(
        reverse("analytics:rule-create", args=[camera.pk]), data=rule_form(zone=area.pk)
    )
    assert response.status_code == 302 and response["Location"] == editor_url(camera.pk)
    rule = Rule.objects.get()
    assert (rule.zone, rule.min_confidence, rule.cooldown_seconds) == (area, 0.6, 45)
    assert rule.active_from.hour == 22 and rule.active_until.hour == 6 and rule.enabled

    page = client.get(editor_url(camera.pk), {"rule": rule.pk})
    assert page.status_code == 200 and page.context["editing"] == rule
    assert reverse("analytics:rule-edit", args=[camera.pk, rule.pk]) in page.content.decode()

    response = client.post(
        reverse("analytics:rule-edit", args=[camera.pk, rule.pk]),
        data=rule_form(
            name="Crossing", kind=Rule.Kind.LINE_CROSSING, zone=line.pk, active_from="",
            active_until="", enabled="",
        ),
    )  # fmt: skip
    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.name, rule.kind, rule.zone, rule.active_from, rule.enabled) == (
        "Crossing", Rule.Kind.LINE_CROSSING, line, None, False,
    )  # fmt: skip

    response = client.post(reverse("analytics:rule-delete", args=[camera.pk, rule.pk]))
    assert response.status_code == 302 and not Rule.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"kind": Rule.Kind.PERSON_IN_ZONE, "zone": ""}, "This rule needs an area zone."),
        ({"kind": Rule.Kind.LOITERING, "zone": "line"}, "This rule needs an area zone."),
        ({"kind": Rule.Kind.LINE_CROSSING, "zone": "area"}, "A line-crossing rule needs a line."),
        ({"active_until": ""}, "Give both"),
        ({"min_confidence": "1.5"}, "less than or equal to 1"),
        ({"cooldown_seconds": "0"}, "greater than or equal to 1"),
        ({"zone": "other"}, "Select a valid choice"),
    ],
)
def test_invalid_rules_show_the_error_and_store_nothing(world, overrides, message):
    camera = world["camera"]
    zones = {
        "area": Zone.objects.create(camera=camera, name="Door", points=SQUARE).pk,
        "line": Zone.objects.create(camera=camera, name="Sill", kind="line", points=LINE).pk,
        "other": Zone.objects.create(camera=CameraFactory(), name="Far", points=SQUARE).pk,
    }
    if overrides.get("zone") in zones:
        overrides["zone"] = zones[overrides["zone"]]
    overrides.setdefault("zone", zones["area"])
    client = client_for(world["admin"])

    response = client.post(
        reverse("analytics:rule-create", args=[camera.pk]), rule_form(**overrides)
    )

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Rule.objects.exists()


# --- the change log ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_changes_are_in_the_change_log_with_the_admin_as_actor(world):
    camera, admin = world["camera"], world["admin"]
    client = client_for(admin)
    zone_id = post_json(
        client,
        reverse("analytics:zone-save", args=[camera.pk]),
        {"name": "Door", "type": "area", "points": SQUARE},
    ).json()["zone"]["id"]
    mask_id = post_json(
        client, reverse("analytics:mask-save", args=[camera.pk]), {"points": SQUARE}
    ).json()["mask"]["id"]
    client.post(reverse("analytics:rule-create", args=[camera.pk]), rule_form(zone=zone_id))
    rule_id = Rule.objects.get().pk
    client.post(reverse("analytics:rule-delete", args=[camera.pk, rule_id]))
    post_json(client, reverse("analytics:mask-delete", args=[camera.pk, mask_id]))

    def entries(model, pk):
        return LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(model), object_pk=str(pk)
        )

    for model, pk, actions in (
        (Zone, zone_id, {LogEntry.Action.CREATE}),
        (PrivacyMask, mask_id, {LogEntry.Action.CREATE, LogEntry.Action.DELETE}),
        (Rule, rule_id, {LogEntry.Action.CREATE, LogEntry.Action.DELETE}),
    ):
        logged = entries(model, pk)
        assert {entry.action for entry in logged} == actions, model
        assert {entry.actor_id for entry in logged} == {admin.pk}, model


# --- with a real analytics worker -------------------------------------------------------------

QUIET_SECONDS = 12.0  # more than a full walk of the scene (10 s loop)
START_TIMEOUT = 120.0  # worker start, RTSP connect, models warm-up
CHANGE_TIMEOUT = 60.0  # config scan every 3 s, then the person walks into the zone
CORNER = [[0.92, 0.0], [1.0, 0.0], [1.0, 0.06], [0.92, 0.06]]  # the feet never go there
WHOLE_FRAME = [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]]
MASK = [[0.02, 0.04], [0.3, 0.04], [0.3, 0.4], [0.02, 0.4]]


def _live_frame(camera_id: int) -> np.ndarray | None:
    import redis
    from django.conf import settings

    from vms.realtime import live_last_key

    client = redis.Redis.from_url(settings.REDIS_URL)
    try:
        jpeg = client.get(live_last_key(camera_id))
    finally:
        client.close()
    if not jpeg:
        return None
    return cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)


def _mask_region(image: np.ndarray, points, inset: int = 4) -> np.ndarray:
    height, width = image.shape[:2]
    xs = [round(x * width) for x, _ in points]
    ys = [round(y * height) for _, y in points]
    return image[min(ys) + inset : max(ys) - inset, min(xs) + inset : max(xs) - inset]


def _wait(predicate, *, timeout: float, message: str):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value is not None and value is not False:
            return value  # a frame (an array) has no truth value of its own
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s: {message}")
        time.sleep(0.5)


@pytest.mark.worker
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_saved_zone_and_mask_take_effect_on_the_running_worker(
    rtsp_server, demo_media, analytics_workers
):
    from analytics import services
    from compliance.audit import acting_as

    admin = UserFactory(role=Role.ADMIN)
    camera = CameraFactory(name="Lobby", source_url=rtsp_server.urls["lobby"])
    with acting_as(admin):
        zone = services.zone_save(
            actor=admin, camera=camera, name="Corner", kind=Zone.Kind.AREA, points=CORNER
        )
        services.rule_save(
            actor=admin, camera=camera, name="Anyone in the zone",
            kind=Rule.Kind.PERSON_IN_ZONE, zone=zone, min_confidence=0.3, cooldown_seconds=5,
        )  # fmt: skip

    worker = analytics_workers.start()
    first = _wait(
        lambda: _live_frame(camera.pk), timeout=START_TIMEOUT, message="no live frame from worker"
    )
    # The region the mask will cover is a picture, not black, before the mask.
    assert _mask_region(first, MASK).mean() > 40

    # The person walks, but never into the corner: no alert over a whole walk.
    time.sleep(QUIET_SECONDS)
    latest = _live_frame(camera.pk)
    assert latest is not None and not np.array_equal(latest, first), "the worker stopped"
    assert not Alert.objects.filter(camera=camera).exists()

    # Widen the zone to the whole frame: alerts arrive, and the worker is the same process.
    with acting_as(admin):
        services.zone_save(
            actor=admin, camera=camera, zone=zone, name="Corner", kind=Zone.Kind.AREA,
            points=WHOLE_FRAME,
        )  # fmt: skip
    alert = _wait(
        lambda: Alert.objects.filter(camera=camera, kind=Rule.Kind.PERSON_IN_ZONE).first(),
        timeout=CHANGE_TIMEOUT,
        message="no alert after the zone covered the frame",
    )
    assert alert.rule.zone_id == zone.pk

    # A privacy mask saved mid-run is blacked out of the live frame.
    with acting_as(admin):
        services.privacy_mask_save(actor=admin, camera=camera, name="Window", points=MASK)

    def masked_frame():
        frame = _live_frame(camera.pk)
        if frame is not None and _mask_region(frame, MASK).max() < 40:
            return frame
        return None

    frame = _wait(masked_frame, timeout=CHANGE_TIMEOUT, message="the mask never reached frames")
    region = _mask_region(frame, MASK)
    print(f"masked region: mean {region.mean():.1f}, max {region.max()}")
    assert region.mean() < 8
    # Outside the mask the picture is still there.
    assert frame[int(0.6 * frame.shape[0]) :, int(0.5 * frame.shape[1]) :].mean() > 40

    assert worker.process.poll() is None, "the worker was restarted or died"
    assert worker.log().count("configuration reloaded") >= 2
