from django.urls import path
from rest_framework.routers import SimpleRouter

from accounts.tokens.api import ApiTokenRevokeView, ApiTokenViewSet

app_name = "tokens-api"

router = SimpleRouter()
router.register("tokens", ApiTokenViewSet)

urlpatterns = [
    path("tokens/<int:pk>/revoke/", ApiTokenRevokeView.as_view(), name="token-revoke"),
    *router.urls,
]
