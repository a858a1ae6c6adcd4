from django.urls import path

from tenure.usage import views

app_name = "usage"
urlpatterns = [
    path("", views.setup, name="setup"),
    path("keys/", views.create_key, name="create-key"),
    path("keys/<int:pk>/revoke/", views.revoke_key, name="revoke-key"),
    path("features/<int:pk>/", views.edit_feature, name="edit-feature"),
]
