from django.urls import path

from tenure.metrics import views

app_name = "metrics"
urlpatterns = [
    path("retention/", views.retention, name="retention"),
    path("cohorts/", views.cohorts, name="cohorts"),
    path("renewals/", views.renewals, name="renewals"),
    path("book/", views.book, name="book"),
]
