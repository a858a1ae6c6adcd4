from django.urls import path

from tenure.health import views

app_name = "health"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("scorecards/", views.scorecards, name="scorecards"),
    path("scorecards/<int:pk>/", views.scorecard, name="scorecard"),
    path("scorecards/<int:pk>/suggest/", views.suggest_weights, name="suggest"),
    path("suggestions/<int:pk>/<str:decision>/", views.decide_suggestion, name="decide_suggestion"),
    path("accounts/<int:pk>/pulse/", views.record_pulse, name="pulse"),
]
