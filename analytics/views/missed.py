"""Recording a missed event (a false negative): guards and supervisors, on cameras they see."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render

from analytics.models import Rule
from analytics.services.missed import missed_event_record
from cameras.models import Camera
from vms.forms import apply_service_errors
from vms.permissions import Perm, permission_required


class MissedEventForm(forms.Form):
    camera = forms.ModelChoiceField(queryset=Camera.objects.none(), label="Camera")
    rule = forms.ModelChoiceField(
        queryset=Rule.objects.none(), required=False, label="Rule that should have fired",
        empty_label="No rule / not sure",
    )  # fmt: skip
    occurred_at = forms.DateTimeField(
        label="When it happened", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    description = forms.CharField(label="What happened", widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        cameras = Camera.objects.restrict(user, "view").select_related("site").order_by("name")
        self.fields["camera"].queryset = cameras
        self.fields["rule"].queryset = Rule.objects.filter(camera__in=cameras).select_related(
            "camera"
        )
        self.fields["rule"].label_from_instance = lambda r: f"{r.camera.name}: {r.name}"


@permission_required(Perm.TRIAGE_ALERT)
def missed_event_create(request):
    form = MissedEventForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            missed_event_record(
                actor=request.user, camera=data["camera"], rule=data["rule"],
                occurred_at=data["occurred_at"], description=data["description"],
                request=request,
            )  # fmt: skip
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "Recorded. It counts in recall for this camera and rule.")
            return redirect("analytics:alert-list")
    return render(request, "triage/missed_event_form.html", {"form": form})
