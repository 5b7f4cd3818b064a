from django.urls import path

from compliance import desk_views, views

app_name = "compliance"

urlpatterns = [
    path("access/", views.access_event_list, name="access-event-list"),
    path("changes/", views.change_log_list, name="change-log-list"),
    path("dashboard/", desk_views.dashboard, name="dashboard"),
    path("verify/", desk_views.audit_verify_now, name="audit-verify"),
    path("reports/", desk_views.report_list, name="report-list"),
    path("reports/<uuid:uid>/", desk_views.report_detail, name="report-detail"),
    path("reports/<uuid:uid>/progress/", desk_views.report_progress, name="report-progress"),
    path("reports/<uuid:uid>/<str:part>/", desk_views.report_download, name="report-download"),
]
