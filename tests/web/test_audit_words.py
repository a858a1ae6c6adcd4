"""The audit page names records and fields as people do ("Subscription", "MRR", "Executive sponsor"), a choice by
its label and an amount with its thousands grouped ("45,933.75", never "45933.75")."""

import re

import pytest
from django.test import Client

from tenure.billing import services as billing
from tenure.users.models import AuditEntry, Role
from tenure.web.audit_views import field_words, record_words, value_words
from tests.factories import make_account, make_subscription, make_user

pytestmark = pytest.mark.django_db


def test_names_come_from_the_models():
    assert record_words("billing.subscription") == "Subscription"
    assert record_words("accounts.contact") == "Contact"
    assert record_words("gone.model_that_left") == "Model that left"  # an entry outlives its model
    assert field_words("billing.subscription", "mrr") == "MRR"
    assert field_words("accounts.contact", "is_executive_sponsor") == "Executive sponsor"
    assert field_words("accounts.account", "no_such_field") == "No such field"
    assert value_words("accounts.account", "coverage", "pooled") == "Pooled (tech touch)"
    assert value_words("billing.subscription", "mrr", "45933.75") == "45,933.75"
    assert value_words("billing.subscription", "mrr", "45933.00") == "45,933"
    assert value_words("billing.subscription", "plan", "Growth") == "Growth"


def test_the_page_shows_words_not_keys(db):
    account = make_account(name="Initech")
    sub = make_subscription(account, mrr="1250.00")
    billing.update_subscription(sub, mrr="45933.75")
    AuditEntry.objects.create(actor_label="rule", action="update", model="accounts.account", object_id=account.pk,
                              object_repr="Initech", account_id=account.pk, field="coverage", old="named",
                              new="pooled")
    client = Client()
    client.force_login(make_user(Role.READ_ONLY))
    html = client.get("/audit/").content.decode()
    table = html[html.index('id="audit"'):html.index("</table>")]
    cells = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", c)).strip()
             for c in re.findall(r"<td[^>]*>(.*?)</td>", table, re.S)]
    runs = [cells[i:i + 3] for i in range(len(cells))]  # field, before, after
    assert ["MRR", "1,250", "45,933.75"] in runs
    assert ["Coverage", "Named CSM", "Pooled (tech touch)"] in runs
    assert any(c.startswith("Subscription #") for c in cells)
    for raw in ("billing.subscription", "45933.75", "accounts.account", ">named<", ">pooled<"):
        assert raw not in table, raw
    menu = html[html.index('id="a-model"'):]
    assert '<option value="billing.subscription">Subscription</option>' in menu[:menu.index("</select>")]
