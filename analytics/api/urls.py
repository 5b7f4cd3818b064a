from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import (
    AlertBulkAcknowledgeView,
    AlertDecideView,
    AlertViewSet,
    RuleViewSet,
    ZoneViewSet,
)

app_name = "analytics-api"

router = SimpleRouter()
router.register("alerts", AlertViewSet, basename="alert")
router.register("zones", ZoneViewSet, basename="zone")
router.register("rules", RuleViewSet, basename="rule")

urlpatterns = [
    # Before the router: "acknowledge" would otherwise be read as an alert's id.
    path("alerts/acknowledge/", AlertBulkAcknowledgeView.as_view(), name="alert-acknowledge"),
    path("alerts/<int:pk>/decide/", AlertDecideView.as_view(), name="alert-decide"),
    *router.urls,
]
