"""``tenure signals --all`` / ``tenure signals ACCOUNT_ID …``: detect risk signals now, and wake snoozed tasks."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from tenure.accounts.models import Account
from tenure.risk.services import detect_signals
from tenure.risk.work import wake_snoozed_tasks


class Command(BaseCommand):
    help = "Detect signals now (and open tasks for new ones) for every account or the accounts given."

    def add_arguments(self, parser):
        parser.add_argument("account_ids", nargs="*", type=int, help="Accounts to check.")
        parser.add_argument("--all", action="store_true", help="Check every account.")
        parser.add_argument("--as-of", type=dt.date.fromisoformat, default=None, help="The day, YYYY-MM-DD.")

    def handle(self, *args, account_ids, all, as_of, **options):
        if all == bool(account_ids):
            raise CommandError("give account ids or --all")
        ids = list(Account.objects.values_list("pk", flat=True)) if all else account_ids
        woken = wake_snoozed_tasks(as_of)
        r = detect_signals(ids, as_of)
        self.stdout.write(
            f"{r.checked} accounts checked: {r.opened} signals opened, {r.refreshed} still open, {r.resolved} "
            f"resolved; {r.tasks_opened} tasks opened, {r.tasks_closed} closed by themselves, {woken} woken."
        )
