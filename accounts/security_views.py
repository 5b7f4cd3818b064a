"""A person's own log-in security: the second-factor check after the password, setting up an
authenticator app, recovery codes, and the Security page.

The verify and enrol pages are reachable before the second factor (``mfa_exempt``); the
Security page and its actions are not, so changing a second factor needs a verified session.
Pages that show a secret or recovery codes are never cached.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts import mfa
from accounts.forms import MfaCodeForm
from vms.middleware.mfa import mfa_exempt, mfa_must_verify

CODE_REFUSED = "That code is not right, or was used already. Wait for a new code and try again."


def _next_url(request) -> str:
    """Where to go afterwards: a safe ``next`` (this site only), else the landing page."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _recovery_codes_page(request, codes: list[str], *, next_url: str, first: bool):
    return render(
        request,
        "accounts/mfa_recovery_codes.html",
        {"codes": codes, "next": next_url, "first": first},
    )


@mfa_exempt
@never_cache
@login_required
def mfa_verify(request):
    """The second step of log-in: a code from the authenticator app, or a recovery code."""
    user, next_url = request.user, _next_url(request)
    if user.is_verified() or not mfa_must_verify(user):
        return redirect(next_url)
    status = mfa.mfa_status(user=user)
    if not status.enrolled:
        return redirect_to_login(next_url, reverse("accounts:mfa-enrol"))
    form = MfaCodeForm(
        request.POST or None,
        label="Code from your authenticator app",
        help_text="Six digits. Lost your phone? Enter one of your recovery codes instead.",
    )
    if request.method == "POST" and form.is_valid():
        method = mfa.mfa_verify(user=user, code=form.cleaned_data["code"], request=request)
        if method is not None:
            if method == "recovery code":
                left = mfa.mfa_status(user=user).recovery_codes_left
                messages.warning(
                    request,
                    f"You used a recovery code; {left} left. "
                    "Renew them, or set up your authenticator again, from your Security page.",
                )
            return redirect(next_url)
        form.add_error("code", CODE_REFUSED)
    return render(request, "accounts/mfa_verify.html", {"form": form, "next": next_url})


@mfa_exempt
@never_cache
@login_required
def mfa_enrol(request):
    """Set up an authenticator app: scan the QR code (or type the secret), confirm a code."""
    user, next_url = request.user, _next_url(request)
    status = mfa.mfa_status(user=user)
    if status.enrolled:
        if not user.is_verified():
            # Someone who has a device proves it before anything else: no second device.
            return redirect_to_login(next_url, reverse("accounts:mfa-verify"))
        messages.info(request, "Your authenticator app is set up already.")
        return redirect("accounts:security")
    device = mfa.totp_device_pending(user=user)
    form = MfaCodeForm(request.POST or None, label="Code shown by the app")
    if request.method == "POST" and form.is_valid():
        codes = mfa.totp_enrol_confirm(user=user, code=form.cleaned_data["code"], request=request)
        if codes is not None:
            return _recovery_codes_page(request, codes, next_url=next_url, first=True)
        form.add_error("code", CODE_REFUSED)
    return render(
        request,
        "accounts/mfa_enrol.html",
        {
            "form": form,
            "next": next_url,
            "status": status,
            "provisioning": mfa.totp_provisioning(device),
        },
    )


@never_cache
@login_required
def security(request):
    """The person's own Security page: their second factor and recovery codes."""
    return render(request, "accounts/security.html", {"status": mfa.mfa_status(user=request.user)})


@require_POST
@never_cache
@login_required
def recovery_codes_renew(request):
    """New recovery codes (the old ones stop working), shown once."""
    try:
        codes = mfa.recovery_codes_renew(user=request.user, request=request)
    except ValueError as error:
        messages.error(request, str(error))
        return redirect("accounts:security")
    return _recovery_codes_page(request, codes, next_url=reverse("accounts:security"), first=False)


@require_POST
@login_required
def mfa_remove(request):
    """Remove one's own authenticator and recovery codes."""
    mfa.mfa_remove(actor=request.user, user=request.user, request=request)
    if mfa.mfa_status(user=request.user).required:
        messages.warning(request, "Your role requires an authenticator: set up a new one now.")
        return redirect("accounts:mfa-enrol")
    messages.success(request, "Two-factor authentication is off for your account.")
    return redirect("accounts:security")
