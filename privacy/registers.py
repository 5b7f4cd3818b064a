"""The DPO's registers as the pages and the API show them: which model, which fields a DPO
fills in, which columns the list shows. Each model says what is wrong with an entry
(``problems()``): a register entry with problems is flagged."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import models
from django.http import Http404

from privacy.models import Breach, InsurancePolicy, RiskAssessment, Transfer, Vendor


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
    #: An approval step (``approve(actor=, entry_id=, note=, request=)``) and who may take it.
    approve: Callable | None = None
    approve_permission: str = ""


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

register(
    Register(
        slug="transfers",
        title="Cross-border transfers",
        model=Transfer,
        intro="Footage or data sent to a recipient in another country, and the mechanism that "
        "makes it lawful: an adequacy decision (incl. the EU-US Data Privacy Framework), "
        "standard contractual clauses with a transfer impact assessment, or an Art 49 "
        "derogation. A transfer without a valid mechanism is flagged.",
        fields=(
            "site",
            "recipient",
            "vendor",
            "purpose",
            "destination_country",
            "mechanism",
            "tia_completed_on",
            "derogation",
            "document",
            "document_reference",
            "review_date",
        ),  # fmt: skip
        columns=(
            ("Recipient", "recipient"),
            ("Site", "site"),
            ("Country", "destination_country"),
            ("Mechanism", "get_mechanism_display"),
            ("Review", "review_date"),
        ),
        select_related=("site", "vendor"),
    )
)

register(
    Register(
        slug="vendors",
        title="Vendors",
        model=Vendor,
        intro="Processors and suppliers: their data-processing agreement, standard contractual "
        "clauses, security review and next review. AI models name their vendor in their "
        "assessment.",
        fields=(
            "name",
            "services",
            "country",
            "processes_personal_data",
            "dpa_signed_on",
            "dpa_document",
            "sccs_in_place",
            "security_reviewed_on",
            "security_review_notes",
            "review_date",
        ),  # fmt: skip
        columns=(
            ("Vendor", "name"),
            ("Country", "country"),
            ("DPA signed", "dpa_signed_on"),
            ("Security review", "security_reviewed_on"),
            ("Review", "review_date"),
        ),
        select_related=(),
    )
)

register(
    Register(
        slug="risks",
        title="Liability risk assessments",
        model=RiskAssessment,
        intro="Per site: the liability risks of its cameras, scored likelihood × impact (1-5 "
        "each), their mitigations, owner and next review. Scores of 15 and more are flagged.",
        fields=(
            "site",
            "title",
            "risks",
            "likelihood",
            "impact",
            "mitigations",
            "owner",
            "review_date",
        ),  # fmt: skip
        columns=(
            ("Risk", "title"),
            ("Site", "site"),
            ("Score", "score"),
            ("Owner", "owner"),
            ("Review", "review_date"),
        ),
        facts=(("Score (of 25)", "score"),),
    )
)

register(
    Register(
        slug="insurance",
        title="Insurance policies",
        model=InsurancePolicy,
        intro="Per site: who insures the cameras' risks (cyber, privacy liability), the "
        "limits and the expiry. Policies expiring within 30 days are flagged.",
        fields=(
            "site",
            "insurer",
            "policy_number",
            "cover",
            "limit_amount",
            "currency",
            "covers_cyber",
            "covers_privacy_liability",
            "covers_public_liability",
            "starts_on",
            "expires_on",
            "document",
        ),  # fmt: skip
        columns=(
            ("Policy", "policy_number"),
            ("Insurer", "insurer"),
            ("Site", "site"),
            ("Limit", "limit_amount"),
            ("Expires", "expires_on"),
        ),
    )
)
