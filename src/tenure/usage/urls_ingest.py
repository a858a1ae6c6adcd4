from django.urls import path

from tenure.usage.views_ingest import ENDPOINTS, receive

urlpatterns = [path(f"{name}", receive, {"endpoint": name}, name=f"ingest-{name}") for name in ENDPOINTS]
