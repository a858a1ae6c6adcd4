from django.urls import path

from tenure.integrations import views

app_name = "integrations"
urlpatterns = [
    path("", views.import_page, name="import"),
]
