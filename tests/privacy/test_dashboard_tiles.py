"""The DPO dashboard's obligation slots, filled by privacy: open subject-access requests with
their clocks, breaches against their 72 hours, cameras without a covering sign, reviews due."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from tests.factories import CameraFactory, UserFactory
from tests.privacy.test_breaches import record
from tests.privacy.test_subject_requests import receive

pytestmark = pytest.mark.django_db


def tile(body: str, title: str) -> str:
    """The HTML of the dashboard tile with ``title``."""
    start = body.index(title)
    return body[start : start + 3000]


def test_the_obligation_tiles_show_clocks_breaches_and_signs_with_their_lists():
    dpo = UserFactory(role=Role.DPO)
    camera = CameraFactory(name="Loading dock")
    request = receive(dpo, camera)
    record(dpo, title="Stolen laptop", discovered_at=timezone.now() - timedelta(hours=80))
    client = Client()
    client.force_login(dpo)

    body = client.get(reverse("compliance:dashboard")).content.decode()

    requests = tile(body, "Subject-access requests")
    assert request.reference in requests
    assert re.search(r"\b(2[89]|3[01]) d\b", requests)  # a month to answer, counted down
    assert reverse("privacy:request-list") in requests
    breaches = tile(body, "Personal-data breaches")
    assert "Stolen laptop" in breaches and "overdue" in breaches
    signage = tile(body, "Signage and privacy notices")
    assert "cameras without a covering, current sign" in signage
    assert reverse("privacy:sign-list") in signage
    assert "will show here" not in body  # no placeholder slot is left


@pytest.mark.parametrize("role", [Role.GUARD, Role.SUPERVISOR])
def test_the_dashboard_is_not_theirs(role):
    client = Client()
    client.force_login(UserFactory(role=role))
    assert client.get(reverse("compliance:dashboard")).status_code == 404
