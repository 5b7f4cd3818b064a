"""The printable first-layer sign (EDPB Guidelines 3/2019 §7): A4 or A3, generated from the
site's current notice so that what is printed is what is true, with a QR code to the
second-layer notice."""

from __future__ import annotations

import io

import segno
from reportlab.lib.pagesizes import A3, A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from privacy.notice_models import NoticeVersion

PAPER = {"A4": A4, "A3": A3}


def _qr_image(url: str) -> ImageReader:
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=10, border=4)
    buffer.seek(0)
    return ImageReader(buffer)


def sign_lines(printed: dict) -> list[tuple[str, str]]:
    """The sign's text as (heading, body) pairs."""
    lines = [("Who is responsible", printed.get("controller") or "")]
    if printed.get("contact"):
        lines.append(("Contact", printed["contact"]))
    for purpose in printed.get("purposes", []):
        lines.append(("Purpose", purpose))
    lines.append(("Lawful basis", "; ".join(printed.get("lawful_bases", []))))
    lines.append(("Video kept for", ", ".join(printed.get("retention", []))))
    uses = []
    if printed.get("analytics"):
        uses.append("automatic detection (AI) with faces and plates blurred")
    if printed.get("face_recognition"):
        uses.append("FACE RECOGNITION")
    if printed.get("plate_recognition"):
        uses.append("number-plate recognition")
    lines.append(("Analytics", "; ".join(uses) or "none"))
    lines.append(("Transfers", printed.get("transfers") or "None"))
    lines.append(
        ("Your rights", "Access, erasure, restriction, objection, complaint to the regulator.")
    )
    if printed.get("dpo_contact"):
        lines.append(("Data protection officer", printed["dpo_contact"]))
    return lines


def _wrap(canvas: Canvas, text: str, font: str, size: float, width: float) -> list[str]:
    words, rows, row = text.split(), [], ""
    for word in words:
        candidate = f"{row} {word}".strip()
        if canvas.stringWidth(candidate, font, size) <= width or not row:
            row = candidate
        else:
            rows.append(row)
            row = word
    if row:
        rows.append(row)
    return rows


def sign_pdf(*, version: NoticeVersion, location: str, notice_url: str, paper: str = "A4") -> bytes:
    """The sign as a one-page PDF."""
    width, height = PAPER[paper]
    scale = width / A4[0]
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(width, height))
    canvas.setTitle(f"Video surveillance sign — {version.site.name}, {location}")
    margin = 40 * scale
    canvas.setFillColorRGB(1, 0.8, 0)
    canvas.rect(0, height - 120 * scale, width, 120 * scale, stroke=0, fill=1)
    canvas.setFillColorRGB(0, 0, 0)
    canvas.setFont("Helvetica-Bold", 30 * scale)
    canvas.drawString(margin, height - 70 * scale, "Video surveillance in operation")
    canvas.setFont("Helvetica", 13 * scale)
    canvas.drawString(margin, height - 100 * scale, f"{version.site.name} — {location}")
    y = height - 160 * scale
    text_width = width - 2 * margin
    for heading, body in sign_lines(version.printed):
        canvas.setFont("Helvetica-Bold", 12 * scale)
        canvas.drawString(margin, y, heading)
        y -= 16 * scale
        canvas.setFont("Helvetica", 12 * scale)
        for row in _wrap(canvas, body, "Helvetica", 12 * scale, text_width):
            canvas.drawString(margin, y, row)
            y -= 15 * scale
        y -= 8 * scale
    qr_size = 170 * scale
    canvas.drawImage(_qr_image(notice_url), margin, 60 * scale, qr_size, qr_size)
    canvas.setFont("Helvetica-Bold", 12 * scale)
    canvas.drawString(margin + qr_size + 20 * scale, 60 * scale + qr_size - 30 * scale, "More:")
    canvas.setFont("Helvetica", 11 * scale)
    canvas.drawString(margin + qr_size + 20 * scale, 60 * scale + qr_size - 48 * scale, notice_url)
    canvas.drawString(
        margin + qr_size + 20 * scale,
        60 * scale + qr_size - 66 * scale,
        f"Notice version {version.number}, {version.published_at:%d %b %Y}",
    )
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
