"""Set-up → Connections: each source with its runs, test, sync now, pause, its conflicts; and the webhook door."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from tenure.connectors import secrets, sync
from tenure.connectors.models import Conflict, Connection, InboxEvent, InboxStatus
from tenure.paging import paged
from tenure.users.permissions import require_setup

MAX_WEBHOOK_BYTES = 1_000_000


class ConnectionForm(forms.Form):
    """The source, then each source's credentials (only the chosen source's are read) and a test server."""

    kind = forms.ChoiceField(label="Source", choices=[])
    name = forms.CharField(max_length=100, required=False, help_text="Default: the source's name.")
    api_base = forms.URLField(label="Test server", required=False, assume_scheme="http",
                              help_text="Only to try it: a local server that speaks the source's API (e.g. "
                                        "localstripe).")
    every_minutes = forms.IntegerField(label="Sync every (minutes)", min_value=1, max_value=24 * 60, initial=60)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k, s.label) for k, s in sorted(sync.SOURCES.items())]
        for kind, source in sorted(sync.SOURCES.items()):
            for key, label in source.credential_fields:
                self.fields[f"{kind}__{key}"] = forms.CharField(
                    label=f"{source.label}: {label}", max_length=500, required=False,
                    widget=forms.PasswordInput(attrs={"autocomplete": "off"}))

    def credentials(self) -> dict:
        kind = self.cleaned_data["kind"]
        return {key: self.cleaned_data.get(f"{kind}__{key}") or "" for key, _ in sync.SOURCES[kind].credential_fields}


def connections_page(request):
    can_manage = request.user.manages_setup
    form = ConnectionForm(request.POST or None) if can_manage else None
    if request.method == "POST":
        require_setup(request, "manage connections")
        if form.is_valid():
            data = form.cleaned_data
            try:
                connection = sync.create_connection(
                    kind=data["kind"], name=data["name"], every_minutes=data["every_minutes"], by=request.user,
                    credentials=form.credentials(),
                    options={"api_base": data["api_base"]} if data["api_base"] else {})
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, f"Added {connection}. Test it, then sync it.")
                return redirect("connectors:detail", connection.pk)
    connections = Connection.objects.all()
    for connection in connections:
        connection.last_run = connection.runs.exclude(trigger="test").first()
        connection.open_conflicts = connection.conflicts.filter(resolution="").count()
    return render(request, "connectors/connections.html", {
        "connections": connections, "form": form, "can_manage": can_manage})


def connection_page(request, pk: int):
    connection = get_object_or_404(Connection, pk=pk)
    runs = paged(request, connection.runs.all(), 25)
    try:
        source = sync.source_for(connection)
    except (sync.SourceError, secrets.CredentialsUnreadable):
        source = None
    return render(request, "connectors/connection.html", {
        "connection": connection, "runs": runs, "can_manage": request.user.manages_setup,
        "credentials": sync.credentials_set(connection),
        "credential_fields": sync.SOURCES[connection.kind].credential_fields if connection.kind in sync.SOURCES
        else (),
        "webhook_url": request.build_absolute_uri(reverse("connectors:webhook", args=[connection.pk])),
        "conflicts": connection.conflicts.filter(resolution="")[:100],
        "failed_events": connection.inbox.exclude(status__in=[InboxStatus.DONE, InboxStatus.SKIPPED])
        .exclude(attempts=0).order_by("-received_at")[:50],
        "pending": connection.inbox.filter(status=InboxStatus.PENDING).count(),
        "rules": [(name, source.rule(name)) for name in type(source).rule_fields()] if source else [],
    })


@require_POST
def test(request, pk: int):
    require_setup(request, "manage connections")
    run = sync.test_connection(get_object_or_404(Connection, pk=pk))
    (messages.success if run.status == "succeeded" else messages.error)(request, run.message)
    return redirect("connectors:detail", pk)


@require_POST
def sync_now(request, pk: int):
    require_setup(request, "manage connections")
    from tenure.connectors.tasks import sync_connection

    sync_connection(pk, trigger="sync now", full=request.POST.get("full") == "1")
    messages.success(request, "Sync started; its run appears below and counts as pages are stored.")
    return redirect("connectors:detail", pk)


@require_POST
def pause(request, pk: int):
    require_setup(request, "manage connections")
    connection = get_object_or_404(Connection, pk=pk)
    sync.pause(connection, not connection.paused)
    return redirect("connectors:detail", pk)


@require_POST
def credentials(request, pk: int):
    require_setup(request, "manage connections")
    connection = get_object_or_404(Connection, pk=pk)
    sync.set_credentials(connection, {k: request.POST.get(k, "") for k, _ in sync.SOURCES[connection.kind]
                                      .credential_fields})
    messages.success(request, "Credentials saved (blank fields kept their stored value).")
    return redirect("connectors:detail", pk)


@require_POST
def rules(request, pk: int):
    require_setup(request, "manage connections")
    connection = get_object_or_404(Connection, pk=pk)
    chosen = {name: request.POST.get(name, "") for name in sync.SOURCES[connection.kind].rule_fields()}
    try:
        sync.set_rules(connection, {k: v for k, v in chosen.items() if v})
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Saved who wins each field; the next sync follows it.")
    return redirect("connectors:detail", pk)


@require_POST
def resolve(request, pk: int):
    require_setup(request, "resolve connection conflicts")
    conflict = get_object_or_404(Conflict, pk=pk)
    sync.resolve_conflict(conflict, take_source=request.POST.get("take") == "source", by=request.user)
    return redirect("connectors:detail", conflict.connection_id)


@require_POST
def retry_event(request, pk: int):
    require_setup(request, "manage connections")
    event = get_object_or_404(InboxEvent, pk=pk)
    InboxEvent.objects.filter(pk=pk).update(status=InboxStatus.PENDING, attempts=0)
    from tenure.connectors.tasks import process_webhooks

    process_webhooks(event.connection_id)
    return redirect("connectors:detail", event.connection_id)


@csrf_exempt
@login_not_required
@require_POST
def webhook(request, pk: int):
    """A source's webhook: checked, stored, then answered 200 (stored means kept); processed by the queue."""
    connection = Connection.objects.filter(pk=pk).first()
    if connection is None:
        return JsonResponse({"error": "no such connection"}, status=404)
    if len(request.body) > MAX_WEBHOOK_BYTES:
        return JsonResponse({"error": f"larger than {MAX_WEBHOOK_BYTES:,} bytes"}, status=413)
    try:
        new = sync.receive(connection, request.body, request.headers, request.build_absolute_uri())
    except sync.WebhookRefused as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    except sync.SourceError as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    if new:
        from tenure.connectors.tasks import process_webhooks

        process_webhooks(connection.pk)
    return HttpResponse(status=200)
