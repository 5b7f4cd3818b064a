"""The transparency journey in a real browser: an admin registers a sign with a photo and
prints it; the QR code on the printed PDF leads an anonymous visitor (on a phone-sized
screen) to the site's notice; a longer retention, once the DPO approves it (the notice says
what is true, so it changes at approval), publishes a new notice version with its diff, makes
the sign stale and holds the camera's analytics until a re-print is recorded."""

from __future__ import annotations

import uuid

import cv2
import numpy as np
import pypdfium2
import pytest

from tests.browser.conftest import ARTIFACTS, save_screenshot

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.slow]


def _decode_qr(pdf_bytes: bytes) -> str:
    page = pypdfium2.PdfDocument(pdf_bytes)[0]
    image = np.array(page.render(scale=2).to_pil().convert("RGB"))[:, :, ::-1].copy()
    decoded, _, _ = cv2.QRCodeDetector().detectAndDecode(image)
    return decoded


def test_sign_print_qr_notice_and_a_retention_change(veil, people, orm, chromium, tmp_path):
    from django.db import OperationalError, transaction

    from accounts.roles import Role
    from analytics.selectors.engine import cameras_for_analytics
    from cameras.models import Camera
    from compliance.services import acting_as
    from privacy.models import NoticeVersion, Sign
    from privacy.services.signs import NO_SIGN, STALE_SIGN
    from tests.factories import CameraFactory, SiteFactory, UserFactory
    from tests.privacy.scenes import face_scene

    token = uuid.uuid4().hex[:6]
    for attempt in range(3):
        # The module's worker writes alerts and audit rows all the while; a deadlock between
        # its writes and these (the audit chain's lock) picks a victim: try again.
        try:
            with acting_as(), transaction.atomic():
                # A French site: notice is mandatory, so no sign means no analytics.
                site = SiteFactory(name=f"Quai {token}", country="FR", signage_enforcement="")
                camera = CameraFactory(
                    site=site,
                    name=f"Dock {token}",
                    source_url=veil.camera.source_url,  # a source this deployment allows
                    subject_categories=["staff"],
                )
                dpo = UserFactory(username=f"dpo-{token}", role=Role.DPO)
            break
        except OperationalError:
            if attempt == 2:
                raise
    people.totp_keys[dpo.username] = dpo.otp_device.key
    assert Camera.objects.get(pk=camera.pk).analytics_hold == NO_SIGN

    admin = people.open(veil.admin, "admin", path="/privacy/signs/new/")
    photo = tmp_path / "sign.jpg"
    cv2.imwrite(str(photo), face_scene()[0])
    admin.select_option("select[name=site]", str(site.pk))
    admin.fill("input[name=location]", "Dock gate, left post")
    admin.select_option("select[name=cameras]", str(camera.pk))
    assert admin.input_value("input[name=installed_on]")  # today, as the form suggests
    admin.set_input_files("input[name=photo]", str(photo))
    # The photo is anonymised in the request: the first one loads the detectors.
    with admin.expect_navigation(timeout=90_000):
        admin.click("main form button[type=submit]", timeout=90_000)
    assert "/privacy/signs/" in admin.url and "Current: printed from notice version" in (
        admin.inner_text("#sign-state")
    )
    sign = Sign.objects.get(site=site)
    assert sign.photo  # stored anonymised (checked pixel-wise in tests/privacy/test_signs.py)
    assert Camera.objects.get(pk=camera.pk).analytics_hold == ""
    assert camera.pk in cameras_for_analytics()

    pdf = admin.request.get(admin.get_attribute("#sign-pdf-a4", "href"))
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    notice_url = _decode_qr(pdf.body())
    assert notice_url == f"{veil.url}/privacy/notice/{site.pk}/"

    # An anonymous visitor with a phone.
    visitor_context = chromium.new_context(viewport={"width": 390, "height": 844})
    try:
        visitor = visitor_context.new_page()
        response = visitor.goto(notice_url)
        assert response.status == 200
        text = visitor.inner_text("main")
        assert site.name in text and camera.purpose in text and "72 hours" in text
        assert visitor.evaluate("document.documentElement.scrollWidth") <= 390
        assert visitor.evaluate("document.scripts.length") == 0
        ARTIFACTS.mkdir(exist_ok=True)
        save_screenshot(visitor, "transparency-notice-390x844")
        first_version = NoticeVersion.objects.filter(site=site).order_by("-number").first().number

        # The admin asks for 30 days; nothing changes until the DPO approves.
        admin.goto(f"/cameras/{camera.pk}/edit/")
        admin.fill("input[name=retention_hours]", "720")
        admin.fill(
            "textarea[name=retention_justification]",
            "Insurance claims for dock damage arrive up to four weeks after the event.",
        )
        with admin.expect_navigation():
            admin.click("main form button[type=submit]")
        assert NoticeVersion.objects.filter(site=site).count() == first_version
        dpo_page = people.open(dpo, "dpo", path=f"/cameras/{camera.pk}/")
        dpo_page.fill("#retention-note", "Claims evidence is needed for four weeks.")
        with dpo_page.expect_navigation():
            dpo_page.click("form.retention-decision button[value=approve]")

        visitor.goto(notice_url)
        text = visitor.inner_text("main")
        assert "30 days" in text and f"What changed in version {first_version + 1}" in text
        assert "kept for: 72 hours" in visitor.inner_text("#changes")
        assert dpo.username in visitor.inner_text("#changes")
        visitor.goto(f"{veil.url}/privacy/notice/{site.pk}/v{first_version}/")
        assert "72 hours" in visitor.inner_text("main")
    finally:
        visitor_context.close()

    admin.goto(f"/privacy/signs/{sign.pk}/")
    assert "Stale" in admin.inner_text("#sign-state")
    assert Camera.objects.get(pk=camera.pk).analytics_hold == STALE_SIGN
    assert camera.pk not in cameras_for_analytics()
    with admin.expect_navigation():
        admin.click("#record-print")
    assert "Current" in admin.inner_text("#sign-state")
    assert Camera.objects.get(pk=camera.pk).analytics_hold == ""
    assert camera.pk in cameras_for_analytics()
