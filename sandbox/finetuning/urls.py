app_name = "finetuning"

urlpatterns: list = []
