from django.urls import path

from tenure.web import audit_views, views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("audit/", audit_views.audit_page, name="audit"),
    path("health/", views.liveness, name="liveness"),
    path("healthz", views.readiness, name="readiness"),
]
