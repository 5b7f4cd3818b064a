"""Self-assessments: red/amber/green from live data, with the gaps named."""

from __future__ import annotations

import pypdfium2
import pytest
from django.urls import reverse

from accounts.roles import Role
from privacy.assessment import self_assessment
from tests.factories import CameraFactory, SiteFactory, UserFactory

pytestmark = pytest.mark.django_db


def rag(items) -> dict[str, str]:
    return {item.number: item.check.rag for item in items}


def test_a_camera_without_a_sign_makes_transparency_red_and_a_sign_clears_it(client):
    camera = CameraFactory(site=SiteFactory(signage_enforcement=""))
    dpo = UserFactory(role=Role.DPO)
    items = self_assessment(user=dpo)
    assert len(items) == 12
    assert rag(items)["3"] == "red"
    assert any(camera.name in gap for gap in items[2].check.gaps)
    assert rag(items)["5"] == "red"  # no privacy policy published

    from privacy.services.signs import sign_register

    admin = UserFactory(role=Role.ADMIN)
    sign_register(
        actor=admin, site=camera.site, cameras=[camera], location="Gate", installed_on="2026-01-01"
    )
    assert rag(self_assessment(user=dpo))["3"] != "red"


def test_the_page_and_pdf_for_the_dpo(client):
    CameraFactory()
    client.force_login(UserFactory(role=Role.DPO))
    for name in ("surveillance-code", "ico"):
        page = client.get(reverse("privacy:assessment", args=[name]))
        assert page.status_code == 200 and 'data-rag="' in page.content.decode()
        pdf = client.get(reverse("privacy:assessment-pdf", args=[name]))
        text = pypdfium2.PdfDocument(pdf.content)[0].get_textpage().get_text_range()
        assert "RED" in text or "AMBER" in text or "GREEN" in text
    assert client.get(reverse("privacy:assessment", args=["nope"])).status_code == 404
