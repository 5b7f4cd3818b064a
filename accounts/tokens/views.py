"""The API token pages: one's own tokens (create, revoke) and, for those who may, everyone's.

A new token's key is shown in the answer to the form that made it, and nowhere else: it is
not put in the session or a message, which would store it.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.tokens import selectors, services
from accounts.tokens.forms import ApiTokenCreateForm
from vms.forms import apply_service_errors
from vms.permissions import has_permission, permission_required

PER_PAGE = 50


@never_cache
@login_required
def token_list(request):
    """``GET``: the user's tokens and the form for a new one. ``POST``: make it, show its key."""
    form = ApiTokenCreateForm(request.POST or None)
    created = key = None
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            created, key = services.api_token_create(
                actor=request.user, request=request, **form.cleaned_data
            )
        except (ValidationError, PermissionDenied) as error:
            apply_service_errors(form, error)
        else:
            form = ApiTokenCreateForm()
            status = 201
    elif request.method == "POST":
        status = 400
    context = {
        "form": form,
        "tokens": selectors.api_tokens_owned(actor=request.user),
        "created": created,
        "key": key,
        "sees_all": has_permission(request.user, "accounts.view_apitoken"),
    }
    return render(request, "accounts/tokens.html", context, status=status)


@permission_required("accounts.view_apitoken")
def token_list_all(request):
    """Every person's tokens (DPO reads, Admin revokes)."""
    tokens = selectors.api_tokens_visible(actor=request.user)
    page = Paginator(tokens, PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "may_revoke": has_permission(request.user, "accounts.change_apitoken"),
    }
    return render(request, "accounts/tokens_all.html", context)


@require_POST
@login_required
def token_revoke(request, pk):
    """Revoke one token (hidden ones are a 404), then back to the page that asked."""
    token = selectors.api_token_get(actor=request.user, pk=pk, action="change")
    services.api_token_revoke(actor=request.user, token=token, request=request)
    following = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(following, {request.get_host()}):
        following = "tokens:token-list"
    return redirect(following)
