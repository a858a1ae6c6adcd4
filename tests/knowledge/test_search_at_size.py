"""A query matching more documents than the search ranks (``search.CANDIDATES``) ranks the newest matches after
the newest title matches: a title match still comes first, each article once, and only what the reader may read.
The same on both databases; the limit is lowered here so that a handful of articles exceed it."""

import pytest

from tenure.knowledge import search
from tenure.knowledge.search import Audience, search_articles
from tests.knowledge.builders import make_article

pytestmark = pytest.mark.django_db


@pytest.fixture
def many(monkeypatch):
    titled = make_article("Export a report", "Choose the report, then Export.")  # the oldest
    bodies = [make_article(f"Reports part {n}", f"Reports can be shared; an export {n} is a file.") for n in range(6)]
    hidden = make_article("Export for admins", "Export everything.", visibility="customers")
    make_article("Draft export notes", "Export soon.", status="draft")
    monkeypatch.setattr(search, "CANDIDATES", 3)
    return titled, bodies, hidden


def test_a_title_match_comes_first_even_when_older_than_the_newest_matches(many):
    titled, bodies, _ = many
    results = search_articles("export", audience=Audience.PUBLIC, limit=5)
    ids = [r.id for r in results]
    assert ids[0] == titled.id
    # then the newest 3 readable matches (the hidden and the draft article take no place): each article once
    assert ids[1:] and set(ids[1:]) == {b.id for b in bodies[-3:]} and len(ids) == len(set(ids)) == 4
    assert all("<mark>" in r.snippet.lower() for r in results)


def test_articles_the_reader_may_not_read_are_never_ranked(many):
    _, _, hidden = many
    public = {r.id for r in search_articles("export", audience=Audience.PUBLIC, limit=20)}
    assert hidden.id not in public
    staff = {r.title for r in search_articles("export", audience=Audience.STAFF, limit=20)}
    assert "Export for admins" in staff and "Draft export notes" not in staff


def test_a_query_matching_fewer_than_the_limit_is_ranked_whole(many, monkeypatch):
    monkeypatch.setattr(search, "CANDIDATES", 1_000)
    results = search_articles("export", audience=Audience.PUBLIC, limit=20)
    assert results[0].title == "Export a report" and len(results) == 7


def test_the_newest_matches_are_the_same_whichever_way_postgresql_reads_them(many, monkeypatch):
    """PostgreSQL reads the newest matches by a walk of the primary key, or from the GIN index within the newest ids
    (the whole index when those hold too few): the answer is the same."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the choice of reading is PostgreSQL's (SQLite reads its FTS5 index in rowid order)")
    make_article("Export twice", "An export and a report.", visibility="customers")

    def answer():
        return [(r.id, r.score, r.complete) for q in ("export", "export report", "export zzqx")
                for r in search_articles(q, audience=Audience.PUBLIC, limit=5)]

    monkeypatch.setattr(search, "_WALK_AT_MOST", {"search": 10**9, "title_search": 10**9})
    walked = answer()
    monkeypatch.setattr(search, "_WALK_AT_MOST", {"search": 0, "title_search": 0})
    for margin in (10**-6, 1, 10**6):  # a range too small for the matches wanted, one as estimated, the whole table
        monkeypatch.setattr(search, "_RANGE_MARGIN", margin)
        assert answer() == walked
