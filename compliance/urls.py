from django.urls import path

from compliance import views

app_name = "compliance"

urlpatterns = [
    path("access/", views.access_event_list, name="access-event-list"),
    path("changes/", views.change_log_list, name="change-log-list"),
]
