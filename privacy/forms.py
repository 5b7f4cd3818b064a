from __future__ import annotations

from django import forms

from cameras.models import Camera

LOCAL = {"type": "datetime-local"}


class LegalHoldForm(forms.Form):
    cameras = forms.ModelMultipleChoiceField(
        queryset=Camera.objects.none(),
        help_text="The cameras whose footage is kept.",
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    starts_at = forms.DateTimeField(label="Footage from", widget=forms.DateTimeInput(attrs=LOCAL))
    ends_at = forms.DateTimeField(label="Footage until", widget=forms.DateTimeInput(attrs=LOCAL))
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    reference = forms.CharField(
        required=False, max_length=120, help_text="Case, incident or request number."
    )
    expires_at = forms.DateTimeField(
        label="Hold until",
        required=False,
        widget=forms.DateTimeInput(attrs=LOCAL),
        help_text="Empty: 30 days from now.",
    )

    def __init__(self, *args, cameras=None, **kwargs):
        super().__init__(*args, **kwargs)
        if cameras is not None:
            self.fields["cameras"].queryset = cameras


class LegalHoldReleaseForm(forms.Form):
    note = forms.CharField(
        label="Why the hold ends", widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )
