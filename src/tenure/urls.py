from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from tenure.api import api
from tenure.web.views import SignInView


def _public(patterns):
    # The API authenticates each call itself (session or token) and answers 401, never a login redirect.
    for p in patterns:
        if hasattr(p, "url_patterns"):
            _public(p.url_patterns)
        else:
            p.callback.login_required = False
    return patterns


api_urls = api.urls
_public(api_urls[0])

urlpatterns = [
    path("login/", SignInView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("api/", api_urls),
    path("v1/", include("tenure.usage.urls_ingest")),
    path("help/", include("tenure.portal.urls")),  # the customer portal: its own members, never staff
    path("", include("tenure.integrations.urls")),
    path("", include("tenure.connectors.urls")),
    path("usage/", include("tenure.usage.urls")),
    path("", include("tenure.web.urls")),
    path("accounts/", include("tenure.accounts.urls")),
    path("metrics/", include("tenure.metrics.urls")),
    path("accounts/<int:account_id>/", include("tenure.engagement.urls")),
    path("", include("tenure.surveys.urls")),
    path("", include("tenure.risk.urls")),
    path("scores/", include("tenure.health.urls")),
    path("", include("tenure.renewals.urls")),
    path("knowledge/", include("tenure.knowledge.urls")),
]

admin.site.site_header = "Tenure administration"
admin.site.site_title = "Tenure"
