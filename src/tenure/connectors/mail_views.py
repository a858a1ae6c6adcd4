"""The Email capture page: my capture address and how to use it, my captured mail, and the mail no account matched,
which I put on an account's timeline by hand."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from tenure.accounts.models import Account
from tenure.connectors import mail_capture
from tenure.connectors.models import CapturedMail, CaptureStatus
from tenure.paging import paged
from tenure.users.permissions import require_writer

ACCOUNT_CHOICES = 1000  # the accounts offered to assign unmatched mail to (the user's own first)


def mail_page(request):
    user = request.user
    unmatched = list(mail_capture.unmatched(user)[:50])
    captured = paged(request, CapturedMail.objects.filter(user=user, status=CaptureStatus.MATCHED)
                     .prefetch_related("accounts"), 25)
    choices = []
    if unmatched and user.can_write:
        own = list(Account.objects.filter(owner=user).only("name"))
        others = list(Account.objects.exclude(owner=user).only("name")[:ACCOUNT_CHOICES])
        choices = own + others
    return render(request, "connectors/mail.html", {
        "address": mail_capture.address_of(user), "has_email": bool(user.email), "unmatched": unmatched,
        "captured": captured, "accounts": choices,
    })


@require_POST
def renew(request):
    require_writer(request)  # a read-only user's mail goes on no timeline: their address is theirs to read only
    mail_capture.renew_address(request.user)
    messages.success(request, "Your capture address is new: the old one no longer takes mail.")
    return redirect("connectors:mail")


@require_POST
def assign(request, pk: int):
    captured = get_object_or_404(CapturedMail, pk=pk)
    if captured.user_id != request.user.pk or not request.user.can_write:
        raise PermissionDenied("Only the person who captured this mail assigns it.")
    account = Account.objects.filter(pk=request.POST.get("account") or 0).first() if (
        str(request.POST.get("account", "")).isdigit()) else None
    if account is None:
        messages.error(request, "Choose an account.")
        return redirect("connectors:mail")
    try:
        mail_capture.assign(captured, account, by=request.user)
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
        return redirect("connectors:mail")
    messages.success(request, f"“{captured.subject or 'The mail'}” is on {account.name}'s timeline.")
    return redirect("connectors:mail")
