"""Privacy masks over the REST API: the generic permission cases, then the shape rules.

Masks are configuration: Admin draws them, the DPO reads them, a camera's guards and
supervisors see only their effect (black regions), never the list.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.roles import Role
from privacy.models import PrivacyMask
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


def make_mask(camera=None, **fields) -> PrivacyMask:
    fields.setdefault("points", SQUARE)
    return PrivacyMask.objects.create(camera=camera or CameraFactory(), **fields)


class TestPrivacyMaskAPI(ListTests, RetrieveTests, CreateTests, UpdateTests, DeleteTests):
    model = PrivacyMask
    namespace, basename = "privacy-api", "privacy-mask"

    def make_object(self):
        return make_mask()

    def create_data(self):
        return {"camera": CameraFactory().pk, "name": "Neighbour window", "points": SQUARE}

    def update_data(self, obj):
        return {"name": "Neighbour window", "points": [[0, 0], [1, 0], [1, 0.2]]}


class TestMasks(APITestBase):
    model = PrivacyMask
    namespace, basename = "privacy-api", "privacy-mask"

    def test_a_cameras_guards_and_supervisors_see_no_masks(self):
        mask = make_mask()
        for role in (Role.GUARD, Role.SUPERVISOR):
            client, _ = self.client_for(role, sites=[mask.camera.site])
            assert client.get(self.list_url()).json()["results"] == []
            self.assert_hidden(client, "get", mask)
            self.assert_hidden(client, "delete", mask)
        assert PrivacyMask.objects.filter(pk=mask.pk).exists()

    def test_filter_by_camera_and_points_rounded_on_save(self):
        first, second = make_mask(), make_mask()
        client, _ = self.client_for(Role.ADMIN)
        assert ids(client.get(self.list_url(), {"camera": first.camera_id})) == {first.pk}
        response = client.patch(
            self.detail_url(second.pk),
            {"points": [[0, 0], [0.123456789, 0], [0.5, 0.987654321]]},
            format="json",
        )
        assert response.status_code == 200, response.content
        assert response.json()["points"] == [[0, 0], [0.1235, 0], [0.5, 0.9877]]
        assert response.json()["url"].endswith(self.detail_url(second.pk))

    @pytest.mark.parametrize(
        ("points", "message"),
        [
            ([[0.1, 0.1], [0.5, 0.5]], "A privacy mask needs at least 3 points."),
            ([[0.1, 0.1], [0.5, 0.5], [2, 2]], "inside the frame"),
            ([[0.1, 0.1], [0.5, 0.5], [0.2, True]], "pair of numbers"),
            ({"x": 1}, "list of [x, y]"),
            ([[i / 100, 0.5] for i in range(65)], "at most 64 points"),
        ],
    )
    def test_bad_shapes_are_refused_under_points_and_nothing_stored(self, points, message):
        client, _ = self.client_for(Role.ADMIN)
        camera = CameraFactory()
        response = client.post(
            self.list_url(), {"camera": camera.pk, "points": points}, format="json"
        )
        assert response.status_code == 400
        assert message in " ".join(response.json()["points"])
        assert not PrivacyMask.objects.exists()

    def test_a_mask_stays_on_its_camera(self):
        mask = make_mask()
        client, _ = self.client_for(Role.ADMIN)
        response = client.patch(
            self.detail_url(mask.pk), {"camera": CameraFactory().pk}, format="json"
        )
        assert response.status_code == 400 and "camera" in response.json()
        assert PrivacyMask.objects.get(pk=mask.pk).camera_id == mask.camera_id

    def test_a_guard_cannot_create_a_mask_on_their_own_camera(self):
        camera = CameraFactory()
        client, _ = self.client_for(Role.GUARD, sites=[camera.site])
        response = client.post(
            self.list_url(), {"camera": camera.pk, "points": SQUARE}, format="json"
        )
        assert response.status_code == 403
        assert reverse("privacy-api:privacy-mask-list") == "/api/v1/privacy-masks/"
        assert not PrivacyMask.objects.exists()
