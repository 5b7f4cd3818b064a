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
    _audit_bulk_updates(model)


_scopes: dict[type[models.Model], Any] = {}


def audit_scope_register(model: type[models.Model], scope) -> None:
    """How an access event on a ``model`` instance finds where it happened: ``scope(instance)``
    returns ``(site_id, camera_id)`` (either may be None). Models with a ``camera`` need none:
    they follow their camera."""
    _scopes[model] = scope


def audit_scope(target: models.Model | None) -> tuple[int | None, int | None]:
    """The site and camera an access event on ``target`` belongs to (for the audit filters)."""
    if target is None:
        return None, None
    scope = _scopes.get(type(target))
    if scope is not None:
        return scope(target)
    if getattr(target, "camera_id", None) is not None:
        camera = target.camera
        if type(camera) in _scopes:
            return _scopes[type(camera)](camera)
    return None, None


_site_choices = None


def audit_site_choices_register(choices) -> None:
    """``choices(user)`` lists ``(site_id, name)`` the user may see: the audit lists' site
    filter (the app that owns sites provides it; compliance knows no higher app)."""
    global _site_choices
    _site_choices = choices


def audit_site_choices(user) -> list[tuple[int, str]]:
    return list(_site_choices(user)) if _site_choices is not None else []


def audited_models() -> list[type[models.Model]]:
    """Every registered model, ordered by ``app_label.model_name``."""
    return sorted(_audited, key=audited_model_label)


def audited_model_label(model: type[models.Model]) -> str:
    """``app_label.model_name``, the name the change-log API filters by."""
    return f"{model._meta.app_label}.{model._meta.model_name}"


# --- QuerySet.update() and bulk_update() on audited models ---------------------------------
#
# django-auditlog listens to model signals, and ``QuerySet.update()`` sends none (nor does
# ``bulk_update()``, which is built on it): a bulk change to an audited field would leave no
# trace. :func:`audit_register` therefore gives the model's managers a queryset whose
# ``update()`` writes one change-log entry per row it changed, with the old and new values
# auditlog would have recorded for a ``save()`` (masks and field filters applied), in the
# same transaction. An update that touches only fields the model's registration leaves out
# (probe bookkeeping, timestamps) stays one plain UPDATE.


class AuditedUpdateQuerySetMixin:
    """``update()`` that leaves a change-log entry per changed row (see above)."""

    def update(self, **kwargs):
        model = self.model
        if model not in _audited or _auditlog_disabled() or not _tracks_any(model, kwargs):
            return super().update(**kwargs)
        from auditlog.diff import model_instance_diff
        from auditlog.models import LogEntry
        from django.conf import settings
        from django.db import connections, transaction

        with transaction.atomic(using=self.db):
            pks = list(self.values_list("pk", flat=True))
            rows = model._base_manager.using(self.db).filter(pk__in=pks)
            if connections[self.db].features.has_select_for_update:
                # NO KEY UPDATE, as the UPDATE itself takes: rows that others reference by
                # foreign key (a camera's new alert) are not held up by it.
                rows = rows.select_for_update(no_key=True)
            before = rows.in_bulk()
            count = super().update(**kwargs)
            after = model._base_manager.using(self.db).filter(pk__in=pks).in_bulk()
            for pk in pks:
                old, new = before.get(pk), after.get(pk)
                if old is None or new is None:
                    continue
                changes = model_instance_diff(
                    old,
                    new,
                    fields_to_check=set(kwargs),
                    use_json_for_changes=getattr(settings, "AUDITLOG_STORE_JSON_CHANGES", False),
                )
                if changes:
                    LogEntry.objects.log_create(
                        new,
                        action=LogEntry.Action.UPDATE,
                        changes=changes,
                        additional_data={"written_by": "QuerySet.update"},
                    )
        return count


def _auditlog_disabled() -> bool:
    from auditlog.context import auditlog_disabled

    return bool(auditlog_disabled.get(False))


def _tracks_any(model: type[models.Model], field_names) -> bool:
    """Whether auditlog's registration of ``model`` records any of ``field_names``."""
    options = auditlog.get_model_fields(model)
    names = set()
    for name in field_names:
        try:
            names.add(model._meta.get_field(name).name)
        except Exception:  # an attname such as camera_id
            names.update(f.name for f in model._meta.concrete_fields if f.attname == name)
    if options["include_fields"]:
        names &= set(options["include_fields"])
    return bool(names - set(options["exclude_fields"]))


def _audit_bulk_updates(model: type[models.Model]) -> None:
    """Give each of ``model``'s managers (and so its related managers) the audited update."""
    for manager in model._meta.managers:
        manager_class = type(manager)
        queryset_class = getattr(manager_class, "_queryset_class", None)
        if queryset_class is None or issubclass(queryset_class, AuditedUpdateQuerySetMixin):
            continue
        audited_queryset = type(
            f"Audited{queryset_class.__name__}", (AuditedUpdateQuerySetMixin, queryset_class), {}
        )
        manager.__class__ = type(
            f"Audited{manager_class.__name__}",
            (manager_class,),
            {
                "_queryset_class": audited_queryset,
                "__module__": manager_class.__module__,
                **_seen_by_migrations_as(manager_class),
            },
        )


def _seen_by_migrations_as(manager_class) -> dict:
    """Migrations see the manager the model declared (auth's managers are used in them)."""

    def deconstruct(self):
        declared = copy.copy(self)
        declared.__class__ = manager_class
        return manager_class.deconstruct(declared)

    def equal(self, other):
        return (
            isinstance(other, manager_class) and self._constructor_args == other._constructor_args
        )

    return {"deconstruct": deconstruct, "__eq__": equal, "__hash__": manager_class.__hash__}
