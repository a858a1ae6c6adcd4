from django.urls import path

from tenure.integrations import views, webhook_views

app_name = "integrations"
urlpatterns = [
    path("import/", views.import_page, name="import"),
    path("integrations/webhooks/", webhook_views.webhooks_page, name="webhooks"),
    path("integrations/webhooks/<int:pk>/test/", webhook_views.send_test, name="webhook-test"),
    path("integrations/webhooks/<int:pk>/toggle/", webhook_views.toggle, name="webhook-toggle"),
    path("integrations/webhooks/deliveries/<int:pk>/replay/", webhook_views.replay, name="webhook-replay"),
]
