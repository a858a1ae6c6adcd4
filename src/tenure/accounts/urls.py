from django.urls import path

from tenure.accounts import assignment_views, people_views, views

app_name = "accounts"
urlpatterns = [
    path("", views.account_list, name="list"),
    path("bulk/", views.bulk_change, name="bulk"),
    path("views/", views.save_view, name="save_view"),
    path("views/<int:pk>/", views.change_view, name="change_view"),
    path("views/<int:pk>/delete/", views.delete_view, name="delete_view"),
    path("assignment/", assignment_views.rules_page, name="assignment"),
    path("assignment/<int:pk>/", assignment_views.rules_page, name="assignment-edit"),
    path("assignment/run/", assignment_views.run_rules, name="assignment-run"),
    path("<int:pk>/", views.account_detail, name="detail"),
    path("<int:pk>/touches/", views.log_touch, name="log_touch"),
    path("<int:pk>/timeline/", views.older_timeline, name="timeline"),
    path("<int:pk>/people/new/", people_views.new_person, name="new_person"),
    path("people/<int:pk>/", people_views.edit_person, name="edit_person"),
]
