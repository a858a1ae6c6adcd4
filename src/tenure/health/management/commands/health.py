import json

from django.core.management.base import BaseCommand, CommandError

from tenure.health.models import ScorecardVersion


class Command(BaseCommand):
    help = "Health score tools. `tenure health backtest`: does the score N days before an outcome predict it?"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        bt = sub.add_parser("backtest", help="AUC and churn rate per band of the score N days before each outcome")
        bt.add_argument("--days", type=int, default=30, help="days before the renewal or churn (default 30)")
        bt.add_argument("--version", type=int, action="append",
                        help="re-score history with this scorecard version id (repeat to compare)")
        bt.add_argument("--json", action="store_true", help="print JSON")
        bf = sub.add_parser("backfill", help="store weekly snapshots for the past year, each as of its day")
        bf.add_argument("--days", type=int, default=365)
        bf.add_argument("--step", type=int, default=7)

    def handle(self, *args, action, **opts):
        from tenure.health import services

        if action == "backfill":
            n = services.backfill_health(days=opts["days"], step=opts["step"])
            self.stdout.write(f"Stored {n} snapshots.")
            return
        results = [services.backtest(days=opts["days"])]
        for number in opts["version"] or []:
            try:
                version = ScorecardVersion.objects.select_related("scorecard").get(pk=number)
            except ScorecardVersion.DoesNotExist:
                raise CommandError(f"no scorecard version with id {number}") from None
            results.append(services.backtest(days=opts["days"], version=version))
        if opts["json"]:
            self.stdout.write(json.dumps([r.as_dict() for r in results], indent=2))
            return
        for r in results:
            auc = "n/a (needs both renewals and churns)" if r.auc is None else f"{r.auc:.3f}"
            self.stdout.write(f"{r.version}: score {r.days} days before {r.samples} outcomes "
                              f"({r.churned} churned): AUC {auc}")
            for b in r.bands:
                rate = "—" if b.churn_rate is None else f"{100 * b.churn_rate:.0f}%"
                self.stdout.write(f"  {b.band:<7} {b.accounts:>5} accounts  {b.churned:>4} churned  churn rate {rate}")
