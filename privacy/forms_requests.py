"""Forms of subject-access requests: the staff intake, the public one, and each step."""

from __future__ import annotations

from django import forms

from cameras.models import Camera, Site
from privacy.models import RequestKind, RequestStatus

LOCAL = {"type": "datetime-local"}
CLOSING = [
    (RequestStatus.ANSWERED, "Answered"),
    (RequestStatus.REFUSED, "Refused"),
    (RequestStatus.WITHDRAWN, "Withdrawn by the requester"),
]


class PublicSubjectRequestForm(forms.Form):
    """What a member of the public tells us to find their footage. Times are the site's."""

    kind = forms.ChoiceField(label="What do you ask for?", choices=RequestKind.choices)
    requester_name = forms.CharField(label="Your name", max_length=200)
    requester_contact = forms.CharField(
        label="How can we reach you?", max_length=300, help_text="E-mail, phone or address."
    )
    window_start = forms.DateTimeField(
        label="You were here from", widget=forms.DateTimeInput(attrs=LOCAL)
    )
    window_end = forms.DateTimeField(label="Until", widget=forms.DateTimeInput(attrs=LOCAL))
    description = forms.CharField(
        label="Where were you, what did you wear?",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Anything that helps us find you: the entrance you used, your clothes.",
    )
    photo = forms.FileField(
        label="A photo of you (optional)",
        required=False,
        help_text="JPEG, PNG or WebP, at most 5 MB. Only the privacy officer sees it.",
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    # A field people never see: robots that fill every field fill this one too.
    website = forms.CharField(required=False, widget=forms.HiddenInput)


class SubjectRequestForm(PublicSubjectRequestForm):
    """The DPO logs a request received by letter, e-mail, phone or at the desk."""

    site = forms.ModelChoiceField(queryset=Site.objects.none())
    cameras = forms.ModelMultipleChoiceField(
        queryset=Camera.objects.none(),
        required=False,
        help_text="Empty: every camera of the site.",
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    received_at = forms.DateTimeField(
        label="Received",
        required=False,
        widget=forms.DateTimeInput(attrs=LOCAL),
        help_text="Empty: now. The clock runs from receipt.",
    )
    field_order = ["site", "cameras", "kind", "requester_name", "requester_contact"]

    def __init__(self, *args, sites=None, cameras=None, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["website"]
        self.fields["requester_name"].label = "Requester's name"
        self.fields["requester_contact"].label = "Requester's contact"
        if sites is not None:
            self.fields["site"].queryset = sites
        if cameras is not None:
            self.fields["cameras"].queryset = cameras


class VerifyForm(forms.Form):
    method = forms.CharField(
        label="How was the identity verified?",
        max_length=300,
        help_text="E.g. photo ID seen at the desk; matched against the photo supplied.",
    )


class ExtendForm(forms.Form):
    extension = forms.IntegerField(
        min_value=1, help_text="GDPR: months (at most 2). CCPA: days (at most 45)."
    )
    reason = forms.CharField(
        label="Reasons (sent to the requester)",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CloseForm(forms.Form):
    status = forms.ChoiceField(label="Outcome", choices=CLOSING)
    outcome = forms.CharField(
        label="What was answered, or why refused",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
