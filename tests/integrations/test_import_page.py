from io import BytesIO

import pytest
from django.test import Client
from django.urls import reverse

from tenure.accounts.models import Account
from tenure.integrations.views import SESSION_KEY

pytestmark = pytest.mark.django_db
URL = reverse("integrations:import")


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    return tmp_path


def upload(client, text: str, kind: str = "accounts", mapping: str = "", name: str = "accounts.csv"):
    file = BytesIO(text.encode())
    file.name = name
    return client.post(URL, {"kind": kind, "file": file, "mapping": mapping, "action": "preview"})


def uploads(data_dir) -> list:
    folder = data_dir / "uploads"
    return sorted(folder.iterdir()) if folder.exists() else []


def test_the_import_page_offers_the_kinds_to_a_writer(csm_client):
    response = csm_client.get(URL)

    assert response.status_code == 200
    for kind in ("accounts", "contacts", "subscriptions", "tickets"):
        assert f'value="{kind}"' in response.text


def test_a_read_only_user_is_refused_the_page_and_the_upload(reader_client, data_dir):
    assert reader_client.get(URL).status_code == 403

    response = upload(reader_client, "crm_id,name\nC-1,Acme\n")

    assert response.status_code == 403
    assert not Account.objects.exists() and uploads(data_dir) == []


def test_preview_shows_counts_and_rows_and_writes_nothing(csm_client, data_dir):
    response = upload(csm_client, "CRM Id,Company,Tier\nC-1,Acme,gold\nC-2,Globex,silver\n", mapping="name=Company")

    assert response.status_code == 200
    assert not Account.objects.exists()
    page = response.text
    assert "Preview of accounts.csv" in page
    assert "<strong>2</strong>to create" in page
    assert "custom.Tier" in page and "Globex" in page
    assert len(uploads(data_dir)) == 1
    assert 'value="confirm"' in page


def test_confirming_a_preview_imports_the_file_and_deletes_the_upload(csm_client, data_dir):
    upload(csm_client, "crm_id,name\nC-1,Acme\nC-2,Globex\n")
    token = next(iter(csm_client.session[SESSION_KEY]))

    response = csm_client.post(URL, {"action": "confirm", "token": token}, follow=True)

    assert response.redirect_chain == [(URL, 302)]
    assert "Imported accounts.csv: 2 accounts, 2 created, 0 updated, 0 unchanged." in response.text
    assert set(Account.objects.values_list("crm_id", flat=True)) == {"C-1", "C-2"}
    assert uploads(data_dir) == [] and csm_client.session[SESSION_KEY] == {}


def test_a_token_can_be_confirmed_only_once(csm_client):
    upload(csm_client, "crm_id,name\nC-1,Acme\n")
    token = next(iter(csm_client.session[SESSION_KEY]))
    csm_client.post(URL, {"action": "confirm", "token": token})

    response = csm_client.post(URL, {"action": "confirm", "token": token}, follow=True)

    assert "That upload is no longer available" in response.text
    assert Account.objects.count() == 1


def test_another_users_token_is_not_accepted(csm_client, leader):
    upload(csm_client, "crm_id,name\nC-1,Acme\n")
    token = next(iter(csm_client.session[SESSION_KEY]))
    other = Client()
    other.force_login(leader)

    response = other.post(URL, {"action": "confirm", "token": token}, follow=True)

    assert "That upload is no longer available" in response.text
    assert not Account.objects.exists()


def test_cancelling_a_preview_deletes_the_upload(csm_client, data_dir):
    upload(csm_client, "crm_id,name\nC-1,Acme\n")
    token = next(iter(csm_client.session[SESSION_KEY]))

    response = csm_client.post(URL, {"action": "cancel", "token": token}, follow=True)

    assert "Import of accounts.csv cancelled" in response.text
    assert uploads(data_dir) == [] and not Account.objects.exists()


def test_a_preview_with_bad_rows_lists_the_errors_and_offers_no_confirm(csm_client, data_dir):
    response = upload(csm_client, "crm_id,name,stage\nC-1,Acme,\nC-2,Globex,gold\n")

    assert response.status_code == 400
    assert "The file was rejected: nothing was written" in response.text
    assert "line 3, column &#x27;stage&#x27;: &#x27;gold&#x27; is not one of" in response.text
    assert 'value="confirm"' not in response.text
    assert uploads(data_dir) == [] and not Account.objects.exists()


def test_a_file_level_problem_is_shown_plainly(csm_client):
    response = upload(csm_client, "name,segment\nAcme,smb\n")

    assert response.status_code == 400
    assert "accounts.csv: the file needs one of the columns crm_id, billing_id, product_group_id, domain" in (
        response.text
    )


def test_the_upload_form_requires_a_csrf_token(csm):
    client = Client(enforce_csrf_checks=True)
    client.force_login(csm)
    file = BytesIO(b"crm_id,name\nC-1,Acme\n")
    file.name = "a.csv"

    response = client.post(URL, {"kind": "accounts", "file": file, "action": "preview"})

    assert response.status_code == 403
    assert not Account.objects.exists()


def test_the_import_page_requires_login():
    response = Client().get(URL)

    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_exclusive_end_dates_chosen_on_the_page_are_stored_as_the_last_paid_day(csm_client, data_dir):
    from tenure.accounts.services import create_account
    from tenure.billing.models import Subscription

    create_account(name="Acme", crm_id="C-1")
    file = BytesIO(b"external_id,account_crm_id,plan,mrr,start_date,end_date\nsub_1,C-1,Growth,100,2026-01-01,"
                   b"2026-02-01\n")
    file.name = "subs.csv"
    preview = csm_client.post(URL, {"kind": "subscriptions", "file": file, "end_dates": "exclusive",
                                    "action": "preview"})
    assert preview.status_code == 200 and "2026-01-31" in preview.text  # the preview shows what is stored
    token = next(iter(csm_client.session[SESSION_KEY]))

    csm_client.post(URL, {"token": token, "action": "confirm"})

    assert Subscription.objects.get().end_date.isoformat() == "2026-01-31"
