from django.urls import path

from tenure.health import views

app_name = "health"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("scorecards/", views.scorecards, name="scorecards"),
    path("scorecards/<int:pk>/", views.scorecard, name="scorecard"),
    path("accounts/<int:pk>/pulse/", views.record_pulse, name="pulse"),
]
