import pytest
import stripe

from tests.connectors import stripe_server


@pytest.fixture(scope="session")
def stripe_url():
    with stripe_server.running() as url:
        yield url


@pytest.fixture
def stripe_api(stripe_url):
    """A client of the local Stripe server, its book emptied first."""
    stripe_server.flush(stripe_url)
    return stripe.StripeClient("sk_test_tenure", base_addresses={"api": stripe_url}).v1


@pytest.fixture
def stripe_connection(db, stripe_url, stripe_api):
    from tenure.connectors import sync

    return sync.create_connection(kind="stripe", name="Stripe", options={"api_base": stripe_url},
                                  credentials={"api_key": "sk_test_tenure", "webhook_secret": "whsec_test"})


@pytest.fixture
def hubspot():
    from tests.connectors.api_servers import HubSpotApi

    api = HubSpotApi()
    with api.running() as url:
        api.url = url
        yield api


@pytest.fixture
def hubspot_connection(db, hubspot):
    from tenure.connectors import sync

    return sync.create_connection(kind="hubspot", name="HubSpot",
                                  options={"api_base": hubspot.url, "retry_pause": 0.01},
                                  credentials={"access_token": "pat-test", "client_secret": "hs-secret"})


@pytest.fixture
def zendesk():
    from tests.connectors.api_servers import ZendeskApi

    api = ZendeskApi(page_size=2)  # small pages: every test pages
    with api.running() as url:
        api.url = url
        yield api


@pytest.fixture
def zendesk_connection(db, zendesk):
    from tenure.connectors import sync

    return sync.create_connection(kind="zendesk", name="Zendesk",
                                  options={"api_base": zendesk.url, "retry_pause": 0.01},
                                  credentials={"email": "agent@vendor.example", "api_token": "zd-token",
                                               "webhook_secret": "zd-secret"})


@pytest.fixture
def salesforce():
    from tests.connectors.api_servers import SalesforceApi

    api = SalesforceApi(batch=2)
    with api.running() as url:
        api.url = url
        yield api


@pytest.fixture
def salesforce_connection(db, salesforce):
    from tenure.connectors import sync

    return sync.create_connection(kind="salesforce", name="Salesforce",
                                  options={"api_base": salesforce.url, "retry_pause": 0.01},
                                  credentials={"access_token": "sf-token"})


@pytest.fixture
def intercom():
    from tests.connectors.api_servers import IntercomApi

    api = IntercomApi(page_size=2)
    with api.running() as url:
        api.url = url
        yield api


@pytest.fixture
def intercom_connection(db, intercom, monkeypatch):
    from tenure.connectors import sync

    monkeypatch.setattr("tenure.connectors.intercom.PAGE", 2)
    return sync.create_connection(kind="intercom", name="Intercom",
                                  options={"api_base": intercom.url, "retry_pause": 0.01},
                                  credentials={"access_token": "ic-token", "client_secret": "ic-secret"})
