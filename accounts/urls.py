from django.urls import path

from accounts import security_views, views
from vms.middleware.mfa import mfa_exempt

app_name = "accounts"

urlpatterns = [
    # Reachable before the second factor (vms/middleware/mfa.py).
    path("login/", mfa_exempt(views.LoginView.as_view()), name="login"),
    path("logout/", mfa_exempt(views.LogoutView.as_view()), name="logout"),
    path("security/verify/", security_views.mfa_verify, name="mfa-verify"),
    path("security/enrol/", security_views.mfa_enrol, name="mfa-enrol"),
    # A person's own security, then the Admin's user pages.
    path("security/", security_views.security, name="security"),
    path(
        "security/recovery-codes/",
        security_views.recovery_codes_renew,
        name="security-recovery-codes",
    ),
    path("security/remove/", security_views.mfa_remove, name="security-remove"),
    path("users/", views.user_list, name="user-list"),
    path("users/new/", views.user_create, name="user-create"),
    path("users/<int:pk>/", views.user_edit, name="user-edit"),
    path("users/<int:pk>/active/", views.user_set_active, name="user-set-active"),
    path("users/<int:pk>/password/", views.user_password, name="user-password"),
    path("users/<int:pk>/access/", views.user_access, name="user-access"),
    path("users/<int:pk>/unlock/", views.user_unlock, name="user-unlock"),
    path("users/<int:pk>/mfa-reset/", views.user_mfa_reset, name="user-mfa-reset"),
]
