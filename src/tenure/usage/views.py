"""Usage setup pages: event sources (write keys), the feature catalog and messages the API rejected."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from tenure.usage import services
from tenure.usage.models import Feature, RejectedMessage, WriteKey


def _require_ops(request) -> None:
    # Keys and the catalog shape everyone's numbers: CS leaders and admins manage them.
    if not (request.user.can_write and request.user.is_leader):
        raise PermissionDenied("Only admins and CS leaders manage event sources and the feature catalog.")


def setup(request):
    return render(request, "usage/setup.html", {
        "write_keys": WriteKey.objects.all(),
        "features": Feature.objects.all(),
        "rejected": RejectedMessage.objects.all()[:20],
        "rejected_count": RejectedMessage.objects.count(),
        "can_manage": request.user.can_write and request.user.is_leader,
        "ingest_url": request.build_absolute_uri("/"),
    })


@require_POST
def create_key(request):
    _require_ops(request)
    try:
        key, raw = services.create_write_key(request.POST.get("name", ""), created_by=request.user)
    except ValidationError as e:
        messages.error(request, "; ".join(e.messages))
    else:
        messages.success(request, f"Write key for “{key.name}”: {raw} — copy it now, it is not shown again.")
    return redirect("usage:setup")


@require_POST
def revoke_key(request, pk: int):
    _require_ops(request)
    key = get_object_or_404(WriteKey, pk=pk)
    services.revoke_write_key(key)
    messages.success(request, f"Revoked {key}. Events sent with it are refused from now on.")
    return redirect("usage:setup")


@require_POST
def edit_feature(request, pk: int):
    _require_ops(request)
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
