"""The DPO's registers as the pages and the API show them: which model, which fields a DPO
fills in, which columns the list shows. Each model says what is wrong with an entry
(``problems()``): a register entry with problems is flagged."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import models
from django.http import Http404

from privacy.models import Breach


@dataclass(frozen=True)
class Register:
    slug: str
    title: str
    model: type[models.Model]
    fields: tuple[str, ...]
    columns: tuple[tuple[str, str], ...]  # (heading, attribute)
    intro: str = ""
    facts: tuple[tuple[str, str], ...] = field(default=())  # computed, read-only
    select_related: tuple[str, ...] = ("site",)


REGISTERS: dict[str, Register] = {}


def register(entry: Register) -> None:
    REGISTERS[entry.slug] = entry


def register_for(slug: str) -> Register:
    try:
        return REGISTERS[slug]
    except KeyError:
        raise Http404("No such register.") from None


register(
    Register(
        slug="breaches",
        title="Breach register",
        model=Breach,
        intro="Every personal-data breach, notified or not (GDPR Art 33(5)). The authority must "
        "be notified within 72 hours of discovery unless the breach is unlikely to result in a "
        "risk; the people concerned are informed when the risk is high (Art 34).",
        fields=(
            "title",
            "site",
            "discovered_at",
            "occurred_at",
            "nature",
            "data_categories",
            "subject_categories",
            "subjects_approx",
            "records_approx",
            "likely_consequences",
            "measures",
            "risk",
            "notify_authority",
            "decision_reason",
            "authority_notified_at",
            "authority_reference",
            "delay_reason",
            "subjects_informed_at",
            "subjects_informed_how",
            "subjects_not_informed_reason",
        ),  # fmt: skip
        columns=(
            ("Breach", "title"),
            ("Site", "site"),
            ("Discovered", "discovered_at"),
            ("Notify by", "notify_by"),
            ("Authority notified", "authority_notified_at"),
        ),
        facts=(
            ("Notify the authority by", "notify_by"),
            ("Hours remaining", "hours_remaining"),
            ("Decided", "decided_at"),
            ("Decided by", "decided_by"),
        ),
    )
)
