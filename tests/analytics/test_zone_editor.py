"""The zone and rule editor, through HTTP: admins draw zones, lines and privacy masks (saved
through the REST API, as the page's script does: session cookie and CSRF token) and set rules
(an HTML form); everyone else gets the 404 of a missing camera on the page and cannot change a
shape through the API; bad shapes are refused with a clear error and store nothing; changes
are in the change log with the admin as actor. With a real analytics worker:
``test_zone_editor_worker.py``.
"""

from __future__ import annotations

import json

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from accounts.roles import Role
from analytics.models import Rule, Zone
from privacy.models import PrivacyMask
from tests.analytics.editor import (
    CSRF_VALUE,
    LINE,
    MASKS,
    MISSING_PK,
    SQUARE,
    ZONES,
    EditorSession,
    client_for,
    editor_url,
    error_text,
    mask_url,
    zone_url,
)
from tests.factories import CameraFactory, SiteFactory, UserFactory


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


# --- the page ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_admin_opens_editor_with_shapes_rules_and_api_urls(world):
    camera = world["camera"]
    zone = Zone.objects.create(camera=camera, name="Door", points=SQUARE)
    Zone.objects.create(camera=camera, name="Threshold", kind=Zone.Kind.LINE, points=LINE)
    mask = PrivacyMask.objects.create(camera=camera, name="Neighbour window", points=SQUARE)
    Rule.objects.create(camera=camera, name="After hours", kind=Rule.Kind.PERSON_IN_ZONE, zone=zone)
    PrivacyMask.objects.create(camera=CameraFactory(), name="Elsewhere", points=SQUARE)

    response = client_for(world["admin"]).get(editor_url(camera.pk))

    assert response.status_code == 200
    html = response.content.decode()
    for hook in ("zone-canvas", "tool-area", "tool-line", "tool-mask", "save-zones", "zone-name"):
        assert f'id="{hook}"' in html
    assert "js/zone-editor.js" in html
    data = response.context["editor"]
    assert data["frame_url"] == reverse("analytics:live-frame", args=[camera.pk])
    assert data["urls"] == {"zones": ZONES, "masks": MASKS}
    # The shapes as the API shows them, so the script reads one shape of data.
    assert {(z["name"], z["kind"]) for z in data["zones"]} == {
        ("Door", "area"),
        ("Threshold", "line"),
    }
    door = next(z for z in data["zones"] if z["name"] == "Door")
    assert door["used_by"] == ["After hours"] and door["url"].endswith(f"{ZONES}{zone.pk}/")
    assert [(m["name"], m["url"].endswith(f"{MASKS}{mask.pk}/")) for m in data["masks"]] == [
        ("Neighbour window", True)
    ]
    assert 'id="zone-editor-data"' in html and "After hours" in html


@pytest.mark.django_db
def test_camera_detail_links_the_editor_only_for_those_who_may_change_it(world):
    camera = world["camera"]
    link = editor_url(camera.pk)
    admin_page = client_for(world["admin"]).get(reverse("cameras:camera-detail", args=[camera.pk]))
    guard_page = client_for(world["guard"]).get(reverse("cameras:camera-detail", args=[camera.pk]))
    assert link in admin_page.content.decode()
    assert guard_page.status_code == 200 and link not in guard_page.content.decode()


def _every_page(camera_id: int, rule_id: int):
    """(method, url) for the page and every form it posts."""
    return [
        ("get", editor_url(camera_id)),
        ("post", reverse("analytics:rule-create", args=[camera_id])),
        ("post", reverse("analytics:rule-edit", args=[camera_id, rule_id])),
        ("post", reverse("analytics:rule-delete", args=[camera_id, rule_id])),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["guard", "supervisor", "dpo"])
def test_other_roles_get_the_404_of_a_missing_camera_on_every_page(world, role):
    camera = world["camera"]
    zone = Zone.objects.create(camera=camera, name="Door", points=SQUARE)
    rule = Rule.objects.create(camera=camera, name="R", kind=Rule.Kind.PERSON_IN_ZONE, zone=zone)
    client = client_for(world[role])
    rule_form = {"name": "Hijack", "kind": "crowd", "dwell_seconds": 1, "count_threshold": 1,
                 "min_confidence": 0.1, "cooldown_seconds": 1}  # fmt: skip

    for (method, url), (_, missing_url) in zip(
        _every_page(camera.pk, rule.pk), _every_page(MISSING_PK, MISSING_PK), strict=True
    ):
        answers = []
        for target in (url, missing_url):
            if method == "get":
                response = client.get(target)
            else:
                response = client.post(target, data=rule_form)
            assert response.status_code == 404, (role, target)
            page = CSRF_VALUE.sub("", response.content.decode()).replace(target, "<path>")
            answers.append(page)
        assert answers[0] == answers[1], url  # hidden and missing read the same

    assert list(Rule.objects.values_list("name", flat=True)) == ["R"]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["guard", "supervisor", "dpo"])
def test_other_roles_cannot_change_a_shape_through_the_api(world, role):
    camera = world["camera"]
    zone = Zone.objects.create(camera=camera, name="Door", points=SQUARE)
    mask = PrivacyMask.objects.create(camera=camera, points=SQUARE)
    client = client_for(world[role])

    for collection, obj, body in (
        (ZONES, zone, {"camera": camera.pk, "name": "X", "kind": "area", "points": SQUARE}),
        (MASKS, mask, {"camera": camera.pk, "points": SQUARE}),
    ):
        # Creating needs a permission none of them has: refused, whatever the camera.
        assert client.post(collection, body, content_type="application/json").status_code == 403
        for method in ("patch", "delete"):
            response, missing = (
                getattr(client, method)(
                    f"{collection}{pk}/", data=json.dumps(body), content_type="application/json"
                )
                for pk in (obj.pk, MISSING_PK)
            )
            if role == "dpo":  # the DPO reads configuration: it may know the shape exists
                assert response.status_code == 403, (method, collection)
            else:  # guards and supervisors never see configuration: a missing shape
                assert (response.status_code, response.json()) == (404, missing.json())

    assert list(Zone.objects.values_list("name", "points")) == [("Door", SQUARE)]
    assert list(PrivacyMask.objects.values_list("points", flat=True)) == [SQUARE]


@pytest.mark.django_db
def test_the_editors_private_json_endpoints_are_gone(world):
    client = client_for(world["admin"])
    camera = world["camera"]
    for path in ("zones/save/", "zones/1/delete/", "masks/save/", "masks/1/delete/"):
        response = client.post(
            f"/analytics/cameras/{camera.pk}/{path}", data="{}", content_type="application/json"
        )
        assert response.status_code == 404, path


# --- shapes -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_admin_saves_moves_and_deletes_an_area_a_line_and_a_mask(world):
    camera = world["camera"]
    editor = EditorSession(world["admin"], camera)

    area = editor.create_zone(name="Door", kind="area", points=SQUARE)
    line = editor.create_zone(name="Threshold", kind="line", points=LINE)
    mask = editor.create_mask(name="Window", points=SQUARE)
    assert (area.status_code, line.status_code, mask.status_code) == (201, 201, 201)
    area, line, mask = area.json(), line.json(), mask.json()
    assert Zone.objects.get(pk=area["id"]).points == SQUARE
    assert Zone.objects.get(pk=line["id"]).kind == Zone.Kind.LINE
    assert PrivacyMask.objects.get(pk=mask["id"]).camera_id == camera.pk

    moved = [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.123456789, 1.0]]
    response = editor.send(
        "patch", zone_url(area["id"]), {"name": "Whole floor", "kind": "area", "points": moved}
    )
    assert response.status_code == 200
    assert response.json()["points"][3] == [0.1235, 1.0]  # rounded to 1e-4, and shown so
    zone = Zone.objects.get(pk=area["id"])
    assert zone.name == "Whole floor" and zone.points[3] == [0.1235, 1.0]
    response = editor.send("patch", mask_url(mask["id"]), {"name": "Window", "points": moved})
    assert response.status_code == 200
    assert PrivacyMask.objects.get(pk=mask["id"]).points[0] == [0, 0]

    for url in (zone_url(area["id"]), zone_url(line["id"]), mask_url(mask["id"])):
        assert editor.send("delete", url).status_code == 204
    assert not Zone.objects.exists() and not PrivacyMask.objects.exists()


@pytest.mark.django_db
def test_a_write_without_the_pages_csrf_token_is_refused(world):
    editor = EditorSession(world["admin"], world["camera"])
    body = {"camera": world["camera"].pk, "name": "Door", "kind": "area", "points": SQUARE}
    response = editor.send("post", ZONES, body, token=False)
    assert response.status_code == 403 and "CSRF" in error_text(response)
    assert not Zone.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("collection", "body", "message"),
    [
        (
            "zones",
            {"name": "A", "kind": "area", "points": [[0.1, 0.1], [1.2, 0.1], [0.5, 0.5]]},
            "inside the frame",
        ),
        (
            "zones",
            {"name": "A", "kind": "area", "points": [[0.1, -0.01], [0.2, 0.1], [0.5, 0.5]]},
            "inside the frame",
        ),
        (
            "zones",
            {"name": "A", "kind": "area", "points": [[0.1, 0.1], [0.5, 0.5]]},
            "An area needs at least 3 points",
        ),
        (
            "zones",
            {"name": "L", "kind": "line", "points": SQUARE[:3]},
            "A line has exactly two points",
        ),
        (
            "zones",
            {"name": "A", "kind": "area", "points": [[0.1, "x"], [0.2, 0.1], [0.5, 0.5]]},
            "pair of numbers",
        ),
        ("zones", {"name": "A", "kind": "area", "points": "0.1,0.1"}, "list of [x, y]"),
        ("zones", {"name": "A", "kind": "area"}, "required"),
        ("zones", {"name": "", "kind": "area", "points": SQUARE}, "blank"),
        ("zones", {"name": "A", "kind": "circle", "points": SQUARE}, "not a valid choice"),
        ("masks", {"points": [[0.1, 0.1], [0.5, 0.5]]}, "A privacy mask needs at least 3 points"),
        ("masks", {"points": [[0.1, 0.1], [0.5, 0.5], [2, 2]]}, "inside the frame"),
    ],
)
def test_invalid_shapes_are_refused_with_a_clear_error_and_nothing_stored(
    world, collection, body, message
):
    editor = EditorSession(world["admin"], world["camera"])
    response = editor.create_zone(**body) if collection == "zones" else editor.create_mask(**body)
    assert response.status_code == 400
    assert message in error_text(response)
    assert not Zone.objects.exists() and not PrivacyMask.objects.exists()


@pytest.mark.django_db
def test_not_json_is_refused(world):
    editor = EditorSession(world["admin"], world["camera"])
    response = editor.client.post(
        ZONES,
        data="not json",
        content_type="application/json",
        headers={"X-CSRFToken": editor.token},
    )
    assert response.status_code == 400 and "JSON" in error_text(response)


@pytest.mark.django_db
def test_duplicate_zone_name_on_a_camera_is_refused(world):
    editor = EditorSession(world["admin"], world["camera"])
    assert editor.create_zone(name="Door", kind="area", points=SQUARE).status_code == 201
    response = editor.create_zone(name="Door", kind="area", points=SQUARE)
    assert response.status_code == 400 and "already exists" in error_text(response)
    assert Zone.objects.count() == 1


@pytest.mark.django_db
def test_deleting_a_zone_a_rule_uses_is_refused_and_its_kind_kept(world):
    camera = world["camera"]
    zone = Zone.objects.create(camera=camera, name="Door", points=SQUARE)
    Rule.objects.create(camera=camera, name="After hours", kind=Rule.Kind.PERSON_IN_ZONE, zone=zone)
    editor = EditorSession(world["admin"], camera)
    url = zone_url(editor.editor["zones"][0]["id"])

    response = editor.send("delete", url)
    assert response.status_code == 400
    assert "used by the rule After hours" in error_text(response)
    assert Zone.objects.filter(pk=zone.pk).exists()

    response = editor.send("patch", url, {"name": "Door", "kind": "line", "points": LINE})
    assert response.status_code == 400 and "Rules use" in error_text(response)
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
    editor = EditorSession(admin, camera)
    zone_id = editor.create_zone(name="Door", kind="area", points=SQUARE).json()["id"]
    mask_id = editor.create_mask(points=SQUARE).json()["id"]
    editor.send("patch", mask_url(mask_id), {"name": "Window"})
    client = client_for(admin)
    client.post(reverse("analytics:rule-create", args=[camera.pk]), rule_form(zone=zone_id))
    rule_id = Rule.objects.get().pk
    client.post(reverse("analytics:rule-delete", args=[camera.pk, rule_id]))
    assert editor.send("delete", mask_url(mask_id)).status_code == 204

    def entries(model, pk):
        return LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(model), object_pk=str(pk)
        )

    for model, pk, actions in (
        (Zone, zone_id, {LogEntry.Action.CREATE}),
        (
            PrivacyMask,
            mask_id,
            {LogEntry.Action.CREATE, LogEntry.Action.UPDATE, LogEntry.Action.DELETE},
        ),
        (Rule, rule_id, {LogEntry.Action.CREATE, LogEntry.Action.DELETE}),
    ):
        logged = entries(model, pk)
        assert {entry.action for entry in logged} == actions, model
        assert {entry.actor_id for entry in logged} == {admin.pk}, model
