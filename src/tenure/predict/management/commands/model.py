import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError

from tenure.predict import services
from tenure.predict.models import LABELS


def _pct(value) -> str:
    return "—" if value is None else f"{value:.3f}"


class Command(BaseCommand):
    help = (
        "The churn model. `tenure model train`: back-test both candidates on history, keep the better one, "
        "store it and score every paying account. `tenure model evaluate [--json]`: the back-test only "
        "(AUC, top-decile lift, calibration), nothing stored. `tenure model predict`: re-score with the "
        "active model."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        for name in ("train", "evaluate"):
            p = sub.add_parser(name)
            p.add_argument("--horizon", type=int, default=None, help="churn within N days (default 30)")
            p.add_argument("--grace", type=int, default=None, help="grace period in days (default 7)")
            p.add_argument("--step", type=int, default=None,
                           help="days between observation dates (default: a week, widened to stay within "
                                "--max-dates, never more than the horizon)")
            p.add_argument("--max-dates", type=int, default=None, help="observation dates at most (default 52)")
            p.add_argument("--tree-budget", type=int, default=300,
                           help="boosting iterations of the gradient-boosted trees (default 300)")
            p.add_argument("--as-of", type=dt.date.fromisoformat, default=None,
                           help="the last day of history to use, YYYY-MM-DD (default: today, or the last day a "
                                "history that stopped knows: its latest usage or subscription change)")
            p.add_argument("--json", action="store_true", help="print the results as JSON")
        p = sub.add_parser("predict")
        p.add_argument("--as-of", type=dt.date.fromisoformat, default=None,
                       help="score the accounts paying on this day, YYYY-MM-DD (default as for train)")

    def handle(self, *args, action, **opts):
        if action == "predict":
            model = services.active_model()
            if model is None:
                raise CommandError("No trained model: run `tenure model train` first.")
            as_of = opts["as_of"] or services.last_known_day()
            count = services.predict(model, as_of)
            if count:
                self.stdout.write(f"Scored {count} accounts paying on {as_of} with churn model v{model.version}.")
            else:
                self.stdout.write(f"Nobody pays on {as_of}: nothing scored, the stored predictions are kept "
                                  "(choose the day with --as-of).")
            return
        kwargs = {"as_of": opts["as_of"], "horizon": opts["horizon"], "grace": opts["grace"], "step": opts["step"],
                  "max_dates": opts["max_dates"], "tree_budget": opts["tree_budget"]}
        try:
            if action == "train":
                result = services.train(**kwargs)
                report = result.model.metrics | {"version": result.model.version, "scored": result.scored,
                                                 "seconds": round(result.seconds, 1)}
            else:
                bt, data = services.evaluate(**kwargs)
                horizon = kwargs["horizon"] or services.horizon_days()
                grace = kwargs["grace"] if kwargs["grace"] is not None else services.metrics.grace_days()
                settings = {k: kwargs[k] for k in ("step", "max_dates", "tree_budget")}
                report = services.summary(bt, data, horizon, grace, settings)
        except services.NotEnoughHistory as exc:
            raise CommandError(str(exc)) from None
        if opts["json"]:
            self.stdout.write(json.dumps(report, indent=2, default=str))
            return
        self.stdout.write(
            f"{report['observations']} observations of {report['accounts']} accounts on "
            f"{len(report['observation_dates'])} dates, {report['churns']} churns within {report['horizon_days']} "
            f"days (grace {report['grace_days']} days), {report['features']} features."
        )
        self.stdout.write(
            f"Back-test (rolling origin): {len(report['test_dates'])} test dates from {report['test_dates'][0]} to "
            f"{report['test_dates'][-1]}, predicted by {len(report['folds'])} successive retrains, each fitted only on "
            f"the dates whose outcome was known by then (the first on {len(report['train_dates'])} dates up to "
            f"{report['train_dates'][-1] if report['train_dates'] else '—'}); predictions pooled.")
        if report.get("observation"):
            self.stdout.write(f"Chosen for this history: {report['observation']}.")
        for kind, s in report["backtest"].items():
            if s.get("error"):
                self.stdout.write(f"  {LABELS.get(kind, kind):<26} failed: {s['error']}")
                continue
            mark = "  ← chosen" if kind == report["chosen"] else ""
            self.stdout.write(
                f"  {LABELS[kind]:<26} AUC {_pct(s['auc'])}  top-decile lift {_pct(s['top_decile_lift'])}  "
                f"Brier {_pct(s['brier'])}  calibrated: {s.get('calibration_method', 'none')}  "
                f"({s['rows']} rows, {s['churns']} churns){mark}"
            )
            every = s.get("all_observations")
            if every:
                self.stdout.write(
                    f"  {'':<26} every test observation: AUC {_pct(every['auc'])}  top-decile lift "
                    f"{_pct(every['top_decile_lift'])}  ({every['rows']} rows, {every['churns']} churns)")
        diff = report.get("comparison") or {}
        if diff.get("interval_90"):
            low, high = diff["interval_90"]
            self.stdout.write(
                f"  Trees minus logistic: AUC {diff['auc_difference']:+.3f} (90% interval {low:+.3f} to {high:+.3f}, "
                f"paired bootstrap over accounts, {diff['resamples']} resamples).")
        if action == "train":
            self.stdout.write(self.style.SUCCESS(
                f"Model v{report['version']} stored; {report['scored']} accounts scored in {report['seconds']} s."))
