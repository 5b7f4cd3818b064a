from django.urls import path
from rest_framework.routers import SimpleRouter

from . import registers, requests, unmask_views
from .dpia import DpiaDecideView, DpiaSubmitView, DpiaViewSet, DpiaWithdrawView
from .notices import NoticeVersionViewSet, PolicyPublishView, PolicyVersionViewSet
from .signs import SignInspectionViewSet, SignPdfView, SignPhotoView, SignPrintView, SignViewSet
from .views import PrivacyMaskViewSet

app_name = "privacy-api"

router = SimpleRouter()
router.register("privacy-masks", PrivacyMaskViewSet, basename="privacy-mask")
router.register("unmask-grants", unmask_views.UnmaskGrantViewSet, basename="unmask-grant")

router.register("notice-versions", NoticeVersionViewSet, basename="notice-version")
router.register("policy-versions", PolicyVersionViewSet, basename="policy-version")
router.register("signs", SignViewSet, basename="sign")
router.register("dpias", DpiaViewSet, basename="dpia")
router.register("sign-inspections", SignInspectionViewSet, basename="sign-inspection")
router.register(
    "subject-requests", requests.SubjectAccessRequestViewSet, basename="subject-request"
)
for slug, viewset in registers.VIEWSETS.items():
    router.register(f"registers/{slug}", viewset, basename=slug)

_steps = {
    "verify": requests.SubjectRequestVerifyView,
    "acknowledge": requests.SubjectRequestAcknowledgeView,
    "start": requests.SubjectRequestStartView,
    "extend": requests.SubjectRequestExtendView,
    "close": requests.SubjectRequestCloseView,
}

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
    path("policy-versions/<int:pk>/publish/", PolicyPublishView.as_view(), name="policy-publish"),
    path("signs/<int:pk>/print/", SignPrintView.as_view(), name="sign-print"),
    path("signs/<int:pk>/pdf/", SignPdfView.as_view(), name="sign-pdf"),
    path("signs/<int:pk>/photo/", SignPhotoView.as_view(), name="sign-photo"),
    path("dpias/<int:pk>/submit/", DpiaSubmitView.as_view(), name="dpia-submit"),
    path("dpias/<int:pk>/decide/", DpiaDecideView.as_view(), name="dpia-decide"),
    path("dpias/<int:pk>/withdraw/", DpiaWithdrawView.as_view(), name="dpia-withdraw"),
    *[
        path(f"subject-requests/<int:pk>/{name}/", view.as_view(), name=f"subject-request-{name}")
        for name, view in _steps.items()
    ],
    *router.urls,
]
