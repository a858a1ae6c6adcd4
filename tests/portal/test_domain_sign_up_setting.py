"""The account-level setting that lets people at an account's domain sign themselves up to the portal: every door
(service, API, admin) keeps the same rule — it needs a domain — and the audit trail records who turned it on."""

import pytest

from tenure.accounts import services as accounts
from tenure.accounts.models import Account
from tenure.users.models import AuditEntry
from tests.factories import make_account

pytestmark = pytest.mark.django_db


def test_it_needs_a_domain_and_is_audited(csm):
    with pytest.raises(Exception, match="no domain"):
        accounts.allow_portal_sign_up(make_account(name="Nodomain", domain=""), True)
    account = make_account(name="Pied Piper", domain="piedpiper.example")
    accounts.allow_portal_sign_up(account, True, by=csm)
    entry = AuditEntry.objects.get(model="accounts.account", object_id=account.pk, field="portal_domain_sign_up")
    assert (entry.new, entry.actor) == ("yes", csm)


def test_the_api_reads_and_changes_it_under_the_same_rule(csm_client):
    account = make_account(name="Hooli", domain="hooli.example")
    assert csm_client.get(f"/api/accounts/{account.pk}").json()["portal_domain_sign_up"] is False
    on = csm_client.patch(f"/api/accounts/{account.pk}", {"portal_domain_sign_up": True},
                          content_type="application/json")
    assert on.status_code == 200 and on.json()["portal_domain_sign_up"] is True
    bare = csm_client.post("/api/accounts", {"name": "Bare", "portal_domain_sign_up": True},
                           content_type="application/json")
    assert bare.status_code == 422 and "no domain" in str(bare.json()["detail"])
    cleared = csm_client.patch(f"/api/accounts/{account.pk}", {"domain": ""}, content_type="application/json")
    assert cleared.status_code == 422 and "no domain" in str(cleared.json()["detail"])
    assert Account.objects.get(pk=account.pk).domain == "hooli.example"
