from django.urls import path

from tenure.web import audit_views, customerium_views, views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("audit/", audit_views.audit_page, name="audit"),
    path("customerium/", customerium_views.customerium_map, name="customerium"),
    path("customerium.csv", customerium_views.customerium_csv, name="customerium_csv"),
    path("customerium/account/<int:pk>/", customerium_views.account_community, name="customerium_account"),
    path("health/", views.liveness, name="liveness"),
    path("healthz", views.readiness, name="readiness"),
]
