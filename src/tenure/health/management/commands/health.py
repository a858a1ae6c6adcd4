import json

from django.core.management.base import BaseCommand, CommandError

from tenure.health.models import ScorecardVersion


class Command(BaseCommand):
    help = ("Health score tools. `tenure health backtest`: does the score N days before an outcome predict it? "
            "`tenure health suggest`: weights fitted to that history")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        bt = sub.add_parser("backtest", help="AUC and churn rate per band of the score N days before each outcome")
        bt.add_argument("--days", type=int, default=30, help="days before the renewal or churn (default 30)")
        bt.add_argument("--version", type=int, action="append",
                        help="re-score history with this scorecard version id (repeat to compare); by default "
                             "the stored snapshots, and the default scorecard's version in force once it has "
                             "been changed")
        bt.add_argument("--json", action="store_true", help="print JSON")
        sg = sub.add_parser("suggest", help="fit the measures' weights to the account history: a draft version "
                            "with its back-test before and after")
        sg.add_argument("--days", type=int, default=90, help="fit on the scores this many days before each outcome")
        sg.add_argument("--scorecard", default="", help="scorecard name (default: the default scorecard)")
        sg.add_argument("--accept", action="store_true", help="save the draft as the scorecard's next version")
        sg.add_argument("--json", action="store_true", help="print the report as JSON")
        bf = sub.add_parser("backfill", help="store weekly snapshots for the past year, each as of its day")
        bf.add_argument("--days", type=int, default=365)
        bf.add_argument("--step", type=int, default=7)

    def handle(self, *args, action, **opts):
        from tenure.health import services

        if action == "backfill":
            n = services.backfill_health(days=opts["days"], step=opts["step"])
            self.stdout.write(f"Stored {n} snapshots.")
            return
        if action == "suggest":
            self._suggest(services, opts)
            return
        results = [services.backtest(days=opts["days"])]
        numbers = opts["version"] or []
        in_force = services.default_version()
        if not numbers and in_force.number > 1:
            # The stored snapshots were scored by the versions then in force; after a change (an accepted
            # suggestion, say) what the scorecard now in force would have said is the figure that matters.
            numbers = [in_force.pk]
        for number in numbers:
            try:
                version = ScorecardVersion.objects.select_related("scorecard").get(pk=number)
            except ScorecardVersion.DoesNotExist:
                raise CommandError(f"no scorecard version with id {number}") from None
            results.append(services.backtest(days=opts["days"], version=version))
        if opts["json"]:
            self.stdout.write(json.dumps([r.as_dict() for r in results], indent=2))
            return
        for r in results:
            self._table(r.as_dict())

    def _table(self, r: dict, indent: str = "") -> None:
        auc = "n/a (needs both renewals and churns)" if r["auc"] is None else f"{r['auc']:.3f}"
        self.stdout.write(f"{indent}{r['version']}: score {r['days']} days before {r['samples']} outcomes "
                          f"({r['churned']} churned): AUC {auc}")
        for b in r["bands"]:
            rate = "—" if b["churn_rate"] is None else f"{100 * b['churn_rate']:.0f}%"
            self.stdout.write(f"{indent}  {b['band']:<7} {b['accounts']:>5} accounts  {b['churned']:>4} churned"
                              f"  churn rate {rate}")

    def _suggest(self, services, opts) -> None:
        from tenure.health.models import Scorecard
        from tenure.health.suggest import NotEnoughHistory

        card = None
        if opts["scorecard"]:
            card = Scorecard.objects.filter(name=opts["scorecard"]).first()
            if card is None:
                raise CommandError(f"no scorecard named {opts['scorecard']!r}")
        try:
            draft = services.suggest_weights(card, days=opts["days"])
        except NotEnoughHistory as exc:
            raise CommandError(str(exc)) from None
        if opts["json"]:
            self.stdout.write(json.dumps({"definition": draft.definition, "report": draft.report}, indent=2))
        else:
            self._report(draft)
        if opts["accept"]:
            version = services.accept_suggestion(draft)
            self.stdout.write(f"Accepted: {version} is in force; its accounts are being re-scored.")
        else:
            self.stdout.write(f"Draft {draft.pk} saved: accept it on the scorecard's page, or with --accept.")

    def _report(self, draft) -> None:
        from tenure.health.measures import CATALOG

        report = draft.report
        before = {m["key"]: m["weight"] for m in draft.based_on.definition["measures"]}
        self.stdout.write(f"Suggested weights for {draft.scorecard.name} (fitted on {report['samples']} outcomes, "
                          f"{report['churned']} churned, {report['fit_days']} days before each):")
        for m in draft.definition["measures"]:
            self.stdout.write(f"  {CATALOG[m['key']].label:<28} {before.get(m['key'], 0):>5g} → {m['weight']:g}")
        old, new = draft.based_on.definition["thresholds"], draft.definition["thresholds"]
        self.stdout.write(f"  thresholds: red below {old['red']:g} → {new['red']:g}, green from {old['green']:g}"
                          f" → {new['green']:g}")
        if "today" in report:
            today = report["today"]
            self.stdout.write("  today's accounts: " + ", ".join(
                f"{band} {today['before'][band]} → {today['after'][band]}" for band in today["before"]))
        titles = {"in_sample": "in sample (fitted on these outcomes)",
                  "later_outcomes": f"out of sample: outcomes from {report.get('split_day')} on, fitted before",
                  "other_accounts": "out of sample: 5 folds by account, each fitted without its accounts"}
        for days, parts in report["horizons"].items():
            for part, title in titles.items():
                if part in parts:
                    self.stdout.write(f"{days} days before, {title}:")
                    self._table(parts[part]["before"], "  before ")
                    self._table(parts[part]["after"], "  after  ")
                    if parts[part].get("unscored"):
                        self.stdout.write(f"  ({parts[part]['unscored']} outcomes left out: the draft weighs no "
                                          "measure with data there)")
