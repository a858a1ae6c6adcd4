"""Usage setup pages: what usage has arrived, event sources (write keys), history imports, the feature catalog
and messages the API rejected."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from tenure.paging import paged
from tenure.usage import services
from tenure.usage.models import Backfill, Event, Feature, RejectedMessage, WriteKey
from tenure.users.permissions import require_setup


def setup(request):
    # Usage arrives through write keys (the event API), history imports, or the demo's generator: the page says
    # whether any has arrived, and when last, so "no write keys" never reads as "no usage". The newest event by id
    # costs one index step, where counting the log would read all of it.
    latest = Event.objects.order_by("-id").values("received_at").first()
    return render(request, "usage/setup.html", {
        "latest_event": latest, "imports": paged(request, Backfill.objects.order_by("-pk"), 10, "imports_page"),
        "write_keys": WriteKey.objects.all(),
        "features": paged(request, Feature.objects.all(), 50, "features_page"),
        "rejected": paged(request, RejectedMessage.objects.all(), 20, "rejected_page"),
        "can_manage": request.user.manages_setup,
        "ingest_url": request.build_absolute_uri("/"),
    })


@require_POST
def create_key(request):
    require_setup(request, "manage event sources and the feature catalog")
    try:
        key, raw = services.create_write_key(request.POST.get("name", ""), created_by=request.user)
    except ValidationError as e:
        messages.error(request, "; ".join(e.messages))
    else:
        messages.success(request, f"Write key for “{key.name}”: {raw} — copy it now, it is not shown again.")
    return redirect("usage:setup")


@require_POST
def revoke_key(request, pk: int):
    require_setup(request, "manage event sources and the feature catalog")
    key = get_object_or_404(WriteKey, pk=pk)
    services.revoke_write_key(key)
    messages.success(request, f"Revoked {key}. Events sent with it are refused from now on.")
    return redirect("usage:setup")


@require_POST
def edit_feature(request, pk: int):
    require_setup(request, "manage event sources and the feature catalog")
    feature = get_object_or_404(Feature, pk=pk)
    services.describe_feature(
        feature,
        friendly_name=request.POST.get("friendly_name", ""),
        module=request.POST.get("module", ""),
        is_key=request.POST.get("is_key") == "on",
    )
    if request.htmx:
        return render(request, "usage/_feature_row.html", {"feature": feature, "can_manage": True, "saved": True})
    messages.success(request, f"Saved {feature.label}.")
    return redirect("usage:setup")
