from django.urls import path

from tenure.web import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("health/", views.liveness, name="liveness"),
    path("healthz", views.readiness, name="readiness"),
]
