"""Records of processing activities (GDPR Art. 30), generated from the live configuration:
one record per site and purpose. Nothing here is typed by hand, so nothing can drift."""

from __future__ import annotations

import csv
import io

from django.conf import settings

from cameras.models import Camera, SubjectCategory
from privacy.notices import DEFAULT_RECIPIENTS, DEFAULT_TRANSFERS, _setting, controller_details

SECURITY_MEASURES = [
    "Faces and number plates blurred before video is shown or analysed",
    "Video encrypted at rest (AES-256, per camera and day); erasure destroys the key",
    "Access by role and site, with two-factor authentication for DPO and Admin",
    "Every access to video and every change recorded in a tamper-evident audit trail",
    "Un-masking only with a second person's approval",
]
CSV_COLUMNS = [
    "site",
    "country",
    "purpose",
    "lawful_basis",
    "cameras",
    "data_subjects",
    "data_categories",
    "recipients",
    "transfers",
    "erasure_time_limit",
    "security_measures",
    "controller",
    "dpo_contact",
]


def _data_categories(cameras: list[Camera]) -> list[str]:
    categories = ["Video images of people and vehicles"]
    if any(camera.face_recognition_enabled for camera in cameras):
        categories.append("Biometric data: face templates (special category, Art. 9)")
    if any(camera.plate_recognition_enabled for camera in cameras):
        categories.append("Vehicle number plates")
    return categories


def _retention_words(hours: int) -> str:
    return f"{hours // 24} days" if hours % 24 == 0 and hours > 72 else f"{hours} hours"


def records_of_processing(*, user) -> list[dict]:
    """One record per (site, purpose) of the enabled cameras the user may see."""
    labels = dict(SubjectCategory.choices)
    controller = controller_details()
    groups: dict[tuple, list[Camera]] = {}
    cameras = (
        Camera.objects.restrict(user, "view")
        .filter(enabled=True)
        .select_related("site")
        .order_by("site__name", "purpose", "name")
    )
    for camera in cameras:
        groups.setdefault((camera.site.name, camera.purpose), []).append(camera)
    records = []
    for (site_name, purpose), members in groups.items():
        site = members[0].site
        retention = sorted({camera.effective_retention_hours for camera in members})
        records.append(
            {
                "site": site_name,
                "country": f"{site.country}{'-' + site.region if site.region else ''}",
                "purpose": purpose,
                "lawful_basis": sorted({c.get_lawful_basis_display() for c in members}),
                "cameras": [camera.name for camera in members],
                "data_subjects": sorted(
                    {str(labels.get(cat, cat)) for c in members for cat in c.subject_categories}
                ),
                "data_categories": _data_categories(members),
                "recipients": list(getattr(settings, "PRIVACY_RECIPIENTS", DEFAULT_RECIPIENTS)),
                "transfers": _setting("TRANSFERS", DEFAULT_TRANSFERS),
                "erasure_time_limit": [_retention_words(hours) for hours in retention],
                "security_measures": SECURITY_MEASURES,
                "controller": controller["name"],
                "dpo_contact": controller["dpo_contact"],
            }
        )
    return records


def records_csv(records: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for record in records:
        writer.writerow(
            ["; ".join(v) if isinstance(v, list) else v for v in (record[c] for c in CSV_COLUMNS)]
        )
    return out.getvalue()


def records_pdf(records: list[dict]) -> bytes:
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table

    styles = getSampleStyleSheet()
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer, pagesize=landscape(A4), title="Records of processing activities (Art. 30)"
    )
    story = [Paragraph("Records of processing activities (GDPR Art. 30)", styles["Title"])]
    for record in records:
        story.append(Paragraph(f"{record['site']} — {record['purpose']}", styles["Heading3"]))
        rows = [
            [Paragraph(column.replace("_", " ").capitalize(), styles["BodyText"]),
             Paragraph("; ".join(value) if isinstance(value, list) else str(value), styles["BodyText"])]
            for column, value in ((c, record[c]) for c in CSV_COLUMNS[2:])
        ]  # fmt: skip
        story += [Table(rows, colWidths=[150, 580]), Spacer(1, 12)]
    if not records:
        story.append(Paragraph("No camera is in use.", styles["BodyText"]))
    document.build(story)
    return buffer.getvalue()


def assessment_pdf(title: str, items) -> bytes:
    """A self-assessment (``privacy.assessment``) as a PDF."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    styles = getSampleStyleSheet()
    rag_colours = {"red": colors.red, "amber": colors.orange, "green": colors.green}
    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=A4, title=title)
    story = [Paragraph(title, styles["Title"])]
    for item in items:
        colour = rag_colours[item.check.rag].hexval()[2:]
        story.append(
            Paragraph(
                f'{item.number}. {item.title} — <font color="#{colour}"><b>'
                f"{item.check.rag.upper()}</b></font>",
                styles["Heading4"],
            )
        )
        for text, _url in item.check.evidence:
            story.append(Paragraph(f"Evidence: {text}", styles["BodyText"]))
        for gap in item.check.gaps:
            story.append(Paragraph(f"Gap: {gap}", styles["BodyText"]))
        story.append(Spacer(1, 6))
    document.build(story)
    return buffer.getvalue()
