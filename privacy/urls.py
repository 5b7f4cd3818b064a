from django.urls import path

from privacy import views

app_name = "privacy"

urlpatterns = [
    path("holds/", views.hold_list, name="hold-list"),
    path("holds/<int:pk>/", views.hold_detail, name="hold-detail"),
    path("deletions/", views.deletion_list, name="deletion-list"),
]
