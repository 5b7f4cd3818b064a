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


DATE = {"type": "date"}


class SignForm(forms.Form):
    """Register a sign as put up; its printed content comes from the site's current notice."""

    site = forms.ModelChoiceField(queryset=Camera.objects.none())
    location = forms.CharField(max_length=200, help_text="Where it hangs, e.g. 'Dock gate, left'.")
    cameras = forms.ModelMultipleChoiceField(
        queryset=Camera.objects.none(),
        help_text="The cameras whose field of view the sign announces.",
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    installed_on = forms.DateField(widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d"))
    inspection_interval_days = forms.IntegerField(min_value=1, max_value=366, initial=90)
    photo = forms.ImageField(required=False, help_text="Faces and plates are blurred on upload.")

    def __init__(self, *args, sites=None, cameras=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites
        self.fields["cameras"].queryset = cameras


class SignInspectionForm(forms.Form):
    condition = forms.ChoiceField(choices=[])
    inspected_on = forms.DateField(widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d"))
    next_due = forms.DateField(
        required=False, widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d")
    )
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    photo = forms.ImageField(required=False, help_text="Faces and plates are blurred on upload.")

    def __init__(self, *args, **kwargs):
        from privacy.sign_models import SignCondition

        super().__init__(*args, **kwargs)
        self.fields["condition"].choices = SignCondition.choices
