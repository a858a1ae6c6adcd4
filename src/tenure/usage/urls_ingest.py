from django.urls import path, re_path

from tenure.usage.views_ingest import ENDPOINTS, not_found, receive

urlpatterns = [
    *(path(f"{name}", receive, {"endpoint": name}, name=f"ingest-{name}") for name in ENDPOINTS),
    re_path(r"^(?P<path>.*)$", not_found),
]
