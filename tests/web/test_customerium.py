"""The customerium map: people placed by knowledge and influence, coloured by sentiment, filtered, exported."""

import csv
import io

import pytest
from django.utils import timezone

from tenure.billing.models import Subscription
from tenure.community import reputation
from tenure.community import services as community
from tenure.knowledge.services import create_category
from tenure.surveys.models import SurveyKind, SurveyResponse
from tenure.web import customerium
from tests.factories import make_account, make_contact, make_subscription


@pytest.fixture
def world(db, csm, settings):
    settings.TENURE_COMMUNITY_HOLD_FIRST_POSTS = False
    big = make_account(name="Globex", domain="globex.example", segment="Enterprise")
    make_subscription(big, mrr=10_000, start_date=timezone.localdate().replace(day=1),
                      end_date=timezone.localdate().replace(year=timezone.localdate().year + 1))
    small = make_account(name="Tiny", domain="tiny.example", segment="SMB")
    hank = make_contact(big, name="Hank", email="hank@globex.example")
    tia = make_contact(small, name="Tia", email="tia@tiny.example")
    quiet = make_contact(small, name="Quentin", email="q@tiny.example", community_roles=["promoter"])
    area = create_category(name="Reports")
    for i in range(3):
        q = community.start_thread(community.Viewer(contact=tia), title=f"Report question {i}", body="?",
                                   category=area)
        a = community.reply(q, community.Viewer(contact=hank), body="Thanks for asking, here is how.")
        community.accept_answer(q, a, community.Viewer(contact=tia))
    community.start_thread(community.Viewer(contact=tia), title="Rant", body="This is broken and terrible, so slow")
    reputation.count_standings()
    SurveyResponse.objects.create(account=big, contact=hank, kind=SurveyKind.NPS, score=10,
                                  answered_at=timezone.now())
    return {"big": big, "small": small, "hank": hank, "tia": tia, "quiet": quiet, "area": area}


def test_people_are_placed_and_coloured_with_their_evidence(world):
    people = {p.name: p for p in customerium.people()}
    hank, tia, quiet = people["Hank"], people["Tia"], people["Quentin"]
    assert hank.knowledge == 3 + 3 / 5 and hank.sentiment == "promoter" and hank.sentiment_from.startswith("NPS 10")
    assert hank.arr == 120_000 and hank.influence == customerium.influence(2 * 1, 120_000) == 2 + 12
    assert tia.sentiment == "detractor" and tia.sentiment_from == "tone of 4 posts"
    assert quiet.sentiment == "promoter" and quiet.sentiment_from == "marked promoter"
    assert {p.name for p in customerium.people(segment="enterprise")} == {"Hank"}
    assert {p.name for p in customerium.people(area_id=world["area"].pk)} == {"Hank", "Tia"}
    assert {p.name for p in customerium.people(account_id=world["small"].pk)} == {"Tia", "Quentin"}


def test_the_map_page_the_account_fold_and_the_csv(world, reader_client):
    page = reader_client.get("/customerium/").content.decode()
    assert "Customerium map" in page and "Hank (Globex)" in page and "customerium-data" in page
    fold = reader_client.get(f"/customerium/account/{world['small'].pk}/").content.decode()
    assert "Tia" in fold and "Quentin" in fold and "marked promoter" in fold
    rows = list(csv.DictReader(io.StringIO(reader_client.get("/customerium.csv?segment=SMB").content.decode())))
    assert {r["name"] for r in rows} == {"Tia", "Quentin"} and rows[0]["sentiment"] in customerium.SENTIMENTS
    assert reader_client.get("/customerium/?account=x&area=99999999999999999999&segment=%00").status_code == 200
    assert reader_client.get("/customerium.csv?segment=%00x").status_code == 200


def test_a_name_that_looks_like_a_formula_is_not_run_by_a_spreadsheet(world, reader_client):
    make_contact(world["small"], name="=HYPERLINK(\"http://evil\")", email="evil@tiny.example",
                 community_roles=["detractor"])
    rows = list(csv.DictReader(io.StringIO(reader_client.get("/customerium.csv").content.decode())))
    assert any(r["name"].startswith("'=HYPERLINK") for r in rows)
    assert Subscription.objects.count() == 1
