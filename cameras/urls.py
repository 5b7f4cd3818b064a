from django.urls import path

from cameras import views

app_name = "cameras"

urlpatterns = [
    path("", views.camera_list, name="camera-list"),
    path("new/", views.camera_create, name="camera-create"),
    path("<int:pk>/", views.camera_detail, name="camera-detail"),
    path("<int:pk>/edit/", views.camera_edit, name="camera-edit"),
    path("<int:pk>/disable/", views.camera_disable, name="camera-disable"),
    path("<int:pk>/enable/", views.camera_enable, name="camera-enable"),
    path("<int:pk>/retention/", views.camera_retention_decide, name="camera-retention-decide"),
    path("sites/", views.site_list, name="site-list"),
    path("sites/new/", views.site_create, name="site-create"),
    path("sites/<int:pk>/", views.site_detail, name="site-detail"),
    path("sites/<int:pk>/edit/", views.site_edit, name="site-edit"),
]
