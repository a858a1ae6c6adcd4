from django.urls import path

from tenure.engagement import views

app_name = "engagement"
urlpatterns = [
    path("value/", views.value_report, name="value-report"),
    path("onboarding/start/", views.start_project, name="start-onboarding"),
    path("milestones/<int:pk>/done/", views.milestone_done, name="milestone-done"),
    path("goals/", views.add_goal, name="add-goal"),
    path("goals/<int:pk>/progress/", views.goal_progress, name="goal-progress"),
]
