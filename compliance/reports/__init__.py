"""Audit reports: a registry of sections each app contributes, the generation service, and
the PDF and CSV writers. Compliance is the floor and knows no other app, so every app
registers the sections about its own data in its ``AppConfig.ready``::

    from compliance.reports import ReportSection, report_section_register

    report_section_register(ReportSection(key="alerts", title="Alerts", order=50, build=build))

``build(context)`` gets a :class:`ReportContext` (period, scope, who asked) and returns
:class:`SectionContent`: summary figures, charts and tables. Figures are aggregated in SQL;
a section never loads the period's rows into Python.
"""

from compliance.reports.registry import (
    Chart,
    Figure,
    ReportContext,
    ReportScope,
    ReportSection,
    SectionContent,
    Table,
    report_scope_resolver_register,
    report_section_register,
    report_sections,
)

__all__ = [
    "Chart",
    "Figure",
    "ReportContext",
    "ReportScope",
    "ReportSection",
    "SectionContent",
    "Table",
    "report_scope_resolver_register",
    "report_section_register",
    "report_sections",
]
