from django.urls import path

from tenure.surveys import views

app_name = "surveys"
urlpatterns = [
    path("s/<str:token>/", views.respond, name="respond"),
    path("surveys/", views.overview, name="overview"),
    path("surveys/<int:pk>/send/", views.send, name="send"),
]
