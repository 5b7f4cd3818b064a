"""Model fields whose values are sealed at rest (``vms.crypto``): the database holds tokens.

``EncryptedTextField`` reads and writes plain ``str`` in Python; in the database it keeps
``vk1.<key id>.<ciphertext>``, bound to its model and field (a token copied to another column
does not open). Empty stays empty (no secret to hide, and "is one set?" stays a cheap test).
Values cannot be filtered on: a fresh nonce makes every seal different.
"""

from __future__ import annotations

from django.db import models

from vms.crypto import is_sealed, open_text, seal_text


class Sealed(str):
    """A token as stored, passed through unchanged (a plain ``str`` is always sealed anew, even
    one that happens to look like a token)."""


class EncryptedTextField(models.TextField):
    description = "Text sealed under the deployment's master key"

    def context(self) -> str:
        return f"field:{self.model._meta.label_lower}.{self.name}"

    def from_db_value(self, value, expression, connection):
        if not value:
            return value
        if not is_sealed(value):
            # Written before encryption (the migration seals these) or by hand: readable, and
            # sealed the next time the row is saved.
            return value
        return open_text(value, context=self.context())

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if not value:
            return value
        if isinstance(value, Sealed):
            return str(value)  # already a token: a key rotation re-wrapping it
        return seal_text(value, context=self.context())


def encrypted_fields():
    """Every (model, field) that seals its values: what a key rotation re-wraps."""
    from django.apps import apps

    return [
        (model, field)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, EncryptedTextField)
    ]
