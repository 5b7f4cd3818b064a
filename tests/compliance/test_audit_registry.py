"""The audit registry: each app registers its own audited models; the change-log filters (page
and API) offer exactly those, and nothing is recorded around the registry."""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.roles import Role
from compliance.audit import audited_model_label, audited_models
from compliance.services import acting_as
from privacy.models import PrivacyMask
from tests.api_base import results
from tests.factories import CameraFactory, UserFactory

# Who may do what (accounts), what is watched (cameras), what is blacked out (privacy), what
# raises alerts and every decision on them (analytics).
AUDITED = {
    "accounts.user",
    "auth.group",
    "guardian.userobjectpermission",
    "guardian.groupobjectpermission",
    "cameras.siteuserobjectpermission",
    "cameras.sitegroupobjectpermission",
    "cameras.camerauserobjectpermission",
    "cameras.cameragroupobjectpermission",
    "cameras.site",
    "cameras.camera",
    "privacy.privacymask",
    "privacy.legalhold",
    "privacy.unmaskgrant",
    "privacy.unmaskpolicy",
    # Transparency and accountability records.
    "privacy.noticeversion",
    "privacy.policyversion",
    "privacy.sign",
    "privacy.signinspection",
    "privacy.dpia",
    # Subject access and the DPO's registers.
    "privacy.subjectaccessrequest",
    "privacy.breach",
    "privacy.transfer",
    "privacy.vendor",
    "privacy.riskassessment",
    "privacy.insurancepolicy",
    "analytics.alert",
    "analytics.alertdecision",
    "analytics.missedevent",
    "analytics.modelassessment",
    "analytics.rule",
    "analytics.zone",
}
SQUARE = [[0.1, 0.1], [0.4, 0.1], [0.4, 0.4], [0.1, 0.4]]


def test_the_apps_register_every_audited_model_through_the_registry():
    assert {audited_model_label(model) for model in audited_models()} == AUDITED
    # Nothing registers with django-auditlog around compliance's registry.
    assert set(auditlog.get_models()) == set(audited_models())


@pytest.mark.django_db
def test_change_log_page_offers_every_audited_model_and_filters_by_it():
    camera = CameraFactory()
    with acting_as():
        PrivacyMask.objects.create(camera=camera, name="Neighbour window", points=SQUARE)
    client = Client()
    client.force_login(UserFactory(role=Role.DPO))
    url = reverse("compliance:change-log-list")

    form = client.get(url).context["form"]
    offered = {
        f"{content_type.app_label}.{content_type.model}"
        for content_type in form.fields["content_type"].queryset
    }
    assert offered == AUDITED

    mask_type = form.fields["content_type"].queryset.get(model="privacymask")
    response = client.get(url, {"content_type": mask_type.pk})
    assert [entry.object_repr for entry in response.context["page"]] == ["Neighbour window"]
    assert "Neighbour window" in response.content.decode()


@pytest.mark.django_db
def test_change_log_api_filters_by_any_audited_model_and_refuses_others():
    camera = CameraFactory()
    with acting_as():
        mask = PrivacyMask.objects.create(camera=camera, name="Neighbour window", points=SQUARE)
    client = APIClient()
    client.force_login(UserFactory(role=Role.DPO))
    url = reverse("compliance-api:changelog-list")

    rows = results(client.get(url, {"object_type": "privacy.privacymask"}))
    assert [(row["object_type"], row["object_pk"]) for row in rows] == [
        ("privacy.privacymask", str(mask.pk))
    ]
    assert rows[0]["action"] == LogEntry.Action.CREATE
    # A model that is not audited is not a filter value (it can only ever list nothing).
    assert client.get(url, {"object_type": "sessions.session"}).status_code == 400
