from django.urls import path

from tenure.knowledge import views

app_name = "knowledge"
urlpatterns = [
    path("", views.article_list, name="articles"),
    path("new/", views.article_new, name="new"),
    path("preview/", views.preview, name="preview"),
    path("suggest/", views.suggest, name="suggest"),
    path("categories/", views.categories, name="categories"),
    path("gaps/", views.gaps, name="gaps"),
    path("insights/", views.insights, name="insights"),
    path("for-ticket/<int:pk>/", views.ticket_articles, name="ticket_articles"),
    path("<int:pk>/", views.article_detail, name="detail"),
    path("<int:pk>/edit/", views.article_edit, name="edit"),
    path("<int:pk>/status/", views.article_status, name="status"),
    path("<int:pk>/revisions/", views.revisions, name="revisions"),
    path("<int:pk>/attachments/", views.attachment_upload, name="attach"),
    path("attachments/", views.attachment_missing, name="attachments_root"),
    path("attachments/<int:pk>/<str:name>", views.attachment_file, name="attachment"),
]
