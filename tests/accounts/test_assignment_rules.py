import datetime as dt

import pytest

from tenure.accounts.assignment import assign_accounts
from tenure.accounts.models import Account, AssignmentRule
from tenure.accounts.services import update_account
from tenure.engagement.models import Touch
from tests.factories import make_account, make_subscription, make_user, timeline_changes

pytestmark = pytest.mark.django_db


@pytest.fixture
def team():
    ann = make_user(username="ann", capacity=10)
    ben = make_user(username="ben", capacity=10)
    named = AssignmentRule.objects.create(name="Named CSM above 50 licenses", position=1, min_seats=51)
    named.team.set([ann, ben])
    AssignmentRule.objects.create(name="Everyone else: tech touch", position=2, coverage="pooled")
    return ann, ben


def sized(seats: int, **kw):
    account = make_account(**kw)
    make_subscription(account, seats=seats, start_date=dt.date(2026, 1, 1), end_date=dt.date(2027, 12, 31))
    return account


def test_named_csm_above_50_licenses_and_pooled_below(team):
    big, small = sized(120), sized(20)
    assign_accounts()
    big.refresh_from_db()
    small.refresh_from_db()
    assert big.owner in team and big.coverage == "named"
    assert small.owner is None and small.coverage == "pooled"
    assert big.assigned_by_rule.name == "Named CSM above 50 licenses"


def test_new_accounts_go_to_the_least_loaded_csm(team):
    ann, ben = team
    for _ in range(3):
        sized(100, owner=ann)
    Account.objects.update(assigned_by_rule=AssignmentRule.objects.get(position=1))
    newcomer = sized(80)
    assign_accounts([newcomer.pk])
    newcomer.refresh_from_db()
    assert newcomer.owner == ben


def test_capacity_weighs_the_load(team):
    ann, ben = team
    ben.capacity = 2
    ben.save()
    accounts = [sized(100) for _ in range(6)]
    assign_accounts()
    owners = [Account.objects.get(pk=a.pk).owner for a in accounts]
    assert owners.count(ann) > owners.count(ben)


def test_reassignment_is_written_on_the_timeline(team):
    account = sized(60)
    assign_accounts()
    change = timeline_changes(account)[0]
    assert change.startswith(f"assignment rule “Named CSM above 50 licenses”: update account {account.name}: ")
    assert "owner CSM nobody → " in change
    assert not Touch.objects.filter(account=account).exists()  # not a touch: it would hide a silence


def test_a_person_s_choice_is_kept_until_rules_are_forced(team):

    outsider = make_user(username="olga")
    account = sized(200)
    update_account(account, owner=outsider, by=outsider)
    assign_accounts()
    account.refresh_from_db()
    assert account.owner == outsider
    assert timeline_changes(account)[0].startswith(f"olga: update account {account.name}: owner CSM — → olga")
    assign_accounts(override_manual=True)
    account.refresh_from_db()
    assert account.owner in team


def test_an_account_that_grows_past_the_threshold_gets_a_named_csm(team):
    account = sized(30)
    assign_accounts()
    account.refresh_from_db()
    assert account.coverage == "pooled"
    sub = account.subscriptions.get()
    from tenure.billing.services import update_subscription

    update_subscription(sub, seats=75)
    assign_accounts([account.pk])
    account.refresh_from_db()
    assert account.coverage == "named" and account.owner in team


def test_segment_and_region_conditions():
    emea = make_user(username="emil")
    rule = AssignmentRule.objects.create(name="EMEA enterprise", segment="enterprise", region="emea")
    rule.team.set([emea])
    match = sized(10, segment="Enterprise", custom={"region": "EMEA"})
    other = sized(10, segment="enterprise", custom={"region": "NA"})
    assign_accounts()
    assert Account.objects.get(pk=match.pk).owner == emea
    assert Account.objects.get(pk=other.pk).owner is None


def test_no_changes_on_a_second_run(team):
    sized(100)
    sized(10)
    assert len(assign_accounts()) == 2
    assert assign_accounts() == []


def test_leader_adds_a_rule_and_runs_it(client, leader):
    ann = make_user(username="ann2")
    client.force_login(leader)
    response = client.post("/accounts/assignment/", {"name": "Big ones", "position": 1, "active": "on",
                                                     "min_seats": 51, "coverage": "named", "team": [ann.pk]})
    assert response.status_code == 302
    account = sized(90)
    page = client.post("/accounts/assignment/run/", follow=True).content.decode()
    assert "1 account changed owner" in page
    assert Account.objects.get(pk=account.pk).owner == ann


def test_csm_cannot_change_rules(csm_client):
    assert csm_client.get("/accounts/assignment/").status_code == 200
    assert csm_client.post("/accounts/assignment/run/").status_code == 403
    assert csm_client.post("/accounts/assignment/", {"name": "x", "position": 1}).status_code == 403
