from django.urls import path, re_path

from privacy import (
    views,
    views_public,
    views_records,
    views_registers,
    views_requests,
    views_signs,
    views_unmask,
)

app_name = "privacy"

urlpatterns = [
    path("holds/", views.hold_list, name="hold-list"),
    path("holds/<int:pk>/", views.hold_detail, name="hold-detail"),
    path("deletions/", views.deletion_list, name="deletion-list"),
    path("unmask/", views_unmask.unmask_home, name="unmask-home"),
    path("unmask/mine/", views_unmask.unmask_mine, name="unmask-mine"),
    path("unmask/request/", views_unmask.unmask_request_page, name="unmask-request"),
    path("unmask/queue/", views_unmask.unmask_queue, name="unmask-queue"),
    path("unmask/all/", views_unmask.unmask_all, name="unmask-all"),
    path("unmask/policy/", views_unmask.unmask_policy, name="unmask-policy"),
    path("unmask/<int:pk>/", views_unmask.unmask_detail, name="unmask-detail"),
    path(
        "unmask/<int:pk>/cameras/<int:camera_id>/",
        views_unmask.unmask_watch,
        name="unmask-watch",
    ),
    path(
        "unmask/<int:pk>/cameras/<int:camera_id>/segments/<int:segment_id>.mp4",
        views_unmask.unmask_segment,
        name="unmask-segment",
    ),
    path("records/", views_records.records_page, name="records"),
    path("assessment/<slug:name>/", views_records.assessment_page, name="assessment"),
    path("assessment/<slug:name>.pdf", views_records.assessment_pdf, name="assessment-pdf"),
    path("signs/", views_signs.sign_list, name="sign-list"),
    path("signs/new/", views_signs.sign_create, name="sign-create"),
    path("signs/<int:pk>/", views_signs.sign_detail, name="sign-detail"),
    path("signs/<int:pk>/print/", views_signs.sign_print, name="sign-print"),
    re_path(
        r"^records\.(?P<fmt>pdf|csv)$", views_records.records_download, name="records-download"
    ),
    # Public: what the signs' QR codes point to.
    path("notice/<int:site_id>/", views_public.notice_current, name="notice"),
    path("notice/<int:site_id>/v<int:number>/", views_public.notice_version, name="notice-version"),
    path("policy/", views_public.policy_current, name="policy"),
    path("policy/v<int:number>/", views_public.policy_version, name="policy-version"),
    # Subject-access requests: the DPO's pages, and the public form a site's notice links to.
    path("requests/", views_requests.request_list, name="request-list"),
    path("requests/<int:pk>/", views_requests.request_detail, name="request-detail"),
    path("requests/<int:pk>/photo/", views_requests.request_photo, name="request-photo"),
    # The registers: breaches, transfers, vendors, liability risk, insurance.
    path("registers/", views_registers.register_index, name="register-index"),
    path("registers/<slug:slug>/", views_registers.register_list, name="register-list"),
    path(
        "registers/<slug:slug>/<int:pk>/", views_registers.register_detail, name="register-detail"
    ),
    path(
        "sites/<int:site_id>/request-access/",
        views_requests.public_request,
        name="public-request",
    ),
    path(
        "sites/<int:site_id>/request-access/received/",
        views_requests.public_request_received,
        name="public-request-received",
    ),
]
