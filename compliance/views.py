"""The audit trail, read-only: access events and the model change log.

DPO and Admin only; anyone else gets the 404 of a page that is not there. Nothing here
changes a record — there are no forms that post.
"""

from __future__ import annotations

from auditlog.models import LogEntry
from django import forms
from django.shortcuts import render
from django.views.decorators.http import require_safe

from compliance import exports, selectors
from compliance.audit import audit_site_choices
from compliance.models import AccessKind
from vms.pagination import page_for_request
from vms.permissions import permission_required

PER_PAGE = 50


class _PeriodForm(forms.Form):
    actor = forms.CharField(label="Actor (username)", required=False)
    date_from = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def values(self) -> dict:
        return self.cleaned_data if self.is_valid() else {}


class AccessEventFilterForm(_PeriodForm):
    kind = forms.ChoiceField(
        label="Kind", required=False, choices=[("", "Any kind"), *AccessKind.choices]
    )
    site = forms.TypedChoiceField(label="Site", required=False, coerce=int, empty_value=None)
    camera = forms.IntegerField(label="Camera id", required=False, min_value=1)
    target_type = forms.ModelChoiceField(
        label="Object type", required=False, queryset=None, empty_label="Any object"
    )
    target_id = forms.CharField(label="Object id", required=False, max_length=64)
    field_order = [
        "kind", "actor", "site", "camera", "target_type", "target_id", "date_from", "date_to",
    ]  # fmt: skip

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].choices = [("", "Any site"), *audit_site_choices(user)]
        self.fields["target_type"].queryset = selectors.access_event_target_types()
        self.fields["target_type"].label_from_instance = lambda ct: ct.name.capitalize()


class ChangeLogFilterForm(_PeriodForm):
    content_type = forms.ModelChoiceField(
        label="Record type", required=False, queryset=None, empty_label="Any type"
    )
    action = forms.TypedChoiceField(
        label="Action",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "Any action"), *LogEntry.Action.choices],
    )
    object_pk = forms.CharField(label="Record id", required=False, max_length=64)
    field_order = ["content_type", "object_pk", "action", "actor", "date_from", "date_to"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["content_type"].queryset = selectors.change_log_content_types()
        self.fields["content_type"].label_from_instance = lambda ct: ct.name.capitalize()


@require_safe
@permission_required("compliance.view_accessevent")
def access_event_list(request):
    """Who logged in, viewed, granted or changed what, and from where; ``?export=csv`` gives
    the filtered list as CSV (audited)."""
    form = AccessEventFilterForm(request.GET or None, user=request.user)
    if request.GET.get("export") == "csv" and form.is_valid():
        return exports.access_events_csv(request, form.values())
    events = selectors.access_event_list(user=request.user, **form.values())
    page = page_for_request(events, request, size=PER_PAGE)
    return render(request, "compliance/access_event_list.html", {"form": form, "page": page})


@require_safe
@permission_required("auditlog.view_logentry")
def change_log_list(request):
    """Every recorded model change, with its actor and the fields it changed."""
    form = ChangeLogFilterForm(request.GET or None)
    if request.GET.get("export") == "csv" and form.is_valid():
        return exports.change_log_csv(request, form.values())
    entries = selectors.change_log_list(user=request.user, **form.values())
    page = page_for_request(entries, request, size=PER_PAGE)
    rows = [(entry, selectors.log_entry_changes(entry)) for entry in page]
    return render(
        request, "compliance/change_log_list.html", {"form": form, "page": page, "rows": rows}
    )
