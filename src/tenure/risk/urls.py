from django.urls import path

from tenure.risk import views

app_name = "risk"
urlpatterns = [
    path("work/", views.my_work, name="my_work"),
    path("work/tasks/<int:pk>/snooze/", views.snooze, name="snooze"),
    path("work/tasks/<int:pk>/close/", views.close, name="close"),
    path("signals/<int:pk>/", views.signal_detail, name="signal"),
    path("risk/settings/", views.risk_settings, name="settings"),
]
