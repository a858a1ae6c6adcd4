"""The Import page: upload a CSV, preview the import (a dry run), then confirm it. The work is in csv_import."""

import re
import secrets
import time
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render

from tenure.billing.services import EndDates
from tenure.integrations.csv_import import IMPORTERS, ImportFileError, ImportResult, import_csv, parse_mapping

TEMPLATE = "integrations/import.html"
SESSION_KEY = "integrations.pending_imports"
UPLOAD_MAX_AGE = 24 * 3600  # an upload nobody confirmed is deleted after a day
TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def _kinds():
    return [(kind, kind.capitalize()) for kind in sorted(IMPORTERS)]


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label="What the file holds", choices=_kinds)
    file = forms.FileField(label="CSV file", help_text="UTF-8; comma, semicolon or tab separated; header on line 1.")
    mapping = forms.CharField(
        label="Column mapping (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "email=E-mail Address\naccount_domain=Website"}),
        help_text="One per line: our_field=their column, for columns whose names differ from ours.",
    )
    end_dates = forms.ChoiceField(
        label="Subscription end dates",
        choices=[("auto", "Decide from the file (an account's terms meeting on one day: exclusive)"),
                 (EndDates.INCLUSIVE, "Inclusive: the last paid day (Jan 1 to Jan 31)"),
                 (EndDates.EXCLUSIVE, "Exclusive: the next term's start (Jan 1 to Feb 1)")],
        initial="auto",
        required=False,
        help_text="For subscriptions: how the file writes a term's end_date. Tenure stores it inclusive; billing "
                  "systems usually export exclusive end dates (Stripe's current_period_end), which are stored "
                  "one day earlier. By default the import decides from the file and says which it chose.",
    )

    def kind_options(self) -> dict[str, str]:
        """The options of the chosen kind (end dates only concern subscriptions)."""
        if self.cleaned_data["kind"] == "subscriptions":
            return {"end_dates": self.cleaned_data.get("end_dates") or "auto"}
        return {}


def _upload_dir() -> Path:
    path = Path(settings.DATA_DIR) / "uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _upload_path(token: str) -> Path:
    if not TOKEN.match(token):
        raise ValueError("bad upload token")
    return _upload_dir() / f"import-{token}.csv"


def _delete_stale_uploads() -> None:
    cutoff = time.time() - UPLOAD_MAX_AGE
    for path in _upload_dir().glob("import-*.csv"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except OSError:
            pass


def _page(request, form=None, *, result: ImportResult | None = None, file_error="", token="", pending=None,
          status=200):
    context = {"form": form or ImportForm(), "result": result, "file_error": file_error, "token": token,
               "pending": pending, "kind_help": [IMPORTERS[k].describe() for k in sorted(IMPORTERS)]}
    if result is not None:
        context["preview_rows"] = [
            (p.line, p.action, [p.values.get(c, "") for c in result.columns]) for p in result.preview
        ]
    return render(request, TEMPLATE, context, status=status)


def import_page(request):
    if not request.user.can_write:
        return render(request, TEMPLATE, {"forbidden": True}, status=403)
    if request.method == "POST":
        action = request.POST.get("action", "preview")
        if action == "confirm":
            return _confirm(request)
        if action == "cancel":
            return _cancel(request)
        return _preview(request)
    return _page(request)


def _pending(request) -> dict:
    return dict(request.session.get(SESSION_KEY, {}))


def _preview(request):
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, form, status=400)
    _delete_stale_uploads()
    upload = form.cleaned_data["file"]
    token = secrets.token_urlsafe(24)
    path = _upload_path(token)
    with path.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    kind = form.cleaned_data["kind"]
    try:
        mapping = parse_mapping(form.cleaned_data["mapping"].splitlines())
        options = form.kind_options()
        result = import_csv(kind, path, mapping=mapping, dry_run=True, options=options)
    except ImportFileError as exc:
        path.unlink(missing_ok=True)
        return _page(request, form, file_error=f"{upload.name}: {exc}", status=400)
    if not result.ok:
        path.unlink(missing_ok=True)
        return _page(request, form, result=result, status=400)
    pending = _pending(request)
    pending[token] = {"kind": kind, "mapping": mapping, "filename": upload.name, "options": options}
    request.session[SESSION_KEY] = pending
    return _page(request, form, result=result, token=token, pending=pending[token])


def _take_pending(request) -> tuple[dict | None, Path | None]:
    token = request.POST.get("token", "")
    pending = _pending(request)
    entry = pending.pop(token, None)
    request.session[SESSION_KEY] = pending
    if entry is None:
        return None, None
    return entry, _upload_path(token)


def _confirm(request):
    entry, path = _take_pending(request)
    if entry is None or not path.exists():
        messages.error(request, "That upload is no longer available; upload the file again.")
        return redirect("integrations:import")
    try:
        result = import_csv(entry["kind"], path, mapping=entry["mapping"], options=entry.get("options"))
    except ImportFileError as exc:
        return _page(request, file_error=f"{entry['filename']}: {exc}", status=400)
    finally:
        path.unlink(missing_ok=True)
    if not result.ok:  # the data changed since the preview
        return _page(request, result=result, status=400)
    messages.success(
        request,
        f"Imported {entry['filename']}: {result.rows} {entry['kind']}, {result.created} created, "
        f"{result.updated} updated, {result.unchanged} unchanged.",
    )
    return redirect("integrations:import")


def _cancel(request):
    entry, path = _take_pending(request)
    if path is not None:
        path.unlink(missing_ok=True)
    if entry is not None:
        messages.info(request, f"Import of {entry['filename']} cancelled; nothing was written.")
    return redirect("integrations:import")
