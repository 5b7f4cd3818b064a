"""The OpenAPI schema is generated, valid, complete, and its docs page is self-contained."""

from __future__ import annotations

import re

import pytest
import yaml
from django.core.management import call_command
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.roles import Role
from tests.factories import UserFactory


@pytest.fixture
def schema(tmp_path) -> dict:
    path = tmp_path / "schema.yml"
    # --fail-on-warn turns every schema warning (an unguessable field type, a view without a
    # serializer) into a failure, so the published schema never silently degrades.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(path))
    return yaml.safe_load(path.read_text())


def test_schema_validates_without_warnings(schema):
    assert schema["info"]["title"] == "Veil API"


def test_schema_has_the_camera_site_user_and_audit_paths(schema):
    paths = schema["paths"]
    for path in [
        "/api/v1/sites/",
        "/api/v1/sites/{id}/",
        "/api/v1/cameras/",
        "/api/v1/cameras/{id}/",
        "/api/v1/cameras/{id}/disable/",
        "/api/v1/users/",
        "/api/v1/users/{id}/sites/",
        "/api/v1/users/{id}/sites/{site_id}/",
        "/api/v1/me/",
        "/api/v1/access-events/",
        "/api/v1/change-log/",
    ]:
        assert path in paths, path
    assert "delete" not in paths["/api/v1/cameras/{id}/"]
    assert set(paths["/api/v1/change-log/{id}/"]) == {"get"}


def test_schema_has_the_zone_rule_and_privacy_mask_resources(schema):
    paths = schema["paths"]
    for resource in ("zones", "rules", "privacy-masks"):
        assert set(paths[f"/api/v1/{resource}/"]) == {"get", "post"}, resource
        detail = paths[f"/api/v1/{resource}/{{id}}/"]
        assert set(detail) == {"get", "put", "patch", "delete"}, resource
        filters = {p["name"] for p in paths[f"/api/v1/{resource}/"]["get"]["parameters"]}
        assert "camera" in filters, resource
    components = schema["components"]["schemas"]
    points = components["ZoneRequest"]["properties"]["points"]
    assert points["type"] == "array" and points["items"]["maxItems"] == 2
    assert components["PrivacyMaskRequest"]["properties"]["points"]["minItems"] == 2
    assert components["ZoneKindEnum"]["enum"] == ["area", "line"]


def test_camera_schema_keeps_credentials_write_only(schema):
    components = schema["components"]["schemas"]
    read = components["Camera"]["properties"]
    write = components["CameraRequest"]["properties"]
    assert "source_password" not in read and "source_username" not in read
    assert {"source_password", "source_username", "source_url"} <= set(write)
    for measured in ("status", "last_seen_at", "width", "codec", "has_credentials"):
        assert measured in read and measured not in write


@pytest.mark.django_db
def test_docs_render_for_a_logged_in_user_without_external_assets():
    client = APIClient()
    assert client.get(reverse("api-docs")).status_code == 403
    client.force_login(UserFactory(role=Role.GUARD))
    response = client.get(reverse("api-docs"))
    assert response.status_code == 200
    html = response.content.decode()
    assets = re.findall(r"""(?:src|href)=["']([^"']+)["']""", html)
    assert any("drf_spectacular_sidecar" in asset for asset in assets), assets
    assert not [a for a in assets if a.startswith(("http:", "https:", "//"))], assets
    assert "cdn" not in html.lower()
    schema = client.get(reverse("api-schema"))
    assert schema.status_code == 200 and b"/api/v1/cameras/" in schema.content
