app_name = "gateway"

urlpatterns: list = []
