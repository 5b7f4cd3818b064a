from django.urls import path
from rest_framework.routers import SimpleRouter

from . import registers, requests
from .views import PrivacyMaskViewSet

app_name = "privacy-api"

router = SimpleRouter()
router.register("privacy-masks", PrivacyMaskViewSet, basename="privacy-mask")
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
    *router.urls,
    *[
        path(f"subject-requests/<int:pk>/{name}/", view.as_view(), name=f"subject-request-{name}")
        for name, view in _steps.items()
    ],
]
