from django.urls import path

from tenure.accounts import views

app_name = "accounts"
urlpatterns = [
    path("", views.account_list, name="list"),
    path("<int:pk>/", views.account_detail, name="detail"),
    path("<int:pk>/touches/", views.log_touch, name="log_touch"),
]
