from django.urls import path

from tenure.connectors import mail_views, views

app_name = "connectors"
urlpatterns = [
    path("setup/connections/", views.connections_page, name="connections"),
    path("setup/connections/<int:pk>/", views.connection_page, name="detail"),
    path("setup/connections/<int:pk>/test/", views.test, name="test"),
    path("setup/connections/<int:pk>/sync/", views.sync_now, name="sync"),
    path("setup/connections/<int:pk>/pause/", views.pause, name="pause"),
    path("setup/connections/<int:pk>/credentials/", views.credentials, name="credentials"),
    path("setup/connections/<int:pk>/rules/", views.rules, name="rules"),
    path("setup/connections/conflicts/<int:pk>/", views.resolve, name="resolve"),
    path("setup/connections/events/<int:pk>/retry/", views.retry_event, name="retry-event"),
    path("connectors/<int:pk>/webhook/", views.webhook, name="webhook"),
    # Email capture: each staff user's own address and captured mail
    path("connectors/mail/", mail_views.mail_page, name="mail"),
    path("connectors/mail/renew/", mail_views.renew, name="mail-renew"),
    path("connectors/mail/<int:pk>/assign/", mail_views.assign, name="mail-assign"),
]
