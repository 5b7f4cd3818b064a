"""The DPO's registers over the REST API, one viewset per register (``privacy.registers``):
list, read, create and change; never delete. Writes go through ``register_save``."""

from __future__ import annotations

from django.db import models
from django_countries import countries
from django_countries.fields import CountryField
from django_countries.serializer_fields import CountryField as CountrySerializerField
from rest_framework import serializers

from privacy.registers import REGISTERS, Register
from privacy.services.registers import register_save
from vms.api import RestrictedModelViewSet, RestrictedPrimaryKeyRelatedField

#: One name for the country list in the OpenAPI schema (settings ENUM_NAME_OVERRIDES).
COUNTRY_CHOICES = list(countries)


#: The computed facts registers show, typed for the schema.
COMPUTED = {
    "notify_by": lambda: serializers.DateTimeField(read_only=True),
    "hours_remaining": lambda: serializers.FloatField(read_only=True, allow_null=True),
    "score": lambda: serializers.IntegerField(read_only=True),
    "live_false_positive_rate": lambda: serializers.FloatField(read_only=True, allow_null=True),
}


def _serializer(entry: Register) -> type[serializers.ModelSerializer]:
    attrs: dict = {
        "url": serializers.HyperlinkedIdentityField(view_name=f"privacy-api:{entry.slug}-detail"),
        "problems": serializers.ListField(child=serializers.CharField(), read_only=True),
    }
    extra_kwargs = {}
    for name in entry.fields:
        field = entry.model._meta.get_field(name)
        if field.is_relation:
            attrs[name] = RestrictedPrimaryKeyRelatedField(
                model=field.related_model, required=not field.null, allow_null=field.null
            )
        elif isinstance(field, CountryField):
            attrs[name] = CountrySerializerField(required=not field.blank, allow_blank=field.blank)
        elif isinstance(field, models.FileField):
            # Documents are sealed at rest and read on their page, never by a public URL.
            extra_kwargs[name] = {"write_only": True}
    model_fields = {f.name for f in entry.model._meta.get_fields()}
    read_only = []
    for _, attribute in entry.facts:
        if attribute in model_fields:
            read_only.append(attribute)  # typed (and nullable) from the model field
        else:
            attrs[attribute] = COMPUTED[attribute]()
    meta = type(
        "Meta",
        (),
        {
            "model": entry.model,
            "fields": ["id", "url", *entry.fields, *[a for _, a in entry.facts], "problems"],
            "extra_kwargs": extra_kwargs,
            "read_only_fields": read_only,
        },
    )
    attrs["Meta"] = meta
    attrs["__doc__"] = f"{entry.title}: {entry.intro}"
    name = f"{entry.model.__name__}Serializer"
    return type(name, (serializers.ModelSerializer,), attrs)


def _viewset(entry: Register) -> type[RestrictedModelViewSet]:
    def perform_create(self, serializer):
        serializer.instance = register_save(
            actor=self.request.user,
            model=entry.model,
            fields=dict(serializer.validated_data),
            request=self.request,
        )

    def perform_update(self, serializer):
        serializer.instance = register_save(
            actor=self.request.user,
            model=entry.model,
            fields=dict(serializer.validated_data),
            instance_id=serializer.instance.pk,
            request=self.request,
        )

    return type(
        f"{entry.model.__name__}ViewSet",
        (RestrictedModelViewSet,),
        {
            "__doc__": f"{entry.title} (DPO). {entry.intro} Entries are flagged by "
            "``problems``; they are never deleted.",
            "queryset": entry.model.objects.select_related(*entry.select_related),
            "serializer_class": _serializer(entry),
            "perform_create": perform_create,
            "perform_update": perform_update,
        },
    )


VIEWSETS = {slug: _viewset(entry) for slug, entry in REGISTERS.items()}
