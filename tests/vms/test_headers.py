"""Response headers: the Content-Security-Policy on every page (strict for Veil's own pages,
scoped extras for the two vendor pages), and ``no-store`` on every response with personal data
(pages, the API, media); static files keep their caching. Through the real middleware stack."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.test import Client
from django.urls import reverse

from accounts.roles import Role
from analytics import services
from analytics.models import Rule, Zone
from tests.analytics.test_triage import _jpeg, raise_alert
from tests.factories import CameraFactory, SiteFactory, UserFactory
from vms.realtime import live_last_key

TEMPLATES = Path(settings.BASE_DIR) / "templates"
OWN_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data: blob:",
    "media-src": "'self' blob:",
    "connect-src": "'self' ws://testserver",
    "font-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def policy(response, header: str = "Content-Security-Policy") -> dict[str, str]:
    return dict(part.strip().split(" ", 1) for part in response[header].split(";"))


def assert_no_store(response) -> None:
    cache_control = {d.strip() for d in response["Cache-Control"].split(",")}
    assert "no-store" in cache_control, response["Cache-Control"]
    assert response["Pragma"] == "no-cache"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def scene(db):
    site = SiteFactory(name="Depot")
    camera = CameraFactory(site=site, name="Depot gate")
    zone = Zone.objects.create(camera=camera, name="Yard", points=[[0, 0], [1, 0], [1, 1]])
    rule = Rule.objects.create(
        camera=camera, name="Anyone", kind=Rule.Kind.PERSON_IN_ZONE, zone=zone
    )
    alert = raise_alert(camera, rule)
    services.alert_clip_attach(alert=alert, clip_mp4=b"\x00\x00\x00\x18ftypmp42")
    guard = UserFactory(role=Role.GUARD, sites=[site])
    admin = UserFactory(role=Role.ADMIN)
    return camera, alert, guard, admin


# --- Content-Security-Policy -------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, args, role",
    [
        ("analytics:wall", [], "guard"),
        ("analytics:alert-list", [], "guard"),
        ("analytics:alert-detail", ["alert"], "guard"),
        ("cameras:camera-list", [], "admin"),
        ("analytics:camera-zones", ["camera"], "admin"),
        ("accounts:user-list", [], "admin"),
        ("compliance:access-event-list", [], "admin"),
    ],
)
def test_every_page_carries_the_strict_policy(scene, name, args, role):
    camera, alert, guard, admin = scene
    objects = {"alert": alert.pk, "camera": camera.pk}
    user = {"guard": guard, "admin": admin}[role]
    response = client_for(user).get(reverse(name, args=[objects[a] for a in args]))
    assert response.status_code == 200
    assert policy(response) == OWN_POLICY
    assert "Content-Security-Policy-Report-Only" not in response


def test_anonymous_pages_and_errors_carry_the_policy_too(db):
    login = Client().get(reverse("accounts:login"))
    missing = Client().get("/no/such/page/")
    assert policy(login) == OWN_POLICY
    assert policy(missing) == OWN_POLICY


def test_a_csrf_failure_page_keeps_to_the_policy(db):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("accounts:login"), {"username": "x", "password": "y"})
    assert response.status_code == 403
    assert policy(response) == OWN_POLICY
    page = response.content.decode()
    assert "Form expired" in page and "<style" not in page


def test_over_tls_the_socket_allowed_is_wss(db):
    response = Client().get(reverse("accounts:login"), secure=True)
    assert policy(response)["connect-src"] == "'self' wss://testserver"


def test_the_api_docs_page_runs_its_start_up_script_by_nonce_only(scene):
    _camera, _alert, _guard, admin = scene
    response = client_for(admin).get(reverse("api-docs"))
    assert response.status_code == 200
    directives = policy(response)
    nonce = re.fullmatch(r"'self' 'nonce-([A-Za-z0-9+/=]+)'", directives["script-src"])
    assert nonce, directives["script-src"]
    page = response.content.decode()
    scripts = re.findall(r"<script([^>]*)>", page)
    inline = [attributes for attributes in scripts if "src=" not in attributes]
    assert inline == [f' nonce="{nonce.group(1)}"']
    assert {k: v for k, v in directives.items() if k != "script-src"} == {
        k: v for k, v in OWN_POLICY.items() if k != "script-src"
    }
    assert "<style" not in page and "style=" not in page
    # A nonce is per response: another page carries none.
    assert policy(client_for(admin).get(reverse("cameras:camera-list"))) == OWN_POLICY


def test_the_api_answers_json_to_a_browser_too_under_the_strict_policy(scene):
    # No browsable HTML API: a browser asking for HTML gets the JSON and the site's policy.
    _camera, _alert, _guard, admin = scene
    response = client_for(admin).get("/api/v1/cameras/", HTTP_ACCEPT="text/html")
    assert response.status_code in (200, 406)
    assert not response["Content-Type"].startswith("text/html")
    assert policy(response) == OWN_POLICY


def test_report_only_mode_reports_the_same_policy_without_enforcing_it(db, settings):
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = settings.CONTENT_SECURITY_POLICY
    settings.CONTENT_SECURITY_POLICY = None
    response = Client().get(reverse("accounts:login"))
    assert "Content-Security-Policy" not in response
    assert policy(response, "Content-Security-Policy-Report-Only") == OWN_POLICY


def test_the_report_only_setting_and_report_uri_come_from_the_environment():
    env = {k: v for k, v in os.environ.items() if not k.startswith("VMS_CSP")}
    env.update(VMS_CSP_REPORT_ONLY="true", VMS_CSP_REPORT_URI="https://reports.example.com/csp")
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.CONTENT_SECURITY_POLICY, s.CONTENT_SECURITY_POLICY_REPORT_ONLY['DIRECTIVES']"
        "['report-uri'])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env={**env, "DJANGO_SETTINGS_MODULE": "vms.settings"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout.split() == ["None", "['https://reports.example.com/csp']"]


INLINE = {
    "inline script": re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I),
    "style element": re.compile(r"<style\b", re.I),
    "style attribute": re.compile(r"<[a-z][^>]*\sstyle\s*=", re.I),
    "event handler": re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I),
    "javascript: URL": re.compile(r"javascript:", re.I),
}
NONCED = {"drf_spectacular/swagger_ui.html"}  # its one inline script carries the nonce


def test_no_template_has_inline_script_style_or_event_handlers():
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        name = path.relative_to(TEMPLATES).as_posix()
        text = path.read_text()
        if name in NONCED:
            text = text.replace('<script nonce="{{ request.csp_nonce }}">', "")
        found += [f"{name}: {what}" for what, pattern in INLINE.items() if pattern.search(text)]
    assert found == []


# --- Cache-Control: no-store --------------------------------------------------------------------


def test_personal_pages_and_the_api_are_never_stored(scene):
    _camera, alert, guard, _admin = scene
    client = client_for(guard)
    for url in (
        reverse("analytics:wall"),
        reverse("analytics:alert-list"),
        reverse("analytics:alert-detail", args=[alert.pk]),
        "/api/v1/alerts/",
        f"/api/v1/alerts/{alert.pk}/",
        "/api/v1/cameras/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_no_store(response)
    # Refusals and anonymous pages say no-store as well: nothing Django renders is cached.
    assert_no_store(client.get("/api/v1/alerts/999999999/"))
    assert_no_store(Client().get("/api/v1/alerts/"))
    assert_no_store(Client().get(reverse("accounts:login")))


@pytest.mark.django_db(transaction=True)  # the live views are async: another thread reads
def test_alert_media_and_live_frames_are_never_stored(scene):
    camera, alert, guard, _admin = scene
    client = client_for(guard)
    store = redis.Redis.from_url(settings.REDIS_URL)
    store.set(live_last_key(camera.pk), _jpeg())
    try:
        for name, pk in (
            ("analytics:alert-snapshot", alert.pk),
            ("analytics:alert-thumbnail", alert.pk),
            ("analytics:alert-clip", alert.pk),
            ("analytics:live-frame", camera.pk),
            ("analytics:live-mjpeg", camera.pk),
        ):
            response = client.get(reverse(name, args=[pk]))
            assert response.status_code == 200, name
            assert_no_store(response)
            response.close()
    finally:
        store.delete(live_last_key(camera.pk))
        store.close()


def test_static_files_keep_their_caching(db):
    response = Client().get(settings.STATIC_URL + "css/veil.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
    assert "Pragma" not in response
