"""Duplicate detection on the labelled set (duplicate_pairs.csv: pairs of questions a person marked as the same
question or not; the non-duplicates share words on purpose). The figures at the chosen threshold are the ones in
the issue note; these checks keep a change of measure or threshold from making them worse."""

import csv
from pathlib import Path

import pytest

from tenure.community import services as community
from tenure.community.similar import THRESHOLD, similar_threads
from tenure.community.similarity import similarity
from tests.factories import make_account, make_contact

PAIRS = list(csv.DictReader((Path(__file__).parent / "duplicate_pairs.csv").open()))

# Measured at THRESHOLD (0.48) when it was chosen; each check allows no drop.
PAIRWISE_PRECISION, PAIRWISE_RECALL = 0.74, 0.65
SEARCH_PRECISION, SEARCH_RECALL = 0.56, 0.65


def _precision_recall(found: set, wanted: set) -> tuple[float, float]:
    hits = len(found & wanted)
    return hits / max(len(found), 1), hits / len(wanted)


def test_the_measure_tells_duplicates_from_look_alikes_on_the_labelled_pairs():
    said = {(p["first"], p["second"]) for p in PAIRS if similarity(p["first"], p["second"]) >= THRESHOLD}
    marked = {(p["first"], p["second"]) for p in PAIRS if p["duplicate"] == "1"}
    precision, recall = _precision_recall(said, marked)
    print(f"pairwise at {THRESHOLD}: precision {precision:.2f}, recall {recall:.2f} ({len(PAIRS)} pairs)")
    assert precision >= PAIRWISE_PRECISION and recall >= PAIRWISE_RECALL


@pytest.mark.django_db
def test_the_detector_finds_the_duplicates_among_every_thread(csm):
    """Every second question is a thread; each first question is typed as a new title: what the member is shown
    above the threshold, through the database's own index, is scored against the labels."""
    author = community.Viewer(user=csm)  # staff: a member would be held to a few posts an hour
    threads = {}
    for title in dict.fromkeys(p["second"] for p in PAIRS):
        threads[title] = community.start_thread(author, title=title, body="Details.").pk
    shown, marked = set(), set()
    for pair in PAIRS:
        if pair["duplicate"] == "1":
            marked.add((pair["first"], threads[pair["second"]]))
    for first in dict.fromkeys(p["first"] for p in PAIRS):
        shown |= {(first, s.thread.pk) for s in similar_threads(first, community.Viewer(user=csm), limit=100)}
    precision, recall = _precision_recall(shown, marked)
    print(f"search at {THRESHOLD}: precision {precision:.2f}, recall {recall:.2f} ({len(threads)} threads)")
    assert precision >= SEARCH_PRECISION and recall >= SEARCH_RECALL


@pytest.mark.django_db
def test_a_typo_and_other_word_forms_still_find_the_thread(csm):
    author = community.Viewer(contact=make_contact(make_account(name="Acme"), name="Ann", email="ann@acme.example"))
    original = community.start_thread(author, title="Exporting reports as CSV files", body="x")
    community.start_thread(author, title="Invoices are missing the VAT number", body="x")
    for typed in ["How do I export a report to CSV?", "export report csv", "Exported reports in CSV"]:
        found = similar_threads(typed, community.Viewer(user=csm))
        assert [s.thread for s in found] == [original], typed
    assert similar_threads("", community.Viewer(user=csm)) == []
    assert similar_threads("the and of", community.Viewer(user=csm)) == []  # stop words only
    assert similar_threads('"OR NEAR( * -', community.Viewer(user=csm)) == []  # the index's syntax is not ours


@pytest.mark.django_db
def test_a_private_groups_thread_is_not_suggested_to_others(csm):
    peter = community.Viewer(contact=make_contact(make_account(name="Initech"), name="P", email="p@initech.example"))
    gavin = community.Viewer(contact=make_contact(make_account(name="Hooli"), name="G", email="g@hooli.example"))
    group = community.create_group(name="Beta", by=csm)
    community.invite(group, peter.contact, by=csm)
    private = community.start_thread(peter, title="Beta export to CSV broken", body="x", group=group)
    assert [s.thread for s in similar_threads("Beta export to CSV", peter)] == [private]
    assert similar_threads("Beta export to CSV", gavin) == []
