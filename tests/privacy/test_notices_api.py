"""Notice and policy versions over the REST API: the generic permission cases, publishing."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone
from guardian.shortcuts import assign_perm

from accounts.roles import Role
from compliance.models import AccessEvent, AccessKind
from privacy.models import NoticeVersion, PolicyStatus, PolicyVersion
from tests.api_base import CreateTests, ListTests, NoDeleteTests, RetrieveTests, UpdateTests
from tests.factories import CameraFactory, UserFactory


class TestNoticeVersionAPI(ListTests, RetrieveTests):
    model = NoticeVersion
    namespace, basename = "privacy-api", "notice-version"

    def make_object(self):
        return NoticeVersion.objects.filter(site=CameraFactory().site).order_by("-number").first()

    def grant(self, user, obj):
        assign_perm("cameras.view_site", user, obj.site)


class TestPolicyVersionAPI(ListTests, RetrieveTests, CreateTests, UpdateTests, NoDeleteTests):
    model = PolicyVersion
    namespace, basename = "privacy-api", "policy-version"

    def make_object(self):
        return PolicyVersion.objects.create(text="We film the loading docks only.")

    def create_data(self):
        return {"text": "We film the loading docks only.", "effective_date": "2030-01-01"}

    def update_data(self, obj):
        return {"text": obj.text + "\nVideo is kept 72 hours."}


@pytest.mark.django_db
def test_only_a_dpo_publishes_and_a_published_version_cannot_change(client):
    draft = PolicyVersion.objects.create(text="Policy text.", effective_date=timezone.localdate())
    url = reverse("privacy-api:policy-publish", args=[draft.pk])
    admin = UserFactory(role=Role.ADMIN)
    client.force_login(admin)
    assert client.post(url).status_code == 404  # not theirs to publish: hidden
    dpo = UserFactory(role=Role.DPO)
    client.force_login(dpo)
    response = client.post(url)
    assert response.status_code == 200, response.content
    assert response.json()["number"] == 1 and response.json()["status"] == PolicyStatus.PUBLISHED
    event = AccessEvent.objects.get(kind=AccessKind.RECORD_PUBLISH)
    assert event.actor == dpo and event.target_id == str(draft.pk)
    again = client.post(url)
    assert again.status_code == 400 and "already published" in again.content.decode()
    client.force_login(admin)
    edit = client.patch(
        reverse("privacy-api:policy-version-detail", args=[draft.pk]),
        {"text": "Rewritten"},
        content_type="application/json",
    )
    assert edit.status_code == 400 and "cannot be changed" in edit.content.decode()
