from rest_framework.routers import SimpleRouter

from .views import PrivacyMaskViewSet

app_name = "privacy-api"

router = SimpleRouter()
router.register("privacy-masks", PrivacyMaskViewSet, basename="privacy-mask")

urlpatterns = router.urls
