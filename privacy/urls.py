from django.urls import path

from privacy import views, views_registers, views_requests

app_name = "privacy"

urlpatterns = [
    path("holds/", views.hold_list, name="hold-list"),
    path("holds/<int:pk>/", views.hold_detail, name="hold-detail"),
    path("deletions/", views.deletion_list, name="deletion-list"),
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
