from django.urls import path
from rest_framework.routers import SimpleRouter

from .dpia import DpiaDecideView, DpiaSubmitView, DpiaViewSet, DpiaWithdrawView
from .notices import NoticeVersionViewSet, PolicyPublishView, PolicyVersionViewSet
from .signs import SignInspectionViewSet, SignPdfView, SignPhotoView, SignPrintView, SignViewSet
from .views import PrivacyMaskViewSet

app_name = "privacy-api"

router = SimpleRouter()
router.register("privacy-masks", PrivacyMaskViewSet, basename="privacy-mask")
router.register("notice-versions", NoticeVersionViewSet, basename="notice-version")
router.register("policy-versions", PolicyVersionViewSet, basename="policy-version")
router.register("signs", SignViewSet, basename="sign")
router.register("dpias", DpiaViewSet, basename="dpia")
router.register("sign-inspections", SignInspectionViewSet, basename="sign-inspection")

urlpatterns = [
    path("policy-versions/<int:pk>/publish/", PolicyPublishView.as_view(), name="policy-publish"),
    path("signs/<int:pk>/print/", SignPrintView.as_view(), name="sign-print"),
    path("signs/<int:pk>/pdf/", SignPdfView.as_view(), name="sign-pdf"),
    path("signs/<int:pk>/photo/", SignPhotoView.as_view(), name="sign-photo"),
    path("dpias/<int:pk>/submit/", DpiaSubmitView.as_view(), name="dpia-submit"),
    path("dpias/<int:pk>/decide/", DpiaDecideView.as_view(), name="dpia-decide"),
    path("dpias/<int:pk>/withdraw/", DpiaWithdrawView.as_view(), name="dpia-withdraw"),
    *router.urls,
]
