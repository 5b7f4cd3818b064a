from django.urls import path

from accounts.tokens import views

app_name = "tokens"

urlpatterns = [
    path("", views.token_list, name="token-list"),
    path("all/", views.token_list_all, name="token-list-all"),
    path("<int:pk>/revoke/", views.token_revoke, name="token-revoke"),
]
