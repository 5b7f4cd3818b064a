"""The report as a PDF (ReportLab platypus and graphics): a cover, a summary of figures,
each section's charts and tables, and the verification statement; page numbers, the
report's identity and period in every footer."""

from __future__ import annotations

import datetime as dt
import io
from xml.sax.saxutils import escape

from django.utils import timezone
from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (
    CondPageBreak,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from compliance.reports.queries import PDF_TABLE_ROWS, when
from compliance.reports.registry import Chart, ReportContext, SectionContent

INK = colors.HexColor("#1f2933")
MUTED = colors.HexColor("#616e7c")
ACCENT = colors.HexColor("#1d4e89")
RULE = colors.HexColor("#cbd2d9")
BAND = colors.HexColor("#f0f4f8")
SERIES = [
    colors.HexColor(c) for c in ("#1d4e89", "#e07a1f", "#2f8f5b", "#b23a48", "#7b5ea7", "#8d99ae")
]
MARGIN = 18 * mm
WIDTH = A4[0] - 2 * MARGIN


def _styles():
    base = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=base["BodyText"], fontSize=9.5, leading=13, textColor=INK)
    return {
        "body": body,
        "muted": ParagraphStyle("muted", parent=body, textColor=MUTED, fontSize=8.5, leading=11),
        "cell": ParagraphStyle("cell", parent=body, fontSize=7.5, leading=9.5, alignment=TA_LEFT),
        "num": ParagraphStyle("num", parent=body, fontSize=7.5, leading=9.5, alignment=TA_RIGHT),
        "mono": ParagraphStyle("mono", parent=body, fontName="Courier", fontSize=6.5, leading=8.5),
        "head_num": ParagraphStyle(
            "head_num", parent=body, fontSize=7.5, leading=9.5, fontName="Helvetica-Bold",
            textColor=colors.white, alignment=TA_RIGHT,
        ),
        "head": ParagraphStyle(
            "head", parent=body, fontSize=7.5, leading=9.5, fontName="Helvetica-Bold",
            textColor=colors.white,
        ),
        "h1": ParagraphStyle(
            "h1", parent=base["Heading1"], fontSize=15, leading=19, textColor=ACCENT,
            spaceBefore=4, spaceAfter=4,
        ),
        "h2": ParagraphStyle(
            "h2", parent=base["Heading2"], fontSize=10.5, leading=14, textColor=INK,
            spaceBefore=8, spaceAfter=4,
        ),
        "title": ParagraphStyle(
            "title", parent=base["Title"], fontSize=26, leading=32, textColor=ACCENT,
            alignment=TA_LEFT, spaceAfter=6,
        ),
        "subtitle": ParagraphStyle(
            "subtitle", parent=body, fontSize=13, leading=18, textColor=MUTED
        ),
        "statement": ParagraphStyle(
            "statement", parent=body, fontSize=10, leading=14, borderColor=ACCENT,
            borderWidth=1, borderPadding=8, backColor=BAND, spaceBefore=6, spaceAfter=10,
        ),
    }  # fmt: skip


def _p(text, style) -> Paragraph:
    return Paragraph(escape(str(text)), style)


def _key_values(rows, styles, widths=(0.32, 0.68)) -> Table:
    table = Table(
        [[_p(k, styles["muted"]), _p(v, styles["body"])] for k, v in rows],
        colWidths=[WIDTH * w for w in widths],
    )
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE),
                ("TOPPADDING", (0, 0), (-1, -1), 5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
            ]
        )
    )
    return table


def _figures(figures, styles) -> Table:
    """Summary figures as a band of boxes, four to a row."""
    cells = [
        [
            Paragraph(
                f'<font size="16" color="{ACCENT.hexval().replace("0x", "#")}"><b>'
                f"{escape(str(f.value))}</b></font><br/>"
                f'<font size="7.5" color="#616e7c">{escape(f.label)}</font>',
                styles["body"],
            )
        ]
        for f in figures
    ]
    flat = [c[0] for c in cells]
    rows = [flat[i : i + 4] for i in range(0, len(flat), 4)]
    rows[-1] += [""] * (4 - len(rows[-1]))
    table = Table(rows, colWidths=[WIDTH / 4] * 4)
    table.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 0.5, RULE),
                ("INNERGRID", (0, 0), (-1, -1), 0.5, RULE),
                ("BACKGROUND", (0, 0), (-1, -1), BAND),
                ("TOPPADDING", (0, 0), (-1, -1), 6),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
                ("LEFTPADDING", (0, 0), (-1, -1), 8),
            ]
        )
    )
    return table


def _chart(chart: Chart) -> Drawing:
    height = 62 * mm
    drawing = Drawing(WIDTH, height)
    plot = HorizontalLineChart() if chart.kind == "line" else VerticalBarChart()
    plot.x, plot.y = 12 * mm, 16 * mm
    plot.width, plot.height = WIDTH - 62 * mm, height - 26 * mm
    plot.data = [tuple(values) for values in chart.series.values()] or [(0,)]
    plot.categoryAxis.categoryNames = [c[:40] for c in chart.categories]
    plot.categoryAxis.labels.fontSize = 6.5
    plot.categoryAxis.labels.fillColor = MUTED
    if len(chart.categories) > 8:
        plot.categoryAxis.labels.angle = 35
        plot.categoryAxis.labels.boxAnchor = "ne"
    if chart.kind in ("line", "stacked") and len(chart.categories) > 16:
        step = len(chart.categories) // 8 + 1
        plot.categoryAxis.categoryNames = [
            c if i % step == 0 else "" for i, c in enumerate(chart.categories)
        ]
    plot.valueAxis.valueMin = 0
    if chart.kind == "stacked":
        plot.categoryAxis.style = "stacked"
        peak = max((sum(day) for day in zip(*chart.series.values(), strict=True)), default=0)
    else:
        peak = max((max(v) for v in chart.series.values() if v), default=0)
    plot.valueAxis.valueMax = max(peak * 1.15, 4)
    plot.valueAxis.labels.fontSize = 6.5
    plot.valueAxis.labels.fillColor = MUTED
    plot.valueAxis.gridStrokeColor = RULE
    plot.valueAxis.visibleGrid = True
    plot.valueAxis.strokeColor = RULE
    plot.categoryAxis.strokeColor = RULE
    for index in range(len(plot.data)):
        color = SERIES[index % len(SERIES)]
        if chart.kind == "line":
            plot.lines[index].strokeColor = color
            plot.lines[index].strokeWidth = 1.4
        else:
            plot.bars[index].fillColor = color
            plot.bars[index].strokeColor = None
    if chart.kind != "line":
        plot.groupSpacing = 6
        plot.barSpacing = 1
    drawing.add(plot)
    legend = Legend()
    legend.x, legend.y = WIDTH - 46 * mm, height - 12 * mm
    legend.alignment = "right"
    legend.fontSize = 7
    legend.fontName = "Helvetica"
    legend.dx = legend.dy = 6
    legend.deltay = 10
    legend.columnMaximum = 8
    legend.colorNamePairs = [
        (SERIES[i % len(SERIES)], name[:26]) for i, name in enumerate(chart.series)
    ]
    drawing.add(legend)
    drawing.add(String(0, height - 6, chart.title, fontName="Helvetica-Bold", fontSize=8.5,
                       fillColor=INK))  # fmt: skip
    return drawing


def _is_number(value) -> bool:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return True
    text = str(value).rstrip("%").replace(",", "").strip()
    return bool(text) and text.replace(".", "", 1).lstrip("-").isdigit()


def _column_widths(table, shown) -> list[float]:
    """The table's relative widths, widened where a header word or a short value would
    otherwise break mid-word, then fitted to the page."""
    relative = table.widths or [1] * len(table.columns)
    scale = WIDTH / sum(relative)
    wanted = [w * scale for w in relative]
    need = []
    for index, header in enumerate(table.columns):
        longest = max(
            (stringWidth(word, "Helvetica-Bold", 7.5) for word in header.split()), default=0
        )
        for row in shown[:60]:
            text = str(row[index]) if row[index] is not None else ""
            if len(text) <= 24:
                longest = max(longest, stringWidth(text, "Helvetica", 7.5))
        need.append(longest + 14)  # the cell's padding, 6 pt a side, and a margin
    widths = [max(w, n) for w, n in zip(wanted, need, strict=True)]
    excess = sum(widths) - WIDTH
    if excess > 0:
        slack = [w - n if w > n else 0 for w, n in zip(widths, need, strict=True)]
        total = sum(slack) or 1
        widths = [w - excess * s / total for w, s in zip(widths, slack, strict=True)]
    return widths


def _table(table, styles) -> list:
    shown = table.rows[:PDF_TABLE_ROWS]
    # Right-aligned: columns of figures (a dash for "none" allowed), not text that holds one.
    numeric = [
        bool(shown)
        and all(_is_number(row[i]) or row[i] in ("—", "", None) for row in shown)
        and sum(_is_number(row[i]) for row in shown) * 2 >= len(shown)
        for i in range(len(table.columns))
    ]

    def cell(value, index):
        style = (
            styles["mono"]
            if index in table.mono
            else (styles["num"] if numeric[index] else styles["cell"])
        )
        return _p("—" if value in (None, "") else value, style)

    data = [
        [
            _p(c, styles["head_num"] if numeric[i] else styles["head"])
            for i, c in enumerate(table.columns)
        ]
    ]
    data += [[cell(v, i) for i, v in enumerate(row)] for row in shown]
    flow = Table(data, colWidths=_column_widths(table, shown), repeatRows=1)
    style = [
        ("BACKGROUND", (0, 0), (-1, 0), ACCENT),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 1), (-1, -1), 0.3, RULE),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    style += [("BACKGROUND", (0, i), (-1, i), BAND) for i in range(2, len(data), 2)]
    flow.setStyle(TableStyle(style))
    out = [CondPageBreak(30 * mm), _p(table.title, styles["h2"])]
    if not table.rows:
        return [*out, _p("None in this period.", styles["muted"])]
    out.append(flow)
    notes = [table.note] if table.note else []
    if len(table.rows) > len(shown):
        notes.append(
            f"First {len(shown)} of {len(table.rows)} rows; every row is in the CSV file "
            f"{table.key}.csv."
        )
    out += [_p(" ".join(notes), styles["muted"])] if notes else []
    return out


def _zone_name() -> str:
    return str(timezone.get_current_timezone())


def period_text(context: ReportContext) -> str:
    """Whole days as dates, inclusive ("24 November 2026 to 30 November 2026"); otherwise
    the times, in the deployment's time zone."""
    start = timezone.localtime(context.period_start)
    end = timezone.localtime(context.period_end)
    if start.time() == end.time() == dt.time.min:
        last = end - dt.timedelta(days=1)
        return f"{start:%-d %B %Y} to {last:%-d %B %Y}, inclusive ({_zone_name()})"
    return f"{when(start)} to {when(end)} ({_zone_name()})"


def render_pdf(context: ReportContext, sections, report_ref: str) -> bytes:
    """``sections``: ``[(ReportSection, SectionContent)]`` in report order."""
    styles = _styles()
    buffer = io.BytesIO()
    period = period_text(context)

    def footer(canvas, doc):
        canvas.saveState()
        canvas.setStrokeColor(RULE)
        canvas.line(MARGIN, 14 * mm, A4[0] - MARGIN, 14 * mm)
        canvas.setFont("Helvetica", 7)
        canvas.setFillColor(MUTED)
        canvas.drawString(
            MARGIN, 10 * mm, f"{context.organisation} · Audit report {report_ref} · {period}"
        )
        canvas.drawRightString(A4[0] - MARGIN, 10 * mm, f"Page {doc.page}")
        canvas.drawString(MARGIN, A4[1] - 11 * mm, "CONFIDENTIAL: contains personal data")
        canvas.restoreState()

    document = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=18 * mm,
        bottomMargin=20 * mm, title=f"Audit report {report_ref}", author=context.generated_by,
        subject=f"Audit report, {period}", creator="Veil",
    )  # fmt: skip
    story: list = [
        Spacer(1, 30 * mm),
        _p(context.organisation, styles["subtitle"]),
        _p("Audit report", styles["title"]),
        _p("Access to video, decisions on alerts, configuration and retention", styles["subtitle"]),
        Spacer(1, 14 * mm),
        _key_values(
            [
                ("Organisation", context.organisation),
                ("Period", period),
                ("Scope", context.scope.label),
                ("Generated by", context.generated_by),
                ("Generated at", f"{when(context.generated_at)} ({_zone_name()})"),
                ("Reference", report_ref),
            ],
            styles,
        ),
        Spacer(1, 10 * mm),
    ]
    verification = next((c for s, c in sections if s.key == "verification"), None)
    if verification is not None and verification.paragraphs:
        story.append(_p(verification.paragraphs[0], styles["statement"]))
    story += [
        Spacer(1, 24 * mm),
        _key_values(
            [("Reviewed by (name, role)", " "), ("Signature", " "), ("Date", " ")],
            styles,
            widths=(0.32, 0.68),
        ),
        PageBreak(),
        _p("Summary", styles["h1"]),
        _p(
            "Figures for the period and scope above. Each section below gives the detail; "
            "the CSV files delivered with this report hold every row of every table.",
            styles["muted"],
        ),
        Spacer(1, 4 * mm),
    ]
    for section, content in sections:
        if content.figures:
            story.append(KeepTogether([_p(section.title, styles["h2"]),
                                       _figures(content.figures, styles)]))  # fmt: skip
    for section, content in sections:
        story += _section(section, content, styles)
    document.build(story, onFirstPage=lambda c, d: None, onLaterPages=footer)
    return buffer.getvalue()


def _section(section, content: SectionContent, styles) -> list:
    flow: list = [PageBreak(), _p(section.title, styles["h1"])]
    if section.intro:
        flow.append(_p(section.intro, styles["muted"]))
    flow.append(Spacer(1, 3 * mm))
    for index, paragraph in enumerate(content.paragraphs):
        style = styles["statement"] if section.key == "verification" and index == 0 else "body"
        flow.append(_p(paragraph, styles[style] if isinstance(style, str) else style))
    for chart in content.charts:
        flow += [Spacer(1, 2 * mm), _chart(chart), Spacer(1, 2 * mm)]
    for table in content.tables:
        flow += _table(table, styles)
    return flow
