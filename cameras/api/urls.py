from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import CameraDisableView, CameraSourceView, CameraViewSet, SiteViewSet

app_name = "cameras-api"

router = SimpleRouter()
router.register("sites", SiteViewSet)
router.register("cameras", CameraViewSet)

urlpatterns = [
    path("cameras/<int:pk>/disable/", CameraDisableView.as_view(), name="camera-disable"),
    path("cameras/<int:pk>/source/", CameraSourceView.as_view(), name="camera-source"),
    *router.urls,
]
