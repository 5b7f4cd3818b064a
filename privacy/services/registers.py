"""Writes to the DPO's registers (breaches, transfers, vendors, liability risk, insurance):
one path that checks the right, validates the record (each model's ``clean``), saves it and
records the change in the audit trail, in one transaction."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.http import Http404

from compliance.models import AccessKind
from compliance.services import access_event_record
from vms.permissions import require_model_permission


def _changed(instance: models.Model, fields: dict) -> set[str]:
    return {name for name, value in fields.items() if getattr(instance, name, None) != value}


@transaction.atomic
def register_save(
    *,
    actor,
    model: type[models.Model],
    fields: dict,
    instance_id: int | None = None,
    request=None,
) -> models.Model:
    """Create (``instance_id`` None) or change one register entry with ``fields``.

    Refused without the model-level right; an entry the actor cannot see is a 404. Invalid
    input raises ``ValidationError`` naming the fields. Audited with the fields changed."""
    if instance_id is None:
        require_model_permission(actor, model, "add")
        instance = model()
        if hasattr(instance, "created_by_id"):
            instance.created_by = actor
    else:
        require_model_permission(actor, model, "change")
        if not model.objects.restrict(actor, "change").filter(pk=instance_id).exists():
            raise Http404(f"No such {model._meta.verbose_name}.")
        instance = model.objects.select_for_update().get(pk=instance_id)
    unknown = set(fields) - {field.name for field in model._meta.concrete_fields}
    if unknown:
        raise ValidationError(f"Unknown fields: {', '.join(sorted(unknown))}.")
    changed = _changed(instance, fields) if instance_id is not None else set(fields)
    for name, value in fields.items():
        setattr(instance, name, value)
    hook = getattr(instance, "on_register_save", None)
    if hook is not None:
        hook(actor, changed)
    instance.full_clean()
    instance.save()
    access_event_record(
        kind=AccessKind.REGISTER_RECORD,
        actor=actor,
        target=instance,
        data={
            "register": model._meta.model_name,
            "created": instance_id is None,
            "fields": sorted(changed),
        },
        request=request,
    )
    return instance
