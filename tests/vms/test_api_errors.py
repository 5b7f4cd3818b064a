"""Every API error is JSON, with one shape; every rate limit is applied.

4xx and 5xx under ``/api/`` answer ``{"detail", "code"}`` (or the refused fields on a 400),
whether DRF, Django or a bug produced them; the console's pages keep their HTML.
"""

from __future__ import annotations

import json

import pytest
from django.test import Client, override_settings
from rest_framework.exceptions import ValidationError
from rest_framework.test import APIClient

from accounts.roles import Role
from accounts.tokens.services import api_token_create
from cameras.models import Site
from tests.factories import UserFactory
from vms.api_errors import exception_handler
from vms.api_parsers import MAX_JSON_DEPTH

pytestmark = pytest.mark.django_db

SITES = "/api/v1/sites/"
TEN_MB = 10 * 1024 * 1024


def admin_client(**kwargs) -> APIClient:
    client = APIClient(**kwargs)
    client.force_login(UserFactory(role=Role.ADMIN))
    return client


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = json.loads(response.content)
    assert set(body) == {"detail", "code"}, body
    if code:
        assert body["code"] == code
    return body


# --- bodies -------------------------------------------------------------------------------------


def test_a_body_over_the_limit_is_a_json_413_and_nothing_is_stored():
    client = admin_client()
    body = json.dumps({"name": "x" * TEN_MB, "time_zone": "UTC", "country": "DE"})
    assert_error(client.post(SITES, body, content_type="application/json"), 413)
    form = "name=" + "x" * TEN_MB
    response = client.post(SITES, form, content_type="application/x-www-form-urlencoded")
    assert_error(response, 413, "request_too_large")
    assert not Site.objects.exists()


def test_a_form_body_over_the_limit_read_by_the_csrf_check_is_a_json_413():
    # With CSRF enforced, the session check reads request.POST: Django's own limit trips
    # there, before any parser, and used to answer the HTML 400 page.
    client = admin_client(enforce_csrf_checks=True)
    client.cookies["csrftoken"] = "a" * 32  # so the check goes on to read the form's token
    form = "name=" + "x" * TEN_MB
    response = client.post(SITES, form, content_type="application/x-www-form-urlencoded")
    assert_error(response, 413, "request_too_large")


@override_settings(ROOT_URLCONF="tests.vms.error_urls")
def test_a_body_over_the_limit_outside_drf_is_a_json_413_under_api_only():
    client = Client()
    form = "a=" + "x" * TEN_MB
    kind = "application/x-www-form-urlencoded"
    assert_error(client.post("/api/v1/plain-form/", form, content_type=kind), 413)


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 100_000])
def test_deeply_nested_json_is_a_400(depth):
    body = "[" * depth + "]" * depth
    response = admin_client().post(SITES, body, content_type="application/json")
    detail = assert_error(response, 400, "parse_error")["detail"]
    assert "nest" in detail


def test_nesting_within_the_bound_reaches_validation():
    nested: list = []
    for _ in range(MAX_JSON_DEPTH - 2):
        nested = [nested]
    body = json.dumps({"name": nested, "time_zone": "UTC", "country": "DE"})
    response = admin_client().post(SITES, body, content_type="application/json")
    assert response.status_code == 400 and "name" in response.json()


def test_malformed_json_is_a_400_with_the_error_shape():
    response = admin_client().post(SITES, "{nope", content_type="application/json")
    assert_error(response, 400, "parse_error")


# --- routes and methods ---------------------------------------------------------------------------


def test_an_unknown_api_path_is_a_json_404_a_page_is_still_html():
    client = admin_client()
    assert_error(client.get("/api/v1/no-such-thing/"), 404, "not_found")
    assert_error(client.get("/api/v2/cameras/"), 404, "not_found")
    page = client.get("/no-such-page/")
    assert page.status_code == 404 and page["Content-Type"].startswith("text/html")


def test_a_method_not_allowed_is_a_json_405():
    client = admin_client()
    site = client.post(
        SITES, {"name": "A", "time_zone": "UTC", "country": "DE"}, format="json"
    ).json()
    assert_error(client.delete(f"{SITES}{site['id']}/"), 405, "method_not_allowed")
    assert_error(client.post("/api/v1/me/"), 405)


def test_a_hidden_object_is_a_json_404():
    assert_error(admin_client().get(f"{SITES}999999/"), 404, "not_found")


def test_field_errors_keep_their_fields():
    response = admin_client().post(SITES, {}, format="json")
    assert response.status_code == 400
    assert "name" in response.json() and isinstance(response.json()["name"], list)


def test_an_error_not_tied_to_a_field_is_an_object():
    refused = exception_handler(ValidationError(["Null characters are not allowed."]), {})
    assert refused.data == {"non_field_errors": ["Null characters are not allowed."]}


@override_settings(ROOT_URLCONF="tests.vms.error_urls")
def test_a_server_error_is_json_without_a_trace():
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory(role=Role.ADMIN))
    body = assert_error(client.get("/api/v1/boom/"), 500, "server_error")
    assert "secret" not in json.dumps(body) and "Traceback" not in json.dumps(body)
    page = client.get("/page-boom/")
    assert page.status_code == 500 and page["Content-Type"].startswith("text/html")
    assert b"secret" not in page.content


def test_the_old_schema_address_redirects():
    client = admin_client()
    for old, new in (("/api/schema/", "/api/v1/schema/"), ("/api/docs/", "/api/v1/docs/")):
        response = client.get(old)
        assert response.status_code in (301, 302) and response["Location"] == new


# --- rate limits --------------------------------------------------------------------------------


def _rates(settings, **rates):
    defaults = {"anon": "1000/min", "user": "1000/min", "token": "1000/min"}
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**defaults, **rates},
    }


def test_anonymous_calls_get_429_after_the_rate(settings):
    _rates(settings, anon="3/min")
    client = APIClient()
    codes = [client.get(SITES).status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]
    response = client.get(SITES)
    assert_error(response, 429, "throttled")
    assert int(response["Retry-After"]) > 0


def test_a_forged_forwarded_for_does_not_escape_the_anonymous_rate(settings):
    _rates(settings, anon="2/min")
    client = APIClient()
    codes = [client.get(SITES, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code for n in range(3)]
    assert codes == [401, 401, 429]


def test_a_person_gets_429_after_their_rate_others_do_not(settings):
    _rates(settings, user="3/min")
    first, second = admin_client(), admin_client()
    assert [first.get(SITES).status_code for _ in range(4)] == [200, 200, 200, 429]
    assert second.get(SITES).status_code == 200


def test_a_token_gets_429_after_its_rate_and_counts_for_its_owner(settings):
    _rates(settings, token="2/min", user="4/min")
    owner = UserFactory(role=Role.ADMIN)
    keys = [
        api_token_create(actor=owner, name=f"t{n}", scope="read", expires_in_days=1)[1]
        for n in range(2)
    ]
    clients = []
    for key in keys:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        clients.append(client)
    assert [clients[0].get(SITES).status_code for _ in range(3)] == [200, 200, 429]
    # The owner's rate is shared by their tokens: one call left for the second token.
    assert [clients[1].get(SITES).status_code for _ in range(2)] == [200, 429]
