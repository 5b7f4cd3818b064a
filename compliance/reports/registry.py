"""What a report is made of, and the registry apps add their sections to."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ReportScope:
    """Which part of the estate a report covers. ``camera_ids`` is ``None`` for the whole
    organisation (and for a user's scope); a site or a camera narrows it to those cameras
    (resolved by the app that owns cameras, see :func:`report_scope_resolver_register`)."""

    kind: str = "all"  # all, site, camera, user
    object_id: str = ""
    label: str = "Whole organisation"
    camera_ids: tuple[int, ...] | None = None
    user_id: int | None = None

    @property
    def by_camera(self) -> bool:
        return self.camera_ids is not None


@dataclass(frozen=True)
class ReportContext:
    period_start: dt.datetime
    period_end: dt.datetime  # exclusive
    scope: ReportScope
    generated_by: str
    generated_at: dt.datetime
    organisation: str
    #: Set by the service for the verification section: the run and checkpoints it used.
    extra: dict = field(default_factory=dict)

    def days(self) -> list[dt.date]:
        first, last = self.period_start.date(), (self.period_end - dt.timedelta(seconds=1)).date()
        return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


@dataclass
class Figure:
    """One summary number, e.g. ("Un-masks", 4, "2 approved by a second person")."""

    label: str
    value: object
    note: str = ""


@dataclass
class Chart:
    """A bar chart (``kind="bar"``: one bar group per category), stacked bars
    (``"stacked"``, e.g. kinds per day) or lines (``"line"``); ``series`` maps a legend
    label to one value per category."""

    title: str
    categories: list[str]
    series: dict[str, list[float]]
    kind: str = "bar"
    value_label: str = ""


@dataclass
class Table:
    """A detailed table; ``key`` names its CSV file in the zip (``<key>.csv``)."""

    key: str
    title: str
    columns: list[str]
    rows: list[list]
    note: str = ""
    #: Relative column widths in the PDF (defaults to equal).
    widths: list[float] | None = None
    #: Columns printed in a fixed-width font (hashes, signatures).
    mono: tuple[int, ...] = ()


@dataclass
class SectionContent:
    figures: list[Figure] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    paragraphs: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ReportSection:
    key: str
    title: str
    build: Callable[[ReportContext], SectionContent]
    order: int = 100
    #: One sentence under the heading: what this section shows and where the data comes from.
    intro: str = ""


_sections: dict[str, ReportSection] = {}
_scope_resolvers: list[Callable[[str, str], ReportScope | None]] = []
_scope_choices: list[Callable[[object], list[tuple[str, str, str]]]] = []


def report_section_register(section: ReportSection) -> None:
    """Add (or, with the same key, replace) a report section."""
    _sections[section.key] = section


def report_sections() -> list[ReportSection]:
    """Every registered section, in report order."""
    return sorted(_sections.values(), key=lambda s: (s.order, s.key))


def report_scope_resolver_register(
    resolver: Callable[[str, str], ReportScope | None],
    choices: Callable[[object], list[tuple[str, str, str]]] | None = None,
) -> None:
    """``resolver(kind, object_id)`` answers a :class:`ReportScope` for the kinds it knows
    (cameras: ``site`` and ``camera``; accounts: ``user``), else ``None``; ``choices(user)``
    lists ``(kind, object_id, label)`` the report form offers."""
    if resolver not in _scope_resolvers:
        _scope_resolvers.append(resolver)
    if choices is not None and choices not in _scope_choices:
        _scope_choices.append(choices)


def report_scope_choices(user) -> list[tuple[str, str, str]]:
    """Every scope the form offers ``user``, after the whole organisation."""
    return [("all", "", "Whole organisation")] + [
        choice for provider in _scope_choices for choice in provider(user)
    ]


def report_scope_resolve(kind: str, object_id: str) -> ReportScope | None:
    if kind == "all":
        return ReportScope()
    for resolver in _scope_resolvers:
        scope = resolver(kind, object_id)
        if scope is not None:
            return scope
    return None
