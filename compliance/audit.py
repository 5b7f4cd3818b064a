"""The audit registry: which models' changes django-auditlog records, and how.

Compliance is the floor every app stands on, so it knows no other app: each app registers its
own audited models in its ``AppConfig.ready``, with the options that decide what is recorded
(bookkeeping fields excluded, secrets masked)::

    from compliance.audit import audit_register

    audit_register(Camera, exclude_fields=["updated_at"], mask_fields=["source_password"])

Everything that reads the change log by model (the filter of the change-log page and API)
derives from :func:`audited_models`, so a newly registered model appears there by itself.
Recording is in ``compliance.services`` (typed access events, the actor of model changes);
reading in ``compliance.selectors``.
"""

from __future__ import annotations

import copy
from typing import Any

from auditlog.registry import auditlog
from django.db import models

_audited: dict[type[models.Model], dict[str, Any]] = {}


def audit_register(model: type[models.Model], **auditlog_options: Any) -> None:
    """Record every change to ``model`` in the change log.

    ``auditlog_options`` are django-auditlog's (``include_fields``, ``exclude_fields``,
    ``mask_fields``, ``mask_callable`` as a dotted path, ``m2m_fields``). Registering a model
    again replaces its options (``ready`` may run more than once in tests)."""
    # auditlog appends its global settings to the lists it is given: hand it copies.
    auditlog.register(model, **{name: copy.copy(value) for name, value in auditlog_options.items()})
    _audited[model] = dict(auditlog_options)


def audited_models() -> list[type[models.Model]]:
    """Every registered model, ordered by ``app_label.model_name``."""
    return sorted(_audited, key=audited_model_label)


def audited_model_label(model: type[models.Model]) -> str:
    """``app_label.model_name``, the name the change-log API filters by."""
    return f"{model._meta.app_label}.{model._meta.model_name}"
