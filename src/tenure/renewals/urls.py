from django.urls import path

from tenure.renewals import views

app_name = "renewals"
urlpatterns = [
    path("renewals/", views.renewal_list, name="list"),
    path("renewals/<int:pk>/close/", views.close_renewal, name="close"),
    path("renewals/opportunities/<int:pk>/close/", views.close_opportunity, name="close_opportunity"),
    path("renewals/reasons/", views.churn_reasons, name="reasons"),
    path("digest/", views.digest_settings, name="digest"),
]
