from django.urls import path

from tenure.risk import views

app_name = "risk"
urlpatterns = [
    path("work/", views.my_work, name="my_work"),
    path("work/tasks/new/", views.new_task, name="new_task"),
    path("work/tasks/bulk/", views.bulk, name="bulk"),
    path("work/tasks/<int:pk>/edit/", views.edit_task, name="edit_task"),
    path("work/tasks/<int:pk>/snooze/", views.snooze, name="snooze"),
    path("work/tasks/<int:pk>/close/", views.close, name="close"),
    path("signals/<int:pk>/", views.signal_detail, name="signal"),
    path("risk/settings/", views.risk_settings, name="settings"),
]
