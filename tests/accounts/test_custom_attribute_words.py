"""An account's custom attributes read in words on its page: "customer_since" is "Customer since", 8013 employees
"8,013", a flag "yes"."""

from tenure.accounts.views import custom_attribute_words
from tests.factories import make_account


def test_keys_and_values_in_words_sorted_by_name():
    assert custom_attribute_words({"customer_since": "2025-10-23", "employees": 8013, "arr_crm": 45933.75,
                                   "is_partner": True, "regions": ["EMEA", "APAC"], "note": None}) == [
        ("Arr crm", "45,933.75"), ("Customer since", "2025-10-23"), ("Employees", "8,013"),
        ("Is partner", "yes"), ("Note", ""), ("Regions", "EMEA, APAC")]
    assert custom_attribute_words(None) == [] and custom_attribute_words(["not", "a", "dict"]) == []


def test_the_account_page_shows_them(csm_client):
    account = make_account(custom={"customer_since": "2025-10-23", "employees": 8013})
    html = csm_client.get(f"/accounts/{account.pk}/").content.decode()
    assert "<dt>Customer since</dt><dd>2025-10-23</dd>" in html and "<dt>Employees</dt><dd>8,013</dd>" in html
    assert "customer_since" not in html
