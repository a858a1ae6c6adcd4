"""The demo's at-risk accounts show a signal of their cause's driver; the demo has tasks to work on."""

from tenure.demo.models import CAUSE_DRIVERS, DemoScenario
from tenure.demo.services import build_demo
from tenure.risk.models import Signal, Task
from tests.demo.conftest import TODAY


def test_demo_at_risk_accounts_mostly_show_a_signal_of_their_causes_driver(db):
    result = build_demo(seed=7, accounts=60, today=TODAY)
    assert result.counts["open signals"] > 0 and result.counts["open tasks"] > 0
    drivers: dict[int, set[str]] = {}
    for account_id, driver in Signal.objects.filter(resolved_on__isnull=True).values_list("account_id", "driver"):
        drivers.setdefault(account_id, set()).add(driver)
    at_risk = list(DemoScenario.objects.filter(scenario="at_risk"))
    matched = [s for s in at_risk if CAUSE_DRIVERS[s.cause] in drivers.get(s.account_id, set())]
    assert len(at_risk) >= 6
    assert len(matched) / len(at_risk) >= 0.8, [(s.cause, drivers.get(s.account_id)) for s in at_risk]
    assert Task.objects.filter(status="open", owner__isnull=False).exists()
