from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import MeView, UserSitesView, UserSiteUnassignView, UserViewSet

app_name = "accounts-api"

router = SimpleRouter()
router.register("users", UserViewSet)

urlpatterns = [
    path("me/", MeView.as_view(), name="me"),
    path("users/<int:pk>/sites/", UserSitesView.as_view(), name="user-sites"),
    path(
        "users/<int:pk>/sites/<int:site_id>/",
        UserSiteUnassignView.as_view(),
        name="user-site-unassign",
    ),
    *router.urls,
]
