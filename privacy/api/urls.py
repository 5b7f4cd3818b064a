from django.urls import path
from rest_framework.routers import SimpleRouter

from . import unmask_views
from .views import PrivacyMaskViewSet

app_name = "privacy-api"

router = SimpleRouter()
router.register("privacy-masks", PrivacyMaskViewSet, basename="privacy-mask")
router.register("unmask-grants", unmask_views.UnmaskGrantViewSet, basename="unmask-grant")

urlpatterns = [
    # Before the router: "request" would otherwise be read as a grant's id.
    path(
        "unmask-grants/request/",
        unmask_views.UnmaskRequestView.as_view(),
        name="unmask-grant-request",
    ),
    path(
        "unmask-grants/<int:pk>/approve/",
        unmask_views.UnmaskApproveView.as_view(),
        name="unmask-grant-approve",
    ),
    path(
        "unmask-grants/<int:pk>/refuse/",
        unmask_views.UnmaskRefuseView.as_view(),
        name="unmask-grant-refuse",
    ),
    path(
        "unmask-grants/<int:pk>/revoke/",
        unmask_views.UnmaskRevokeView.as_view(),
        name="unmask-grant-revoke",
    ),
    path(
        "unmask-grants/<int:pk>/cameras/<int:camera_id>/segments/",
        unmask_views.UnmaskSegmentListView.as_view(),
        name="unmask-grant-segments",
    ),
    *router.urls,
]
