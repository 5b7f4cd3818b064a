from django.urls import path

from privacy import views, views_public

app_name = "privacy"

urlpatterns = [
    path("holds/", views.hold_list, name="hold-list"),
    path("holds/<int:pk>/", views.hold_detail, name="hold-detail"),
    path("deletions/", views.deletion_list, name="deletion-list"),
    # Public: what the signs' QR codes point to.
    path("notice/<int:site_id>/", views_public.notice_current, name="notice"),
    path("notice/<int:site_id>/v<int:number>/", views_public.notice_version, name="notice-version"),
    path("policy/", views_public.policy_current, name="policy"),
    path("policy/v<int:number>/", views_public.policy_version, name="policy-version"),
]
