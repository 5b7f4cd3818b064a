"""The zone editor's side of the browser, for its tests: what the page's script sends.

The script saves shapes through the REST API with the session cookie and the page's CSRF
token; :class:`EditorSession` does the same with Django's test client, CSRF checks on.
"""

from __future__ import annotations

import json
import re

from django.test import Client
from django.urls import reverse

MISSING_PK = 987654
CSRF_VALUE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]*)"')
SQUARE = [[0.1, 0.1], [0.5, 0.1], [0.5, 0.5], [0.1, 0.5]]
LINE = [[0.2, 0.8], [0.8, 0.8]]
ZONES = "/api/v1/zones/"
MASKS = "/api/v1/privacy-masks/"


def zone_url(pk: int) -> str:
    return f"{ZONES}{pk}/"


def mask_url(pk: int) -> str:
    return f"{MASKS}{pk}/"


def editor_url(camera_id: int) -> str:
    return reverse("analytics:camera-zones", args=[camera_id])


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


class EditorSession:
    """What the page's script does: a logged-in browser that checks CSRF, the token read from
    the editor page, JSON to the API's URLs as the page gives them."""

    def __init__(self, user, camera):
        self.client = Client(enforce_csrf_checks=True)
        self.client.force_login(user)
        page = self.client.get(editor_url(camera.pk))
        assert page.status_code == 200
        self.token = CSRF_VALUE.search(page.content.decode()).group(1)
        self.editor = page.context["editor"]
        self.camera = camera

    def send(self, method: str, url: str, body: dict | None = None, *, token: bool = True):
        headers = {"X-CSRFToken": self.token} if token else {}
        data = None if body is None else json.dumps(body)
        return getattr(self.client, method)(
            url, data=data, content_type="application/json", headers=headers
        )

    def create_zone(self, **body):
        return self.send("post", self.editor["urls"]["zones"], {"camera": self.camera.pk, **body})

    def create_mask(self, **body):
        return self.send("post", self.editor["urls"]["masks"], {"camera": self.camera.pk, **body})


def error_text(response) -> str:
    """Every message of a DRF error body, as the page's script shows them."""
    body = response.json()
    if "detail" in body:
        return str(body["detail"])
    return " ".join(" ".join(messages) for messages in body.values())
