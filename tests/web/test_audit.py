"""The audit trail: every change, field by field, with who made it (a person, an import, the API, a rule, Tenure
itself), kept when the record is deleted, and a read-only page to find it."""

import json
import textwrap

import pytest
from django.test import Client
from django.urls import reverse

from tenure.accounts import services as accounts
from tenure.accounts.models import Account, AssignmentRule
from tenure.integrations.csv_import import import_csv
from tenure.risk.models import Task
from tenure.risk.work import open_task
from tenure.users.models import AuditEntry, Role
from tenure.users.services import issue_token
from tests.factories import make_account, make_user

pytestmark = pytest.mark.django_db


def entries(**filters) -> list[tuple]:
    return list(AuditEntry.objects.filter(**filters).order_by("pk")
                .values_list("actor_label", "action", "field", "old", "new"))


def test_a_change_through_the_api_names_the_person_and_each_field(csm):
    dana = make_user(Role.CSM, first_name="Dana", last_name="Scully")
    account = make_account(name="Initech", owner=csm, stage="adopting")
    _, raw = issue_token(csm, "crm")
    api = Client(headers={"authorization": f"Bearer {raw}"})
    response = api.patch(f"/api/accounts/{account.pk}", json.dumps({"stage": "renewing", "owner_id": dana.pk}),
                         content_type="application/json")
    assert response.status_code == 200
    changed = entries(model="accounts.account", object_id=account.pk, action="update")
    assert (f"{csm} through the API", "update", "stage", "Adopting", "Renewing") in changed
    assert (f"{csm} through the API", "update", "owner", str(csm), "Dana Scully") in changed
    assert AuditEntry.objects.filter(object_id=account.pk, action="update").first().actor == csm


def test_a_person_on_a_page_and_a_bulk_close_are_recorded_as_that_person(csm):
    account = make_account(owner=csm)
    c = Client()
    c.force_login(csm)
    c.post(reverse("risk:new_task"), {"account": account.pk, "title": "Call Bill", "due_on": "2030-01-01",
                                      "priority": 3, "owner": csm.pk})
    task = Task.objects.get()
    assert entries(model="risk.task", object_id=task.pk) == [(str(csm), "create", "", "", "")]
    c.post(reverse("risk:bulk"), {"task_ids": [task.pk], "action": "close", "reason": "completed",
                                  "outcome": "improved"})
    closed = entries(model="risk.task", object_id=task.pk, action="update")
    assert (str(csm), "update", "status", "Open", "Done") in closed
    assert (str(csm), "update", "outcome", "", "Improved") in closed


def test_an_import_is_named_as_the_import_and_a_rule_as_the_rules(tmp_path, csm):
    path = tmp_path / "crm-export.csv"
    path.write_text(textwrap.dedent("""\
        crm_id,Name,Stage
        C-1,Acme,adopting
    """))
    assert import_csv("accounts", path).ok
    acme = Account.objects.get(crm_id="C-1")
    assert entries(object_id=acme.pk, model="accounts.account") == [
        ("import of accounts from crm-export.csv", "create", "", "", "")]
    path.write_text("crm_id,Name,Stage\nC-1,Acme,renewing\n")
    assert import_csv("accounts", path).ok
    assert ("import of accounts from crm-export.csv", "update", "stage", "Adopting", "Renewing") in entries(
        object_id=acme.pk)
    rule = AssignmentRule.objects.create(name="Everyone to carol", position=1)
    rule.team.add(csm)
    from tenure.accounts.assignment import assign_accounts

    assign_accounts([acme.pk])
    assert ("assignment rule “Everyone to carol”", "update", "owner", "nobody", str(csm)) in entries(
        object_id=acme.pk)
    assert ("assignment rule “Everyone to carol”", "update", "coverage", "Named CSM", "Named CSM") not in entries(
        object_id=acme.pk)  # what did not change is not recorded


def test_the_trail_outlives_the_record(csm):
    account = make_account(name="Gone Corp", owner=csm)
    accounts.update_account(account, stage="renewing")
    pk = account.pk
    account.delete()
    kept = entries(model="accounts.account", object_id=pk)
    assert [a for _, a, *_ in kept] == ["create", "update", "delete"]


def test_every_role_reads_the_trail_filtered_and_nobody_writes_it(csm, reader):
    account = make_account(name="Initech", owner=csm)
    other = make_account(name="Globex")
    task = open_task(account, title="Prepare the QBR")
    c = Client()
    c.force_login(reader)
    page = c.get(reverse("web:audit"), {"account": account.pk}).content.decode()
    assert "Initech" in page and "Prepare the QBR" in page and "Globex" not in page
    assert f"#{task.pk}" in page
    assert "Globex" in c.get(reverse("web:audit"), {"model": "accounts.account"}).content.decode()
    assert c.post(reverse("web:audit"), {}).status_code in (403, 405)
    assert c.get(reverse("web:audit"), {"account": "x", "since": "not a day", "before": "-1"}).status_code == 200
    assert other.pk


def test_set_up_that_moves_scores_and_work_is_audited_too(csm):
    """Plays and their steps, the feature catalog's key features, onboarding templates and survey campaigns."""
    from django.utils import timezone

    from tenure.engagement.models import OnboardingTemplate
    from tenure.risk.models import Play, PlayStep
    from tenure.surveys.models import SurveyCampaign
    from tenure.usage.models import Feature
    from tenure.usage.services import describe_feature
    from tenure.users.audit import acting_as

    now = timezone.now()
    feature = Feature.objects.create(event="report_exported", first_seen=now, last_seen=now)
    with acting_as(csm):
        describe_feature(feature, friendly_name="Export a report", module="Reporting", is_key=True)
        play = Play.objects.create(key="save", name="Save the account")
        step = PlayStep.objects.create(play=play, order=0, title="Call the sponsor")
        step.title = "Call the sponsor this week"
        step.save()
        OnboardingTemplate.objects.create(name="Standard", milestones=[])
        campaign = SurveyCampaign.objects.create(name="Q4 NPS")
    assert (str(csm), "update", "is_key", "no", "yes") in entries(model="usage.feature", object_id=feature.pk)
    assert (str(csm), "create", "", "", "") in entries(model="risk.play", object_id=play.pk)
    assert (str(csm), "update", "title", "Call the sponsor", "Call the sponsor this week") in entries(
        model="risk.playstep", object_id=step.pk)
    assert entries(model="engagement.onboardingtemplate") and entries(model="surveys.surveycampaign",
                                                                       object_id=campaign.pk)
    feature.last_seen = timezone.now()
    feature.save(update_fields=["last_seen"])  # the catalog's own bookkeeping is not a change anyone made
    assert [e for e in entries(model="usage.feature", object_id=feature.pk) if e[2] == "last_seen"] == []
