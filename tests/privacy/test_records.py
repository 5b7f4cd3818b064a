"""Records of processing (Art. 30) follow the configuration exactly: change it, they change."""

from __future__ import annotations

import csv
import io

import pypdfium2
import pytest
from django.urls import reverse

from accounts.roles import Role
from cameras.models import Camera
from compliance.models import AccessEvent, AccessKind
from tests.factories import CameraFactory, SiteFactory, UserFactory

pytestmark = pytest.mark.django_db

OTHER_PURPOSE = (
    "Record vehicles entering and leaving the staff car park to investigate damage reported "
    "by staff"
)


def csv_rows(client) -> list[dict]:
    response = client.get(reverse("privacy:records-download", args=["csv"]))
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_records_list_exactly_the_configured_purposes_retention_and_transfers(client, settings):
    settings.PRIVACY_TRANSFERS = "Backups in the EU only (no transfer outside the EEA)"
    site = SiteFactory(name="Harbour depot")
    dock = CameraFactory(site=site, name="Dock", subject_categories=["staff"])
    CameraFactory(site=site, name="Car park", purpose=OTHER_PURPOSE)
    CameraFactory(site=site, name="Old", enabled=False, purpose="Something switched off long ago")
    dpo = UserFactory(role=Role.DPO)
    client.force_login(dpo)
    rows = csv_rows(client)
    assert sorted((r["site"], r["purpose"]) for r in rows) == sorted(
        [("Harbour depot", dock.purpose), ("Harbour depot", OTHER_PURPOSE)]
    )
    by_purpose = {r["purpose"]: r for r in rows}
    assert by_purpose[dock.purpose]["erasure_time_limit"] == "72 hours"
    assert by_purpose[dock.purpose]["data_subjects"] == "Staff"
    assert by_purpose[dock.purpose]["transfers"] == settings.PRIVACY_TRANSFERS

    Camera.objects.filter(pk=dock.pk).update(retention_hours=720, retention_approved_hours=720)
    settings.PRIVACY_TRANSFERS = "Video copied to a US processor under SCCs"
    rows = {r["purpose"]: r for r in csv_rows(client)}
    assert rows[dock.purpose]["erasure_time_limit"] == "30 days"
    assert rows[dock.purpose]["transfers"] == "Video copied to a US processor under SCCs"
    assert AccessEvent.objects.filter(kind=AccessKind.REPORT_DOWNLOAD, actor=dpo).count() == 2


def test_the_page_and_pdf_say_the_same(client):
    camera = CameraFactory()
    client.force_login(UserFactory(role=Role.DPO))
    page = client.get(reverse("privacy:records")).content.decode()
    assert camera.purpose in page
    pdf = client.get(reverse("privacy:records-download", args=["pdf"]))
    text = " ".join(
        page.get_textpage().get_text_range() for page in pypdfium2.PdfDocument(pdf.content)
    )
    assert "Records of processing" in text and "72 hours" in text


def test_records_are_for_the_dpo_only(client):
    client.force_login(UserFactory(role=Role.GUARD))
    assert client.get(reverse("privacy:records")).status_code == 404
    assert client.get(reverse("privacy:records-download", args=["csv"])).status_code == 404
