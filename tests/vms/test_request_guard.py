"""A request with control characters in a header, the path or a query value is a 400 before
anything reads it — never a 500 from a record PostgreSQL cannot store."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.roles import Role
from compliance.models import AccessEvent, AccessKind
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")


def test_a_failed_log_in_with_a_nul_in_a_header_is_refused_not_crashed():
    # Before: the failed log-in's records (audit trail, lockout counter) failed their insert,
    # so the attempt answered 500 and was never counted.
    user = UserFactory(username="gina")
    client = Client(raise_request_exception=False)
    for header in ("HTTP_USER_AGENT", "HTTP_ACCEPT", "HTTP_ACCEPT_LANGUAGE"):
        response = client.post(
            LOGIN, {"username": "gina", "password": "wrong-password-here"}, **{header: "a\x00b"}
        )
        assert response.status_code == 400, header
    response = client.post(
        LOGIN,
        {"username": "gina", "password": "correct-horse-battery-staple"},
        HTTP_USER_AGENT="a\x00b",
    )
    assert response.status_code == 400  # the right password teaches nothing either
    assert not AccessEvent.objects.filter(actor=user, kind=AccessKind.LOGIN).exists()


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/api/v1/cameras/", {"HTTP_USER_AGENT": "x\x00"}),
        ("/api/v1/cameras/", {"HTTP_X_CUSTOM": "line\rbreak"}),
        ("/api/v1/cameras/%00/", {}),
        ("/api/v1/cameras/?search=a%00b", {}),
    ],
)
def test_the_api_answers_json(path, headers):
    client = APIClient()
    client.force_login(UserFactory(role=Role.ADMIN))
    response = client.get(path, **headers)
    assert response.status_code == 400
    assert response.json()["code"] == "bad_request"


def test_ordinary_requests_pass_tab_included():
    client = APIClient()
    client.force_login(UserFactory(role=Role.ADMIN))
    response = client.get("/api/v1/cameras/?search=a%20b", HTTP_USER_AGENT="Mozilla/5.0\t(X11)")
    assert response.status_code == 200
