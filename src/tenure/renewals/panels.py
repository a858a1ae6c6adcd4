"""What billing and the CRM say beside the account's subscriptions: the latest invoices (payment failures, refunds
and disputes a CSM reads as payment trouble) and the CRM's open and recent deals. Two queries."""

from __future__ import annotations

from tenure.billing.models import Invoice
from tenure.renewals.models import Deal, DealStatus

INVOICES_SHOWN = 5
DEALS_SHOWN = 5


def account_billing_panel(account) -> dict:
    invoices = list(Invoice.objects.filter(account=account).order_by("-issued_on", "-pk")[:INVOICES_SHOWN])
    deals = list(Deal.objects.filter(account=account).select_related("owner")
                 .order_by("-close_date", "-pk")[:DEALS_SHOWN * 2])
    deals = sorted(deals, key=lambda d: d.status != DealStatus.OPEN)[:DEALS_SHOWN]  # open ones first
    return {"invoices": invoices, "payment_trouble": any(i.payment_failures or i.disputed for i in invoices
                                                          if i.status != "paid"),
            "deals": deals}
