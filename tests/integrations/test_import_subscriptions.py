import datetime as dt
from decimal import Decimal

import pytest

from tenure.billing.models import Subscription, SubscriptionChange
from tenure.integrations.csv_import import import_csv
from tests.factories import make_account, make_subscription

pytestmark = pytest.mark.django_db

FILE = """
    external_id,account_crm_id,plan,seats,mrr,currency,start_date,end_date,status,billing_period
    sub_1,C-1,Growth,25,"$1,250.00",usd,2026-01-01,2026-12-31,active,annual
    sub_2,C-2,Starter,5,99,USD,2026-02-01,,Trialing,Monthly
"""


@pytest.fixture
def accounts():
    return make_account(name="Acme", crm_id="C-1"), make_account(name="Globex", crm_id="C-2")


def test_good_subscriptions_file_creates_subscriptions_each_with_a_history_entry(csv_file, accounts):
    result = import_csv("subscriptions", csv_file(FILE))

    assert result.ok, result.error_lines()
    assert result.created == 2
    sub = Subscription.objects.get(external_id="sub_1")
    assert (sub.account, sub.plan, sub.seats, sub.mrr, sub.currency, sub.end_date, sub.status) == (
        accounts[0], "Growth", 25, Decimal("1250.00"), "USD", dt.date(2026, 12, 31), "active"
    )
    trial = Subscription.objects.get(external_id="sub_2")
    assert (trial.status, trial.billing_period, trial.end_date) == ("trialing", "monthly", None)
    entries = list(SubscriptionChange.objects.filter(subscription=sub))
    assert [(e.effective_on, e.source, e.seats, e.mrr) for e in entries] == [
        (dt.date(2026, 1, 1), "import", 25, Decimal("1250.00"))
    ]


def test_reimporting_the_same_subscriptions_file_adds_no_history(csv_file, accounts):
    path = csv_file(FILE)
    import_csv("subscriptions", path)

    again = import_csv("subscriptions", path)

    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert SubscriptionChange.objects.count() == 2


def test_a_changed_subscription_is_updated_with_one_history_entry_on_its_effective_date(csv_file, accounts):
    sub = make_subscription(accounts[0], external_id="SUB_1", seats=25, mrr=Decimal("1250"))
    path = csv_file("""
        external_id,seats,mrr,effective_on
        sub_1,30,1500,2026-06-01
    """)

    result = import_csv("subscriptions", path)

    assert (result.created, result.updated) == (0, 1)
    sub.refresh_from_db()
    assert (sub.seats, sub.mrr, sub.external_id) == (30, Decimal("1500.00"), "SUB_1")
    latest = sub.history.last()
    assert (sub.history.count(), latest.effective_on, latest.seats, latest.mrr, latest.source) == (
        2, dt.date(2026, 6, 1), 30, Decimal("1500.00"), "import"
    )


def test_a_change_without_effective_on_follows_the_billing_rule_for_cancellations(csv_file, accounts):
    sub = make_subscription(
        accounts[0], external_id="sub_1", start_date=dt.date(2024, 1, 1), end_date=dt.date(2024, 12, 31)
    )
    path = csv_file("""
        external_id,status
        sub_1,canceled
    """)

    import_csv("subscriptions", path)

    assert sub.history.last().effective_on == dt.date(2024, 12, 31)  # cancelled at the end of its term


def test_bad_subscription_rows_reject_the_file_with_line_column_and_reason(csv_file, accounts):
    path = csv_file("""
        external_id,account_crm_id,plan,seats,mrr,currency,start_date,end_date,status
        sub_1,C-1,Growth,25,1250,USD,2026-01-01,2026-12-31,active
        sub_2,C-1,Growth,many,abc,dollars,2026-01-01,,active
        sub_3,C-1,Growth,5,-5,USD,2026-03-01,2026-02-01,paused
        sub_4,C-1,,5,10,USD,1 March 2026,,
        ,C-1,Growth,5,10,USD,2026-01-01,,
    """)

    result = import_csv("subscriptions", path)

    assert result.error_lines() == [
        "line 3, column 'seats': 'many' is not a whole number",
        "line 3, column 'mrr': 'abc' is not an amount",
        "line 3, column 'currency': 'dollars' is not a three-letter currency code such as USD",
        "line 4, column 'mrr': must not be negative",
        "line 4, column 'status': 'paused' is not one of: trialing, active, past_due, canceled",
        "line 5, column 'start_date': '1 March 2026' is not a date; expected YYYY-MM-DD, such as 2026-03-01",
        "line 6, column 'external_id': is empty; a row needs external_id to match a subscription",
    ]
    assert not Subscription.objects.exists() and not SubscriptionChange.objects.exists()


def test_an_end_before_the_start_and_a_missing_plan_are_errors(csv_file, accounts):
    path = csv_file("""
        external_id,account_crm_id,plan,start_date,end_date
        sub_1,C-1,Growth,2026-03-01,2026-02-01
        sub_2,C-1,,2026-03-01,
    """)

    result = import_csv("subscriptions", path)

    assert result.error_lines() == [
        "line 2, column 'end_date': is before the start date",
        "line 3, column 'plan': is required to create a new subscription",
    ]


def test_imported_subscriptions_and_their_changes_are_audited_and_on_the_accounts_timeline(csv_file, accounts):
    from tests.factories import timeline_changes

    path = csv_file(FILE)
    import_csv("subscriptions", path)
    who = f"import of subscriptions from {path.name}"
    assert timeline_changes(accounts[0])[0] == f"{who}: create subscription Acme · Growth: "
    changed = csv_file("""
        external_id,seats,mrr,status
        sub_1,30,"1,500.50",past_due
    """, name="seats.csv")

    import_csv("subscriptions", changed)

    head, _, fields = timeline_changes(accounts[0])[0].partition(": update subscription Acme · Growth: ")
    assert head == "import of subscriptions from seats.csv"
    assert set(fields.split("; ")) == {"MRR 1,250 → 1,500.50", "seats purchased 25 → 30", "status Active → Past due"}
    import_csv("subscriptions", changed)  # the same again: nothing changes, nothing is recorded
    assert len(timeline_changes(accounts[0])) == 3  # the account added, its subscription added, then changed
