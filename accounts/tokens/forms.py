"""The form that asks for a new API token; :mod:`accounts.tokens.services` makes it."""

from __future__ import annotations

from django import forms
from django.conf import settings

from accounts.tokens.models import ApiToken

LIFETIMES = (7, 30, 90, 180, 365)


class ApiTokenCreateForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What will use the token, e.g. “door system”.")
    scope = forms.ChoiceField(
        choices=ApiToken.Scope.choices,
        initial=ApiToken.Scope.READ,
        help_text="Read only answers GET requests; read and write may also change what you may.",
    )
    expires_in_days = forms.TypedChoiceField(
        label="Expires in",
        coerce=int,
        initial=90,
        help_text="A token stops working when it expires; make a new one then.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bound = settings.API_TOKEN_MAX_DAYS
        days = [d for d in LIFETIMES if d <= bound] or [bound]
        self.fields["expires_in_days"].choices = [(d, f"{d} days") for d in days]
