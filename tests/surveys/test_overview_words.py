"""The surveys overview: each NPS-by-account row is a link to the account (two accounts of one name stay two rows),
and a campaign's roles read in words."""

from tenure.surveys.models import SurveyCampaign
from tenure.surveys.services import record_response
from tests.factories import make_account


def test_nps_by_account_rows_link_to_each_account_even_with_one_name(csm_client):
    first, second = make_account(name="Twin Corp"), make_account(name="Twin Corp")
    record_response(account=first, score=2)
    record_response(account=second, score=10)
    html = csm_client.get("/surveys/").content.decode()
    panel = html[html.index("NPS by account"):]
    panel = panel[:panel.index("</table>")]
    assert f'<a href="/accounts/{first.pk}/">Twin Corp</a></td><td class="num">-100</td>' in panel
    assert f'<a href="/accounts/{second.pk}/">Twin Corp</a></td><td class="num">100</td>' in panel
    assert panel.index(f"/accounts/{first.pk}/") < panel.index(f"/accounts/{second.pk}/")  # lowest first


def test_a_campaigns_roles_are_words_not_keys(csm_client):
    SurveyCampaign.objects.create(name="Sponsors", roles=["executive_sponsor", "champion"])
    html = csm_client.get("/surveys/").content.decode()
    assert "executive sponsor, champion;" in html
    assert "executive_sponsor" not in html
