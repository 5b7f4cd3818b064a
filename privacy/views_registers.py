"""The DPO's registers as pages: a list per register with its flagged entries, a form to add
one, and each entry's page with what is wrong with it and a form to change it."""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.forms.models import modelform_factory
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from privacy.registers import REGISTERS, Register, register_for
from privacy.services.registers import register_save
from vms.forms import apply_service_errors
from vms.permissions import has_permission, permission_name, permission_required

PER_PAGE = 50


def _widget(field: models.Field, **kwargs):
    if isinstance(field, models.DateTimeField):
        return forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    if isinstance(field, models.DateField):
        return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    if isinstance(field, models.TextField):
        return forms.Textarea(attrs={"rows": 3})
    return None


def _form_class(entry: Register):
    widgets = {
        name: widget
        for name in entry.fields
        if (widget := _widget(entry.model._meta.get_field(name))) is not None
    }
    return modelform_factory(entry.model, fields=entry.fields, widgets=widgets)


def _form(entry: Register, request, instance=None):
    form = _form_class(entry)(request.POST or None, request.FILES or None, instance=instance)
    for name in entry.fields:
        model_field = entry.model._meta.get_field(name)
        if model_field.is_relation and name in form.fields:
            # Choices through the gate: only what the user may see.
            related = model_field.related_model
            form.fields[name].queryset = related.objects.restrict(request.user, "view")
    return form


def _visible(entry: Register, user):
    if not has_permission(user, permission_name(entry.model, "view")):
        raise Http404("No such page.")
    return entry.model.objects.restrict(user, "view").select_related(*entry.select_related)


def _save(entry: Register, request, form, instance_id=None):
    """The form's values through the register service; ``None`` when refused."""
    if not form.is_valid():
        return None
    fields = {name: form.cleaned_data[name] for name in entry.fields if name in form.cleaned_data}
    try:
        return register_save(
            actor=request.user,
            model=entry.model,
            fields=fields,
            instance_id=instance_id,
            request=request,
        )
    except (ValidationError, PermissionDenied) as error:
        apply_service_errors(form, error)
        return None


@require_http_methods(["GET", "POST"])
def register_list(request, slug: str):
    if not request.user.is_authenticated:
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(request.get_full_path())
    entry = register_for(slug)
    rows = _visible(entry, request.user)
    site = request.GET.get("site", "")
    if site.isdigit() and "site" in entry.fields:
        rows = rows.filter(site_id=int(site))  # one site's entries
    can_add = has_permission(request.user, permission_name(entry.model, "add"))
    form = _form(entry, request) if can_add else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        created = _save(entry, request, form)
        if created is not None:
            return redirect("privacy:register-detail", slug=slug, pk=created.pk)
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    table = [
        (row, [getattr(row, attribute) for _, attribute in entry.columns], row.problems())
        for row in page
    ]
    return render(
        request,
        "privacy/register_list.html",
        {"entry": entry, "page": page, "table": table, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "POST"])
def register_detail(request, slug: str, pk: int):
    if not request.user.is_authenticated:
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(request.get_full_path())
    entry = register_for(slug)
    row = _visible(entry, request.user).filter(pk=pk).first()
    if row is None:
        raise Http404("No such entry.")
    can_change = has_permission(request.user, permission_name(entry.model, "change"))
    can_approve = bool(
        entry.approve
        and getattr(row, "approved_at", True) is None
        and has_permission(request.user, entry.approve_permission)
    )
    if request.method == "POST" and request.POST.get("action") == "approve":
        if not can_approve:
            raise PermissionDenied
        try:
            entry.approve(
                actor=request.user,
                entry_id=row.pk,
                note=request.POST.get("note", ""),
                request=request,
            )
        except ValidationError as error:
            facts = [(label, getattr(row, attribute)) for label, attribute in entry.facts]
            context = {"entry": entry, "row": row, "facts": facts, "problems": row.problems()}
            context.update(approve_errors=error.messages, can_approve=True)
            return render(request, "privacy/register_detail.html", context, status=400)
        return redirect("privacy:register-detail", slug=slug, pk=row.pk)
    form = _form(entry, request, instance=row) if can_change else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if _save(entry, request, form, instance_id=row.pk) is not None:
            return redirect("privacy:register-detail", slug=slug, pk=row.pk)
        row.refresh_from_db()
    facts = [(label, getattr(row, attribute)) for label, attribute in entry.facts]
    return render(
        request,
        "privacy/register_detail.html",
        {
            "entry": entry,
            "row": row,
            "facts": facts,
            "problems": row.problems(),
            "form": form,
            "can_approve": can_approve,
        },
        status=400 if request.method == "POST" else 200,
    )


@require_safe
@permission_required("privacy.view_breach")
def register_index(request):
    """Every register the user may read, with how many entries are flagged."""
    summaries = []
    for entry in REGISTERS.values():
        if not has_permission(request.user, permission_name(entry.model, "view")):
            continue
        rows = list(_visible(entry, request.user))
        flagged = sum(1 for row in rows if row.problems())
        summaries.append({"entry": entry, "count": len(rows), "flagged": flagged})
    return render(request, "privacy/register_index.html", {"summaries": summaries})
