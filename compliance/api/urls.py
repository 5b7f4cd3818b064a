from rest_framework.routers import SimpleRouter

from .views import AccessEventViewSet, ChangeLogViewSet

app_name = "compliance-api"

router = SimpleRouter()
router.register("access-events", AccessEventViewSet, basename="access-event")
router.register("change-log", ChangeLogViewSet, basename="changelog")

urlpatterns = router.urls
