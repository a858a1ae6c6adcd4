from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError

from tenure.demo.models import DemoScenario
from tenure.demo.plan import DEFAULT_ACCOUNTS, DEFAULT_SEED, MIN_ACCOUNTS
from tenure.demo.services import DemoConflict, build_demo
from tenure.demo.values import PASSWORD, TEAM


class Command(BaseCommand):
    help = (
        "Build a simulated SaaS vendor (accounts, contacts, subscriptions, tickets, touches, a CS team and a "
        "year of history with renewals, expansions and churn) on the configured database, then serve the web "
        "UI. Re-running rebuilds it. A database holding data the demo did not make is left alone unless "
        "--reset is given."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="same seed, same demo (default %(default)s)")
        parser.add_argument("--accounts", type=int, default=DEFAULT_ACCOUNTS,
                            help="number of customer accounts (default %(default)s)")
        parser.add_argument("--port", type=int, default=8000, help="port for the web UI (default %(default)s)")
        parser.add_argument("--no-serve", action="store_true", help="only build the demo; do not start the web UI")
        parser.add_argument("--no-usage", action="store_true",
                            help="skip the year of product usage events (a quicker build, for tests)")
        parser.add_argument("--reset", action="store_true",
                            help="wipe ALL accounts and their records first, even those the demo did not make")

    def handle(self, *args, seed, accounts, port, no_serve, reset, no_usage=False, **opts):
        if accounts < MIN_ACCOUNTS:
            raise CommandError(f"--accounts must be at least {MIN_ACCOUNTS}")
        if not no_serve and "serve" not in get_commands():
            raise CommandError("the serve command is not installed; use --no-serve and `tenure runserver`")
        verbosity = opts.get("verbosity", 1)
        call_command("migrate", interactive=False, verbosity=max(0, verbosity - 1))
        try:
            result = build_demo(seed=seed, accounts=accounts, reset=reset, usage=not no_usage)
        except DemoConflict as exc:
            raise CommandError(str(exc)) from None

        churned = DemoScenario.objects.filter(churned_on__isnull=False).count()
        self.stdout.write(self.style.SUCCESS(
            f"Demo built in {result.seconds:.1f} s (seed {seed}, history to {result.plan.today}): "
            + ", ".join(f"{n:,} {what}" for what, n in result.counts.items() if what != "users")
            + f"; {churned} accounts churned during the year."
        ))
        self.stdout.write(f"\nSign in at http://127.0.0.1:{port}/ with password {PASSWORD!r} as:")
        roles = {"admin": "admin", "leader": "CS leader", "read_only": "read-only", "csm": "CSM"}
        for user in TEAM:
            book = f", {user.book} accounts" if user.book else ""
            self.stdout.write(f"  {user.username:<8} {user.first_name} {user.last_name} ({roles[user.role]}{book})")
        if no_serve:
            return
        self.stdout.write("")
        call_command("serve", port=port)
