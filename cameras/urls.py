app_name = "cameras"

urlpatterns: list = []
