"""Log-in, log-out, the landing page and the Admin's user pages.

User pages need ``accounts.change_user`` (the Admin role); anyone else gets the same 404 as a
page that does not exist. Every change goes through :mod:`accounts.services`.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts import lockout, mfa, selectors, services
from accounts.context_processors import landing_url_name
from accounts.forms import (
    CameraGrantForm,
    LoginForm,
    PasswordResetForm,
    SiteAssignmentForm,
    UserCreateForm,
    UserSearchForm,
    UserUpdateForm,
)
from cameras import selectors as camera_selectors
from vms.forms import apply_service_errors
from vms.middleware.sessions import EXPIRED_REASON
from vms.permissions import has_permission, permission_required

USERS_PER_PAGE = 50


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    form_class = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        # Said once, on the page an expired session lands on: "idle" or "absolute".
        expired = self.request.session.pop(EXPIRED_REASON, None)
        return super().get_context_data(session_expired=expired, **kwargs)


class LogoutView(auth_views.LogoutView):
    """POST only (Django's own rule): a link or an image cannot log anyone out."""


@login_required
def home(request):
    """The landing page after log-in: the live wall for those who watch and triage."""
    return redirect(landing_url_name(request.user))


# Admins only; everyone else sees the 404 of a page that is not there.
user_admin_required = permission_required("accounts.change_user")


@user_admin_required
def user_list(request):
    search = UserSearchForm(request.GET or None)
    users = selectors.user_list(actor=request.user, **search.selector_kwargs())
    page = Paginator(users, USERS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "accounts/user_list.html", {"search": search, "page": page})


@permission_required("accounts.add_user")
def user_create(request):
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.user_create(
                actor=request.user,
                username=data["username"],
                password=data["password1"],
                role=data["role"],
                email=data["email"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                request=request,
            )
        except (ValidationError, PermissionDenied) as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, f"Created {user.get_username()}.")
            return redirect("accounts:user-edit", pk=user.pk)
    return render(request, "accounts/user_create.html", {"form": form})


@user_admin_required
def user_edit(request, pk):
    user = selectors.user_get(actor=request.user, pk=pk, action="change")
    initial = {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "role": user.role.value if user.role else "",
        "is_active": user.is_active,
    }
    form = UserUpdateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_update(
                actor=request.user, user=user, request=request, **form.cleaned_data
            )
        except (ValidationError, PermissionDenied) as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, f"Saved {user.get_username()}.")
            return redirect("accounts:user-edit", pk=user.pk)
    return render(
        request,
        "accounts/user_edit.html",
        {
            "form": form,
            "subject": user,
            "lockout": lockout.user_login_lockout(user=user),
            "mfa": mfa.mfa_status(user=user),
        },
    )


@require_POST
@user_admin_required
def user_unlock(request, pk):
    """Let a locked-out account log in again at once (audited)."""
    user = selectors.user_get(actor=request.user, pk=pk, action="change")
    lockout.user_login_unlock(actor=request.user, user=user, request=request)
    messages.success(request, f"Unlocked {user.get_username()}: failed log-ins are forgotten.")
    return redirect("accounts:user-edit", pk=user.pk)


@require_POST
@user_admin_required
def user_mfa_reset(request, pk):
    """Remove a user's authenticator and recovery codes (a lost phone); their sessions end and
    they set up a new one at their next log-in if their role requires it (audited)."""
    user = selectors.user_get(actor=request.user, pk=pk, action="change")
    mfa.mfa_remove(actor=request.user, user=user, request=request)
    messages.success(request, f"Reset two-factor authentication of {user.get_username()}.")
    return redirect("accounts:user-edit", pk=user.pk)


@require_POST
@user_admin_required
def user_set_active(request, pk):
    """Deactivate or reactivate an account (``active`` = ``1`` or ``0``)."""
    user = selectors.user_get(actor=request.user, pk=pk, action="change")
    active = request.POST.get("active") == "1"
    try:
        services.user_update(actor=request.user, user=user, is_active=active, request=request)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    else:
        verb = "Reactivated" if active else "Deactivated"
        messages.success(request, f"{verb} {user.get_username()}.")
    return redirect("accounts:user-edit", pk=user.pk)


@user_admin_required
def user_password(request, pk):
    user = selectors.user_get(actor=request.user, pk=pk, action="change")
    form = PasswordResetForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_set_password(
                actor=request.user,
                user=user,
                password=form.cleaned_data["password1"],
                request=request,
            )
        except (ValidationError, PermissionDenied) as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, f"Set a new password for {user.get_username()}.")
            return redirect("accounts:user-edit", pk=user.pk)
    return render(request, "accounts/user_password.html", {"form": form, "subject": user})


@user_admin_required
def user_access(request, pk):
    """Which sites a user is assigned to, and which single cameras they were granted."""
    user = selectors.user_get(actor=request.user, pk=pk, action="change")
    assigned = selectors.user_assigned_sites(user=user)
    granted = selectors.user_granted_cameras(user=user).select_related("site")
    visible_sites = camera_selectors.site_list(user=request.user)
    grantable = camera_selectors.camera_list(user=request.user).exclude(pk__in=granted.values("pk"))
    sites_form = SiteAssignmentForm(
        request.POST if request.POST.get("form") == "sites" else None,
        sites=visible_sites,
        initial={"sites": list(assigned)},
    )
    grant_form = CameraGrantForm(
        request.POST if request.POST.get("form") == "grant" else None, cameras=grantable
    )
    if request.method == "POST":
        if sites_form.is_bound and sites_form.is_valid():
            wanted = set(sites_form.cleaned_data["sites"])
            current = set(assigned)
            for site in wanted - current:
                services.site_assign_user(actor=request.user, site=site, user=user, request=request)
            for site in current - wanted:
                services.site_unassign_user(
                    actor=request.user, site=site, user=user, request=request
                )
            messages.success(request, f"Updated the sites of {user.get_username()}.")
            return redirect("accounts:user-access", pk=user.pk)
        if grant_form.is_bound and grant_form.is_valid():
            camera = grant_form.cleaned_data["camera"]
            services.camera_grant_user(
                actor=request.user, camera=camera, user=user, request=request
            )
            messages.success(request, f"Granted {camera} to {user.get_username()}.")
            return redirect("accounts:user-access", pk=user.pk)
        if request.POST.get("form") == "revoke":
            camera = camera_selectors.camera_get(user=request.user, pk=request.POST.get("camera"))
            services.camera_revoke_user(
                actor=request.user, camera=camera, user=user, request=request
            )
            messages.success(request, f"Revoked {camera} from {user.get_username()}.")
            return redirect("accounts:user-access", pk=user.pk)
    return render(
        request,
        "accounts/user_access.html",
        {
            "subject": user,
            # Model-level view (DPO, Admin): every camera, whatever is assigned.
            "sees_every_camera": has_permission(user, "cameras.view_camera"),
            "sites_form": sites_form,
            "grant_form": grant_form,
            "granted": granted,
        },
    )
