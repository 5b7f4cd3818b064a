from __future__ import annotations

from django import forms

from cameras.models import Camera

LOCAL = {"type": "datetime-local"}
# Seconds matter for an incident: a step of 1 s, and the format such an input takes.
LOCAL_SECONDS = {"type": "datetime-local", "step": "1"}
LOCAL_FORMAT = "%Y-%m-%dT%H:%M:%S"  # what a datetime-local input takes


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


class UnmaskRequestForm(forms.Form):
    cameras = forms.ModelMultipleChoiceField(
        queryset=Camera.objects.none(),
        help_text="Only the cameras the incident needs.",
        widget=forms.SelectMultiple(attrs={"size": 5}),
    )
    mode = forms.ChoiceField(
        choices=[("recorded", "Recorded footage"), ("live", "Live")], initial="recorded"
    )
    starts_at = forms.DateTimeField(
        label="Footage from",
        required=False,
        widget=forms.DateTimeInput(attrs=LOCAL_SECONDS, format=LOCAL_FORMAT),
    )
    ends_at = forms.DateTimeField(
        label="Footage until",
        required=False,
        widget=forms.DateTimeInput(attrs=LOCAL_SECONDS, format=LOCAL_FORMAT),
    )
    live_minutes = forms.IntegerField(
        label="Live for (minutes)", required=False, min_value=1, help_text="Live only."
    )
    valid_minutes = forms.IntegerField(
        label="Grant open for (minutes)", required=False, min_value=1, help_text="Empty: 60."
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text="What happened, and why the anonymised video is not enough.",
    )
    case_reference = forms.CharField(required=False, max_length=120, label="Case reference")
    alert_id = forms.IntegerField(required=False, min_value=1, label="Alert number")

    def __init__(self, *args, cameras=None, **kwargs):
        super().__init__(*args, **kwargs)
        if cameras is not None:
            self.fields["cameras"].queryset = cameras


class UnmaskNoteForm(forms.Form):
    note = forms.CharField(
        label="Note", required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


class UnmaskPolicyForm(forms.Form):
    max_grant_minutes = forms.IntegerField(label="Longest grant (minutes)", min_value=1)
    max_live_minutes = forms.IntegerField(label="Longest live un-mask (minutes)", min_value=1)


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
