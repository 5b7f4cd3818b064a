"""The legal clocks of the DPO's registers: pure date arithmetic, no database.

Subject-access requests (``request_clock``):

* **GDPR** (EU/EEA, UK GDPR, Switzerland's FADP follows the same month): answer "without undue
  delay and in any event within one month of receipt" (Art 12(3)); the month is a calendar
  month counted by Regulation 1182/71 — from 31 January the period ends on the last day of
  February. It may be extended by up to two further months where necessary, if the requester is
  told, with the reasons, within the first month.
* **CCPA/CPRA** (California): confirm receipt within 10 business days, answer within 45
  calendar days; one extension of 45 more days if the consumer is told within the first 45.
* **Elsewhere**: the one-month GDPR clock, the strictest common standard.

Deadlines are *dates* in the site's time zone: a request is due by the end of that day there.

Breaches (``breach_notify_by``): GDPR Art 33(1) — notify the supervisory authority within 72
hours of becoming aware, an exact instant.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta

GDPR_EXTENSION_MONTHS_MAX = 2
CCPA_ACKNOWLEDGE_BUSINESS_DAYS = 10
CCPA_ANSWER_DAYS = 45
CCPA_EXTENSION_DAYS = 45
BREACH_NOTIFY_HOURS = 72

# EU member states, the other EEA states, the UK (UK GDPR) and Switzerland (revFADP).
GDPR_COUNTRIES = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "HR",
        "CY",
        "CZ",
        "DK",
        "EE",
        "FI",
        "FR",
        "DE",
        "GR",
        "HU",
        "IE",
        "IT",
        "LV",
        "LT",
        "LU",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SK",
        "SI",
        "ES",
        "SE",
        "IS",
        "LI",
        "NO",
        "GB",
        "CH",
    ]
)


def add_months(day: date, months: int) -> date:
    """``day`` plus calendar ``months``; a day the target month lacks becomes its last day
    (31 Jan + 1 month = 28 Feb, or 29 Feb in a leap year)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def add_business_days(day: date, days: int) -> date:
    """``day`` plus ``days`` working days (Monday to Friday); the day of receipt not counted."""
    current, left = day, days
    while left > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            left -= 1
    return current


def jurisdiction_for(country: str, region: str = "") -> str:
    """Which clock applies at a site: ``gdpr``, ``ccpa`` or ``other`` (the GDPR month)."""
    country = (country or "").upper()
    if country in GDPR_COUNTRIES:
        return "gdpr"
    if country == "US" and (region or "").upper() == "CA":
        return "ccpa"
    return "other"


@dataclass(frozen=True)
class RequestClock:
    """When a subject-access request must be acknowledged and answered."""

    received_on: date
    acknowledge_by: date | None  # CCPA only
    answer_by: date  # the original deadline
    extend_notice_by: date  # an extension notice must be sent by this day
    max_answer_by: date  # the latest the law allows with the longest extension
    due: date  # the deadline that applies now (original, or as extended)

    def days_remaining(self, today: date) -> int:
        """Days left until ``due`` (0 on the day itself, negative once overdue)."""
        return (self.due - today).days

    def overdue(self, today: date) -> bool:
        return today > self.due


def request_clock(*, jurisdiction: str, received_on: date, extension: int = 0) -> RequestClock:
    """The request's clock; ``extension`` is months (GDPR) or days (CCPA) granted by notice."""
    if jurisdiction == "ccpa":
        answer_by = received_on + timedelta(days=CCPA_ANSWER_DAYS)
        return RequestClock(
            received_on=received_on,
            acknowledge_by=add_business_days(received_on, CCPA_ACKNOWLEDGE_BUSINESS_DAYS),
            answer_by=answer_by,
            extend_notice_by=answer_by,
            max_answer_by=answer_by + timedelta(days=CCPA_EXTENSION_DAYS),
            due=answer_by + timedelta(days=extension),
        )
    answer_by = add_months(received_on, 1)
    return RequestClock(
        received_on=received_on,
        acknowledge_by=None,
        answer_by=answer_by,
        extend_notice_by=answer_by,
        max_answer_by=add_months(received_on, 1 + GDPR_EXTENSION_MONTHS_MAX),
        due=add_months(received_on, 1 + extension),
    )


def extension_limit(jurisdiction: str) -> int:
    """The longest extension: months (GDPR and elsewhere) or days (CCPA)."""
    return CCPA_EXTENSION_DAYS if jurisdiction == "ccpa" else GDPR_EXTENSION_MONTHS_MAX


def breach_notify_by(discovered_at: datetime) -> datetime:
    """GDPR Art 33(1): 72 hours after the controller became aware."""
    return discovered_at + timedelta(hours=BREACH_NOTIFY_HOURS)
