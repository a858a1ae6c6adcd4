"""The Webhooks page: receivers, their delivery log, a test event and replay."""

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from tenure.integrations import webhooks
from tenure.integrations.models import WebhookDelivery, WebhookEndpoint, event_label
from tenure.paging import paged
from tenure.users.permissions import require_setup


class EndpointForm(forms.ModelForm):
    url = forms.URLField(label="URL", max_length=500, assume_scheme="https")
    event_types = forms.MultipleChoiceField(
        choices=[(t, event_label(t)) for t in webhooks.EVENT_TYPES if t != "test"], required=False,
        widget=forms.CheckboxSelectMultiple, help_text="None ticked: every event.",
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["name", "url", "format", "event_types"]



def webhooks_page(request):
    can_manage = request.user.manages_setup
    form = EndpointForm(request.POST or None) if can_manage else None
    if request.method == "POST":
        require_setup(request, "manage webhooks")
        if form.is_valid():
            endpoint = form.save()
            messages.success(request, f"Added {endpoint}. Signing secret: {endpoint.secret}")
            return redirect("integrations:webhooks")
    deliveries = paged(request, WebhookDelivery.objects.select_related("endpoint"), 50)
    return render(request, "integrations/webhooks.html", {
        "endpoints": WebhookEndpoint.objects.all(), "deliveries": deliveries, "form": form,
        "can_manage": can_manage,
    })


@require_POST
def send_test(request, pk: int):
    require_setup(request, "manage webhooks")
    webhooks.send_test(get_object_or_404(WebhookEndpoint, pk=pk))
    messages.success(request, "Test event queued; see the delivery log below.")
    return redirect("integrations:webhooks")


@require_POST
def replay(request, pk: int):
    require_setup(request, "manage webhooks")
    webhooks.replay(get_object_or_404(WebhookDelivery, pk=pk))
    messages.success(request, "Delivery queued again, with the same event id.")
    return redirect("integrations:webhooks")


@require_POST
def toggle(request, pk: int):
    require_setup(request, "manage webhooks")
    endpoint = get_object_or_404(WebhookEndpoint, pk=pk)
    endpoint.active = not endpoint.active
    endpoint.save(update_fields=["active"])
    return redirect("integrations:webhooks")
