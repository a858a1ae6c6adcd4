"""Each detector on hand-built facts: it fires, it stays quiet, and where the threshold's edge lies."""

import datetime as dt

from tenure.risk import detectors as d
from tests.risk.conftest import AS_OF, facts

DAY = dt.timedelta(days=1)


def kinds(candidates):
    return [c.kind for c in candidates]


def test_a_healthy_account_raises_no_risk_signal(t):
    assert [c for c in d.detect(facts(), t) if c.driver != "lifecycle"] == []


# ---- disengagement


def test_active_users_drop_fires_at_the_threshold_and_carries_its_numbers(t):
    [c] = d.active_users_drop(facts(active_users=7, active_users_earlier=10), t)  # exactly 30%
    assert c.kind == "active_users_drop" and c.driver == "disengagement"
    assert c.numbers["active_users"] == 7 and c.numbers["active_users_earlier"] == 10 and c.numbers["drop_pct"] == 30
    assert "7" in c.title and "10" in c.title


def test_active_users_drop_below_the_threshold_does_not_fire(t):
    assert d.active_users_drop(facts(active_users=8, active_users_earlier=10), t) == []


def test_active_users_drop_ignores_accounts_too_small_to_tell(t):
    assert d.active_users_drop(facts(active_users=0, active_users_earlier=4), t) == []


def test_low_utilization_fires_under_the_threshold_but_not_at_it(t):
    assert kinds(d.low_utilization(facts(active_users=5, seats=20), t)) == ["low_utilization"]  # 25%
    assert d.low_utilization(facts(active_users=6, seats=20), t) == []  # 30%


def test_usage_signals_stay_quiet_while_no_usage_is_recorded_yet(t):
    f = facts(active_users=0, active_users_earlier=0, seats=20, last_active_on=None, stage="onboarding",
              customer_since=AS_OF - 100 * DAY, usage_known_since=None)
    assert d.low_utilization(f, t) == d.onboarding_stalled(f, t) == d.expansion_ready(f, t) == []
    recent = facts(active_users=0, seats=20, last_active_on=None, usage_known_since=AS_OF - 10 * DAY)
    assert d.low_utilization(recent, t) == []  # recording began inside the window: not yet known


def test_an_account_nobody_uses_while_usage_arrives_is_at_zero_utilization(t):
    """One definition of utilization for health, signals and pages: no activity at all is 0%, not unknown."""
    f = facts(active_users=0, seats=20, last_active_on=None)
    assert f.utilization == 0
    assert kinds(d.low_utilization(f, t)) == ["low_utilization"]


def test_low_utilization_leaves_onboarding_accounts_to_the_onboarding_rule(t):
    assert d.low_utilization(facts(active_users=1, seats=20, stage="onboarding"), t) == []


def test_logins_plateau_fires_for_a_ramping_account_under_target(t):
    f = facts(stage="adopting", active_users=6, seats=20, logins=41, logins_before=40)
    assert kinds(d.logins_plateau(f, t)) == ["logins_plateau"]


def test_logins_plateau_does_not_fire_while_logins_grow_or_once_adopted(t):
    assert d.logins_plateau(facts(stage="adopting", active_users=6, seats=20, logins=50, logins_before=40), t) == []
    assert d.logins_plateau(facts(stage="adopting", active_users=12, seats=20, logins=40, logins_before=40), t) == []
    assert d.logins_plateau(facts(stage="mature", active_users=6, seats=20, logins=40, logins_before=40), t) == []


def test_key_feature_abandoned_fires_per_feature_nobody_uses_any_more(t):
    f = facts(features=[d.FeatureFact("Report Exported", "Export a report", 5, 0),
                        d.FeatureFact("Alert Created", "Create an alert", 4, 0),
                        d.FeatureFact("Dashboard Viewed", "View a dashboard", 9, 3)])
    [c] = d.key_feature_abandoned(f, t)
    assert c.subject == "Report Exported" and c.numbers["users_before"] == 5


def test_onboarding_stalled_fires_after_the_onboarding_days_with_low_utilization(t):
    f = facts(stage="onboarding", customer_since=AS_OF - 61 * DAY, active_users=2, seats=20)
    [c] = d.onboarding_stalled(f, t)
    assert c.numbers["days_in_onboarding"] == 61


def test_onboarding_stalled_waits_for_the_onboarding_days_and_spares_adopting_users(t):
    assert d.onboarding_stalled(facts(stage="onboarding", customer_since=AS_OF - 60 * DAY, active_users=2), t) == []
    assert d.onboarding_stalled(facts(stage="onboarding", customer_since=AS_OF - 90 * DAY, active_users=10), t) == []


# ---- disconnection


def test_sponsor_left_fires_when_nobody_else_is_sponsor(t):
    gone = d.ContactFact(7, "Hank", "executive_sponsor", left_on=AS_OF - 10 * DAY)
    [c] = d.contact_left(facts(contacts=[gone]), t)
    assert c.kind == "sponsor_left" and c.subject == "contact:7" and c.driver == "disconnection"
    assert c.records == [{"model": "accounts.contact", "id": 7, "label": "Hank"}]


def test_a_named_successor_means_the_sponsor_left_signal_does_not_fire(t):
    gone = d.ContactFact(7, "Hank", "executive_sponsor", left_on=AS_OF - 10 * DAY)
    new = d.ContactFact(8, "Marge", "executive_sponsor")
    assert d.contact_left(facts(contacts=[gone, new]), t) == []


def test_champion_not_touched_fires_after_the_days_and_not_on_the_edge(t):
    old = d.ContactFact(3, "Frank", "champion", last_touched_on=AS_OF - 91 * DAY)
    edge = d.ContactFact(4, "Gina", "executive_sponsor", last_touched_on=AS_OF - 90 * DAY)
    [c] = d.contact_not_touched(facts(contacts=[old, edge]), t)
    assert c.kind == "champion_not_touched" and c.numbers["days_since_touch"] == 91


def test_contacts_never_touched_do_not_fire(t):
    assert d.contact_not_touched(facts(contacts=[d.ContactFact(3, "Frank", "champion")]), t) == []


def test_no_touch_fires_after_the_days(t):
    assert kinds(d.no_touch(facts(last_touch_on=AS_OF - 61 * DAY), t)) == ["no_touch"]
    assert d.no_touch(facts(last_touch_on=AS_OF - 60 * DAY), t) == []


def test_high_priority_tickets_unresolved_past_the_days_fire_with_every_ticket_listed(t):
    tickets = [d.TicketFact(1, "Down", "urgent", AS_OF - 8 * DAY), d.TicketFact(2, "Slow", "high", AS_OF - 7 * DAY),
               d.TicketFact(3, "Broken", "high", AS_OF - 20 * DAY)]
    [c] = d.tickets_unresolved(facts(open_tickets=tickets), t)
    assert c.numbers["tickets"] == 2 and c.numbers["oldest_days"] == 20 and c.severity == "high"
    assert [r["id"] for r in c.records] == [3, 1]


# ---- downturn


def test_seats_reduced_fires_on_a_cut_of_at_least_the_threshold(t):
    move = d.SubscriptionMove(5, AS_OF - 30 * DAY, "Growth", "Growth", 40, 36, 2000.0, 1800.0)
    [c] = d.seats_reduced(facts(seats=36, seats_before=40, moves=[move]), t)
    assert c.numbers["drop_pct"] == 10 and c.driver == "downturn"
    small = d.SubscriptionMove(5, AS_OF - 30 * DAY, "Growth", "Growth", 40, 37, 2000.0, 1850.0)
    assert d.seats_reduced(facts(seats=37, seats_before=40, moves=[small]), t) == []


def test_downgrade_fires_on_a_cheaper_plan(t):
    move = d.SubscriptionMove(5, AS_OF - 30 * DAY, "Enterprise", "Growth", 40, 40, 4000.0, 2000.0)
    [c] = d.downgrade(facts(moves=[move]), t)
    assert c.subject == "subscription:5" and c.numbers["plan_after"] == "Growth"


def test_payment_failed_is_high_severity_once_overdue(t):
    recent = d.SubscriptionFact(1, "Growth", "past_due", 20, 1000.0, past_due_since=AS_OF - 14 * DAY)
    late = d.SubscriptionFact(2, "Add-on", "past_due", 5, 100.0, past_due_since=AS_OF - 15 * DAY)
    fine = d.SubscriptionFact(3, "Other", "active", 5, 100.0)
    by_subject = {c.subject: c for c in d.payment_failed(facts(subscriptions=[recent, late, fine]), t)}
    assert by_subject["subscription:1"].severity == "medium"
    assert by_subject["subscription:2"].severity == "high" and "overdue" in by_subject["subscription:2"].title
    assert "subscription:3" not in by_subject


# ---- lifecycle rules


def test_renewal_due_fires_within_the_days(t):
    sub = d.SubscriptionFact(1, "Growth", "active", 20, 1000.0, end_date=AS_OF + 90 * DAY)
    [c] = d.renewal_due(facts(subscriptions=[sub]), t)
    assert c.driver == "lifecycle" and c.numbers["days_to_renewal"] == 90
    later = d.SubscriptionFact(1, "Growth", "active", 20, 1000.0, end_date=AS_OF + 91 * DAY)
    assert d.renewal_due(facts(subscriptions=[later]), t) == []


def test_expansion_ready_fires_at_ninety_percent_utilization(t):
    assert kinds(d.expansion_ready(facts(active_users=18, seats=20), t)) == ["expansion_ready"]
    assert d.expansion_ready(facts(active_users=17, seats=20), t) == []


def test_thresholds_come_from_the_settings_lists_one_entry_per_line():
    class Row:
        pass

    row = Row()
    for f in d.Thresholds.__dataclass_fields__:
        setattr(row, f, getattr(d.Thresholds(), f))
    row.competitor_names, row.churn_phrases = "Acme\n\n  Initech \n", "leaving you"
    t = d.Thresholds.from_settings(row)
    assert t.competitor_names == ("Acme", "Initech") and t.churn_phrases == ("leaving you",)
