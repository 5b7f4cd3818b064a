"""The DPO dashboard's obligation tiles that privacy fills (the slots ``compliance.dashboard``
keeps for them): subject-access clocks, breaches and their 72 hours, signage and notices,
DPIAs and register reviews due. Each number links to the list behind it."""

from __future__ import annotations

from django.urls import reverse

from compliance.dashboard import Tile, TileLine, dashboard_tile_register
from privacy import selectors


def dsar_tile(user) -> Tile:
    """Open subject-access requests: the most urgent clock first."""
    rows = selectors.subject_requests_for_dashboard(user=user)
    overdue = [row for row in rows if row.overdue or row.acknowledgement_overdue]
    lines = [
        TileLine(
            f"{row.reference} ({row.site})",
            f"{row.days_remaining} d" if row.days_remaining >= 0 else "overdue",
            row.url,
            "alert" if row.overdue else ("attention" if row.days_remaining <= 7 else ""),
        )
        for row in rows[:5]
    ]
    return Tile(
        value=len(rows),
        url=reverse("privacy:request-list"),
        caption="open requests" + (f", {len(overdue)} overdue" if overdue else ""),
        state="alert" if overdue else ("attention" if rows else "ok"),
        lines=lines,
    )


def breaches_tile(user) -> Tile:
    """Breaches the authority is still to be told of, against their 72 hours."""
    clocks = selectors.breaches_for_dashboard(user=user)
    lines = [
        TileLine(
            clock.title,
            "overdue" if clock.overdue else f"{clock.hours_remaining:.0f} h left",
            clock.url,
            "alert" if clock.overdue else "attention",
        )
        for clock in clocks[:5]
    ]
    return Tile(
        value=len(clocks),
        url=reverse("privacy:register-list", args=["breaches"]),
        caption="breaches awaiting notification or a decision",
        state="alert" if any(c.overdue for c in clocks) else ("attention" if clocks else "ok"),
        lines=lines,
    )


def signage_tile(user) -> Tile:
    """Cameras without a covering, current sign; stale signs; inspections overdue."""
    uncovered = selectors.cameras_without_covering_sign(user=user).count()
    stale = selectors.signs_stale(user=user).count()
    overdue = len(selectors.sign_inspections_overdue(user=user))
    signs = reverse("privacy:sign-list")
    return Tile(
        value=uncovered,
        url=signs,
        caption="cameras without a covering, current sign",
        state="alert" if uncovered else ("attention" if stale or overdue else "ok"),
        lines=[
            TileLine("Stale signs (re-print)", stale, signs, "attention" if stale else ""),
            TileLine("Inspections overdue", overdue, signs, "attention" if overdue else ""),
            TileLine("Records of processing", "open", reverse("privacy:records")),
        ],
    )


def reviews_tile(user) -> Tile:
    """DPIAs due for review, register entries due, transfers without a valid mechanism."""
    dpias = selectors.dpias_due_for_review(user=user).count()
    due = selectors.register_reviews_due(user=user)
    transfers = len(selectors.transfers_without_valid_mechanism(user=user))
    registers = reverse("privacy:register-index")
    return Tile(
        value=dpias + len(due),
        url=registers,
        caption="DPIAs and register entries due for review within 30 days",
        state="alert" if transfers else ("attention" if dpias or due else "ok"),
        lines=[
            TileLine("DPIAs due", dpias, "", "attention" if dpias else ""),
            TileLine("Register reviews and expiries", len(due), registers),
            TileLine(
                "Transfers without a valid mechanism",
                transfers,
                reverse("privacy:register-list", args=["transfers"]),
                "alert" if transfers else "",
            ),
        ],
    )


def register() -> None:
    """Fill the dashboard's obligation slots (same keys as ``compliance.dashboard.SLOTS``)."""
    dashboard_tile_register("dsar", "Subject-access requests", dsar_tile, order=900,
                            group="Obligations")  # fmt: skip
    dashboard_tile_register("breaches", "Personal-data breaches", breaches_tile, order=901,
                            group="Obligations")  # fmt: skip
    dashboard_tile_register("notices", "Signage and privacy notices", signage_tile, order=902,
                            group="Obligations")  # fmt: skip
    dashboard_tile_register("dpia", "DPIAs and reviews due", reviews_tile, order=903,
                            group="Obligations")  # fmt: skip
