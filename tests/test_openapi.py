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
        "/api/v1/cameras/{id}/source/",
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


def test_camera_schema_keeps_the_source_write_only(schema):
    components = schema["components"]["schemas"]
    read = components["Camera"]["properties"]
    write = components["CameraRequest"]["properties"]
    for secret in ("source_url", "source_password", "source_username", "has_credentials"):
        assert secret not in read
    assert {"source_password", "source_username", "source_url"} <= set(write)
    for measured in ("status", "last_seen_at", "width", "codec"):
        assert measured in read and measured not in write
    # The redacted source is a resource of its own, for admins.
    assert "/api/v1/cameras/{id}/source/" in schema["paths"]
    assert set(components["CameraSource"]["properties"]) == {"id", "source_url", "has_credentials"}


def _responses_components(schema, *, skip_path: str) -> set[str]:
    """Names of the components any response outside ``skip_path`` refers to, transitively."""
    components = schema["components"]["schemas"]
    seen: set[str] = set()

    def walk(node):
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/components/schemas/"):
                name = ref.rsplit("/", 1)[1]
                if name not in seen:
                    seen.add(name)
                    walk(components[name])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for path, operations in schema["paths"].items():
        if path != skip_path:
            for operation in operations.values():
                if isinstance(operation, dict):
                    walk(operation.get("responses", {}))
    return seen


def _examples(node) -> list:
    if isinstance(node, dict):
        found = [v for k, v in node.items() if k in ("example", "examples", "default")]
        return found + [e for v in node.values() for e in _examples(v)]
    if isinstance(node, list):
        return [e for v in node for e in _examples(v)]
    return []


def _stream_urls(example) -> list[str]:
    """URLs in an example other than the API's own (pagination links)."""
    origins = re.findall(r"[a-z][a-z0-9+.-]*://[^/\s'\"]*", str(example))
    return [o for o in origins if o not in ("http://api.example.org", "https://api.example.org")]


def test_no_response_but_the_admins_source_carries_a_source_url(schema):
    """Only ``/cameras/{id}/source/`` (admins; a 404 for everyone else) describes a source URL
    in a response; no example anywhere shows one."""
    components = schema["components"]["schemas"]
    for name in _responses_components(schema, skip_path="/api/v1/cameras/{id}/source/"):
        assert "source_url" not in components[name].get("properties", {}), name
    for example in _examples(schema):
        assert not _stream_urls(example) and "source_url" not in str(example), example


@pytest.mark.django_db
def test_docs_render_for_a_logged_in_user_without_external_assets():
    client = APIClient()
    assert reverse("api-docs") == "/api/v1/docs/"
    anonymous = client.get(reverse("api-docs"))
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    assert client.get(reverse("api-schema")).status_code == 401
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


@pytest.mark.django_db
def test_the_schema_a_guard_reads_has_no_source_url_example():
    client = APIClient()
    client.force_login(UserFactory(role=Role.GUARD))
    served = yaml.safe_load(client.get(reverse("api-schema")).content)
    examples = _examples(served)
    assert examples  # the check below has something to look at
    for example in examples:
        assert not _stream_urls(example), example


def test_every_operation_documents_its_error_answers(schema):
    components = schema["components"]["schemas"]
    assert set(components["Error"]["required"]) == {"detail", "code"}
    assert "ValidationError" in components
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            label = f"{method.upper()} {path}"
            assert {"401", "403", "406", "429"} <= set(responses), label
            if "{" in path:
                assert "404" in responses, label
            if "requestBody" in operation:
                assert {"400", "413", "415"} <= set(responses), label
                ref = responses["400"]["content"]["application/json"]["schema"]["$ref"]
                assert ref.endswith("/ValidationError"), label
            for code in ("401", "403", "429"):
                ref = responses[code]["content"]["application/json"]["schema"]["$ref"]
                assert ref.endswith("/Error"), (label, code)


def test_tokens_are_documented_and_the_key_appears_only_on_creation(schema):
    paths = schema["paths"]
    assert set(paths["/api/v1/tokens/"]) == {"get", "post"}
    assert set(paths["/api/v1/tokens/{id}/revoke/"]) == {"post"}
    created = paths["/api/v1/tokens/"]["post"]["responses"]["201"]
    assert created["content"]["application/json"]["schema"]["$ref"].endswith("/ApiTokenCreated")
    components = schema["components"]["schemas"]
    assert "key" in components["ApiTokenCreated"]["properties"]
    assert "key" not in components["ApiToken"]["properties"]
    assert "key_hash" not in str(schema)
    scheme = schema["components"]["securitySchemes"]["tokenAuth"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")


def test_an_account_without_an_email_matches_the_schema(schema):
    for name in ("Me", "User"):
        email = schema["components"]["schemas"][name]["properties"]["email"]
        assert {"type": "string", "maxLength": 0} in email["oneOf"], name


@pytest.mark.django_db
def test_the_schema_is_served_under_the_version_it_describes():
    assert reverse("api-schema") == "/api/v1/schema/"
    client = APIClient()
    client.force_login(UserFactory(role=Role.ADMIN))
    served = yaml.safe_load(client.get("/api/v1/schema/").content)
    assert "/api/v1/tokens/" in served["paths"]
    assert client.get("/api/schema/")["Location"] == "/api/v1/schema/"
