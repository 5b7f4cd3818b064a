from django.urls import path

from privacy import views, views_unmask

app_name = "privacy"

urlpatterns = [
    path("holds/", views.hold_list, name="hold-list"),
    path("holds/<int:pk>/", views.hold_detail, name="hold-detail"),
    path("deletions/", views.deletion_list, name="deletion-list"),
    path("unmask/", views_unmask.unmask_home, name="unmask-home"),
    path("unmask/mine/", views_unmask.unmask_mine, name="unmask-mine"),
    path("unmask/request/", views_unmask.unmask_request_page, name="unmask-request"),
    path("unmask/queue/", views_unmask.unmask_queue, name="unmask-queue"),
    path("unmask/all/", views_unmask.unmask_all, name="unmask-all"),
    path("unmask/policy/", views_unmask.unmask_policy, name="unmask-policy"),
    path("unmask/<int:pk>/", views_unmask.unmask_detail, name="unmask-detail"),
    path(
        "unmask/<int:pk>/cameras/<int:camera_id>/",
        views_unmask.unmask_watch,
        name="unmask-watch",
    ),
    path(
        "unmask/<int:pk>/cameras/<int:camera_id>/segments/<int:segment_id>.mp4",
        views_unmask.unmask_segment,
        name="unmask-segment",
    ),
]
