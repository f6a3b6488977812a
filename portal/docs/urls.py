app_name = "docs"

urlpatterns: list = []
