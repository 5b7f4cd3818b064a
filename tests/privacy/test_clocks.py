"""The legal clocks: GDPR months across month ends and leap years, CCPA business days across
weekends, extensions, and the breach's 72 hours."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from privacy.clocks import (
    add_business_days,
    add_months,
    breach_notify_by,
    jurisdiction_for,
    request_clock,
)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2027, 1, 31), 1, date(2027, 2, 28)),  # no 31 Feb: the month's last day
        (date(2028, 1, 31), 1, date(2028, 2, 29)),  # leap year
        (date(2027, 1, 30), 1, date(2027, 2, 28)),
        (date(2027, 3, 31), 1, date(2027, 4, 30)),
        (date(2027, 1, 15), 1, date(2027, 2, 15)),
        (date(2026, 12, 31), 1, date(2027, 1, 31)),  # across the year end
        (date(2026, 12, 1), 3, date(2027, 3, 1)),
        (date(2026, 11, 30), 3, date(2027, 2, 28)),
    ],
)
def test_calendar_months_end_on_the_same_day_or_the_months_last(start, months, expected):
    assert add_months(start, months) == expected


def test_business_days_skip_weekends():
    friday = date(2026, 12, 4)
    assert add_business_days(friday, 1) == date(2026, 12, 7)  # Monday
    assert add_business_days(friday, 10) == date(2026, 12, 18)  # two weeks later, a Friday
    saturday = date(2026, 12, 5)
    assert add_business_days(saturday, 1) == date(2026, 12, 7)
    assert add_business_days(saturday, 10) == date(2026, 12, 18)
    wednesday = date(2026, 12, 2)
    assert add_business_days(wednesday, 10) == date(2026, 12, 16)


def test_gdpr_clock_one_month_and_extension_by_two_more():
    clock = request_clock(jurisdiction="gdpr", received_on=date(2027, 1, 31))
    assert clock.acknowledge_by is None
    assert clock.answer_by == clock.due == date(2027, 2, 28)
    assert clock.extend_notice_by == date(2027, 2, 28)
    assert clock.max_answer_by == date(2027, 4, 30)
    assert clock.days_remaining(date(2027, 2, 1)) == 27
    assert not clock.overdue(date(2027, 2, 28)) and clock.overdue(date(2027, 3, 1))
    extended = request_clock(jurisdiction="gdpr", received_on=date(2027, 1, 31), extension=2)
    assert extended.due == date(2027, 4, 30)
    one_more = request_clock(jurisdiction="gdpr", received_on=date(2027, 1, 31), extension=1)
    assert one_more.due == date(2027, 3, 31)
    assert not extended.overdue(date(2027, 3, 1))


def test_ccpa_clock_ten_business_days_and_45_plus_45():
    clock = request_clock(jurisdiction="ccpa", received_on=date(2026, 12, 4))  # a Friday
    assert clock.acknowledge_by == date(2026, 12, 18)
    assert clock.answer_by == clock.due == date(2027, 1, 18)
    assert clock.max_answer_by == date(2027, 3, 4)
    extended = request_clock(jurisdiction="ccpa", received_on=date(2026, 12, 4), extension=45)
    assert extended.due == date(2027, 3, 4)
    assert clock.days_remaining(date(2027, 1, 20)) == -2 and clock.overdue(date(2027, 1, 20))


def test_jurisdiction_follows_the_site():
    assert jurisdiction_for("DE") == "gdpr"
    assert jurisdiction_for("GB") == "gdpr"
    assert jurisdiction_for("US", "CA") == "ccpa"
    assert jurisdiction_for("US", "NY") == "other"
    assert jurisdiction_for("AU") == "other"


def test_breach_deadline_is_72_hours_after_discovery():
    discovered = datetime(2026, 12, 31, 22, 15, tzinfo=UTC)
    assert breach_notify_by(discovered) == datetime(2027, 1, 3, 22, 15, tzinfo=UTC)
