"""Grants made before the direct foreign-key tables existed move into them, and still count."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from guardian.models import GroupObjectPermission, UserObjectPermission

from cameras.models import Camera, CameraUserObjectPermission, SiteGroupObjectPermission
from tests.factories import CameraFactory, SiteFactory, UserFactory

pytestmark = pytest.mark.django_db

migration = importlib.import_module("cameras.migrations.0008_move_generic_grants_to_direct")


def test_generic_site_and_camera_grants_move_to_the_direct_tables():
    north, south = SiteFactory(), SiteFactory()
    lone = CameraFactory(site=south)
    CameraFactory(site=north)
    guard = UserFactory(role="")
    team = Group.objects.create(name="night")
    guard.groups.add(team)
    site_type, camera_type = ContentType.objects.get_for_models(north, lone).values()
    GroupObjectPermission.objects.create(
        group=team,
        content_type=site_type,
        object_pk=str(north.pk),
        permission=Permission.objects.get(codename="view_site"),
    )
    UserObjectPermission.objects.create(
        user=guard,
        content_type=camera_type,
        object_pk=str(lone.pk),
        permission=Permission.objects.get(codename="view_camera"),
    )
    # A grant on a camera since deleted (bulk: guardian's save() refuses a missing object).
    UserObjectPermission.objects.bulk_create(
        [
            UserObjectPermission(
                user=guard,
                content_type=camera_type,
                object_pk="987654",
                permission=Permission.objects.get(codename="view_camera"),
            )
        ]
    )

    migration.forwards(apps, None)

    assert not UserObjectPermission.objects.exists()
    assert not GroupObjectPermission.objects.exists()
    assert SiteGroupObjectPermission.objects.get().content_object == north
    assert CameraUserObjectPermission.objects.get().content_object == lone
    visible = set(Camera.objects.restrict(guard, "view").values_list("pk", flat=True))
    assert visible == {lone.pk, *north.cameras.values_list("pk", flat=True)}

    migration.backwards(apps, None)
    assert UserObjectPermission.objects.get().object_pk == str(lone.pk)
    assert GroupObjectPermission.objects.get().object_pk == str(north.pk)
