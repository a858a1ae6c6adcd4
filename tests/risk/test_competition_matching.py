"""Competitors and churn-intent phrases: whole words, any case, quoted with the sentence they are in."""

import datetime as dt

from tenure.risk import detectors as d
from tests.risk.conftest import AS_OF, facts


def text(i, body, model="engagement.touch"):
    return d.TextRecord(model, i, AS_OF - dt.timedelta(days=i), f"record {i}", body)


def test_competitor_names_match_whole_words_in_any_case(t):
    f = facts(texts=[text(1, "Great call. They are evaluating RETAINLY for next year! Pricing came up.")])
    [c] = d.competition(f, t)
    assert c.kind == "competitor_mentioned" and c.driver == "competition"
    assert c.quotes[0]["text"] == "They are evaluating RETAINLY for next year!"
    assert c.records == [{"model": "engagement.touch", "id": 1, "label": "record 1"}]


def test_a_name_inside_another_word_does_not_match(t):
    assert d.competition(facts(texts=[text(1, "We keepwellness programs; ChurnGuards are fine")]), t) == []


def test_churn_intent_phrases_match_any_spacing_and_case(t):
    f = facts(texts=[text(2, "Honestly it is Too   Expensive for us.", model="support.ticket")])
    [c] = d.competition(f, t)
    assert c.kind == "churn_intent" and c.numbers["matched"] == ["too   expensive"]
    assert c.records[0]["model"] == "support.ticket"


def test_a_phrase_needs_all_its_words(t):
    assert d.competition(facts(texts=[text(1, "We are not renew ing; switching tools is not planned")]), t) == []


def test_one_signal_per_kind_lists_every_matching_record(t):
    f = facts(texts=[text(1, "Comparing with Loyalto."), text(2, "Keepwell demo booked."), text(3, "All good.")])
    [c] = d.competition(f, t)
    assert c.numbers["records"] == 2 and {r["id"] for r in c.records} == {1, 2}


def test_an_empty_list_matches_nothing():
    assert d.phrase_pattern(["", "  "]) is None
    assert d.competition(facts(texts=[text(1, "Retainly")]), d.Thresholds(competitor_names=(), churn_phrases=())) == []
