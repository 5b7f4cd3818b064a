"""Zones and rules over the REST API: the generic permission cases, then what is particular to
them — who reads configuration, the camera filter, a zone in use, a camera that stays.

Zones are configuration: Admin writes, the DPO reads, guards and supervisors see none. Rules
are read by supervisors too, for the cameras they may see (they tune them); guards never.
"""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse
from guardian.shortcuts import assign_perm

from accounts.roles import Role
from analytics.models import Rule, Zone
from tests.api_base import (
    APITestBase,
    CreateTests,
    DeleteTests,
    ListTests,
    RetrieveTests,
    UpdateTests,
    ids,
)
from tests.factories import CameraFactory

pytestmark = pytest.mark.django_db

SQUARE = [[0.1, 0.1], [0.5, 0.1], [0.5, 0.5], [0.1, 0.5]]
LINE = [[0.2, 0.8], [0.8, 0.8]]


def make_zone(camera=None, **fields) -> Zone:
    fields.setdefault("name", f"Zone {uuid.uuid4().hex[:6]}")
    fields.setdefault("points", SQUARE)
    return Zone.objects.create(camera=camera or CameraFactory(), **fields)


def make_rule(camera=None, **fields) -> Rule:
    camera = camera or CameraFactory()
    fields.setdefault("name", "After hours")
    fields.setdefault("kind", Rule.Kind.PERSON_IN_ZONE)
    if fields["kind"] == Rule.Kind.PERSON_IN_ZONE:
        fields.setdefault("zone", make_zone(camera))
    return Rule.objects.create(camera=camera, **fields)


class TestZoneAPI(ListTests, RetrieveTests, CreateTests, UpdateTests, DeleteTests):
    model = Zone
    namespace, basename = "analytics-api", "zone"

    def make_object(self):
        return make_zone()

    def create_data(self):
        return {"camera": CameraFactory().pk, "name": "Door", "kind": "area", "points": SQUARE}

    def update_data(self, obj):
        return {"name": f"{obj.name} east"}


class TestRuleAPI(ListTests, RetrieveTests, CreateTests, UpdateTests, DeleteTests):
    model = Rule
    namespace, basename = "analytics-api", "rule"
    # Supervisors read the rules of the cameras they may see; a supervisor with no site sees none.
    unprivileged_role = Role.SUPERVISOR

    def make_object(self):
        return make_rule()

    def grant(self, user, obj):
        assign_perm("cameras.view_site", user, obj.camera.site)

    def create_data(self):
        zone = make_zone()
        return {
            "camera": zone.camera_id,
            "name": "After hours",
            "kind": Rule.Kind.PERSON_IN_ZONE,
            "zone": zone.pk,
            "active_from": "22:00",
            "active_until": "06:00",
            "min_confidence": 0.6,
        }

    def update_data(self, obj):
        return {"min_confidence": 0.9, "cooldown_seconds": 120}


class API(APITestBase):
    """The helpers of the generic base, for the tests below."""

    model = Zone
    namespace, basename = "analytics-api", "zone"


def _url(basename: str, pk=None) -> str:
    if pk is None:
        return reverse(f"analytics-api:{basename}-list")
    return reverse(f"analytics-api:{basename}-detail", args=[pk])


# --- who reads configuration ------------------------------------------------------------------


class TestScope(API):
    def test_guards_see_no_zone_and_no_rule_of_the_cameras_they_watch(self):
        rule = make_rule()
        zone = rule.zone
        client, _ = self.client_for(Role.GUARD, sites=[rule.camera.site])
        camera = client.get(reverse("cameras-api:camera-detail", args=[rule.camera_id]))
        assert camera.status_code == 200  # the guard watches this camera

        for basename, obj in (("zone", zone), ("rule", rule)):
            assert client.get(_url(basename)).json()["results"] == []
            hidden = client.get(_url(basename, obj.pk))
            missing = client.get(_url(basename, obj.pk + 10_000))
            assert (hidden.status_code, hidden.json()) == (404, missing.json())
        # A write to a rule a guard cannot read answers like a missing rule, not "forbidden".
        hidden = client.patch(_url("rule", rule.pk), {"enabled": False}, format="json")
        missing = client.patch(_url("rule", rule.pk + 10_000), {"enabled": False}, format="json")
        assert (hidden.status_code, hidden.json()) == (404, missing.json())
        assert Rule.objects.get(pk=rule.pk).enabled is True

    def test_supervisors_read_the_rules_of_their_cameras_but_no_zones(self):
        own, other = make_rule(), make_rule()
        client, _ = self.client_for(Role.SUPERVISOR, sites=[own.camera.site])
        assert ids(client.get(_url("rule"))) == {own.pk}
        assert client.get(_url("rule", other.pk)).status_code == 404
        assert client.get(_url("zone")).json()["results"] == []
        assert client.get(_url("zone", own.zone_id)).status_code == 404

    def test_the_dpo_reads_every_zone_and_rule_and_changes_none(self):
        rule = make_rule()
        client, _ = self.client_for(Role.DPO)
        assert rule.pk in ids(client.get(_url("rule")))
        assert rule.zone_id in ids(client.get(_url("zone")))
        response = client.patch(_url("zone", rule.zone_id), {"name": "x"}, format="json")
        assert response.status_code == 403
        assert client.delete(_url("rule", rule.pk)).status_code == 403
        assert Rule.objects.filter(pk=rule.pk).exists()


# --- the camera filter ------------------------------------------------------------------------


class TestCameraFilter(API):
    def test_filter_by_camera(self):
        first, second = make_rule(), make_rule()
        client, _ = self.client_for(Role.ADMIN)
        assert ids(client.get(_url("zone"), {"camera": first.camera_id})) == {first.zone_id}
        assert ids(client.get(_url("rule"), {"camera": second.camera_id})) == {second.pk}
        line = make_zone(first.camera, kind=Zone.Kind.LINE, points=LINE)
        by_kind = client.get(_url("zone"), {"camera": first.camera_id, "kind": "line"})
        assert ids(by_kind) == {line.pk}

    def test_filtering_by_a_hidden_camera_says_no_more_than_a_missing_one(self):
        own, other = make_rule(), make_rule()
        client, _ = self.client_for(Role.SUPERVISOR, sites=[own.camera.site])
        hidden = client.get(_url("rule"), {"camera": other.camera_id})
        missing = client.get(_url("rule"), {"camera": other.camera_id + 10_000})
        assert hidden.status_code == missing.status_code == 400
        assert "camera" in hidden.json() and other.name not in hidden.content.decode()


# --- writes -----------------------------------------------------------------------------------


class TestWrites(API):
    def test_a_zone_stays_on_its_camera(self):
        zone = make_zone()
        client, _ = self.client_for(Role.ADMIN)
        response = client.patch(
            _url("zone", zone.pk), {"camera": CameraFactory().pk, "name": "Moved"}, format="json"
        )
        assert response.status_code == 400 and "camera" in response.json()
        assert Zone.objects.get(pk=zone.pk).name == zone.name
        # Sending back the camera it has is fine (a PUT of what was read).
        shown = client.get(_url("zone", zone.pk)).json()
        put = client.put(_url("zone", zone.pk), {**shown, "name": "Renamed"}, format="json")
        assert put.status_code == 200, put.content
        assert Zone.objects.get(pk=zone.pk).name == "Renamed"

    def test_a_zone_in_use_keeps_its_kind_and_cannot_be_deleted(self):
        rule = make_rule(name="After hours")
        client, _ = self.client_for(Role.ADMIN)
        zone_url = _url("zone", rule.zone_id)
        assert client.get(zone_url).json()["used_by"] == ["After hours"]

        response = client.delete(zone_url)
        assert response.status_code == 400
        assert "used by the rule After hours" in " ".join(response.json()["non_field_errors"])
        response = client.patch(zone_url, {"kind": "line", "points": LINE}, format="json")
        assert response.status_code == 400 and "Rules use" in response.json()["kind"][0]
        assert Zone.objects.get(pk=rule.zone_id).kind == Zone.Kind.AREA

        # Once the rule is gone, so may the zone be.
        assert client.delete(_url("rule", rule.pk)).status_code == 204
        assert client.delete(zone_url).status_code == 204
        assert not Zone.objects.exists()

    def test_a_rule_takes_only_a_zone_of_its_camera_and_of_the_right_kind(self):
        camera = CameraFactory()
        area, line = make_zone(camera), make_zone(camera, kind=Zone.Kind.LINE, points=LINE)
        elsewhere = make_zone()
        client, _ = self.client_for(Role.ADMIN)

        def create(**fields):
            body = {"camera": camera.pk, "name": "R", "kind": Rule.Kind.PERSON_IN_ZONE, **fields}
            return client.post(_url("rule"), body, format="json")

        for zone, message in (
            (line.pk, "needs an area zone"),
            (elsewhere.pk, "belongs to another camera"),
            (None, "needs an area zone"),
        ):
            response = create(zone=zone)
            assert response.status_code == 400
            assert message in str(response.json()), response.json()
        response = create(kind=Rule.Kind.LINE_CROSSING, zone=area.pk)
        assert response.status_code == 400 and "needs a line" in str(response.json())
        assert not Rule.objects.exists()

        response = create(zone=area.pk, active_from="22:00")
        assert response.status_code == 400 and "Give both" in str(response.json())
        response = create(kind=Rule.Kind.LINE_CROSSING, zone=line.pk)
        assert response.status_code == 201, response.content
        assert Rule.objects.get().zone == line
