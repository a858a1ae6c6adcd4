"""Threads like the one a member is writing, found while they type its title (duplicate detection).

Candidates come from the full-text index over thread titles (any of the title's content words, best first: BM25 on
SQLite, ts_rank on PostgreSQL); each is then scored by ``similarity`` (letter-trigram cosine, see
community.similarity) and shown if it reaches ``THRESHOLD``. The threshold was chosen on the labelled set of
duplicate and non-duplicate questions in tests/community/duplicate_pairs.csv, whose precision and recall the test
suite checks so that a change of measure or threshold cannot quietly make them worse."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection

from tenure.community.models import Thread
from tenure.community.services import Viewer, readable_threads
from tenure.community.similarity import content_words, cosine, profile

THRESHOLD = 0.48
SHOWN = 5
CANDIDATES = 100  # ranked by the index, then re-scored here
MAX_WORDS = 12


@dataclass(frozen=True)
class Similar:
    thread: Thread
    score: float


def _query_words(title: str) -> list[str]:
    return list(dict.fromkeys(w[:40] for w in content_words(title)))[:MAX_WORDS]


def candidate_ids(words: list[str], limit: int = CANDIDATES) -> list[int]:
    """Threads whose title holds any of ``words`` (their word forms), best match first."""
    if not words:
        return []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # plainto_tsquery per word: the database stems each, and one made only of stop words adds nothing.
            query = " || ".join(["plainto_tsquery('english', %s)"] * len(words))
            cursor.execute(f"""SELECT id FROM community_thread, ({'SELECT ' + query}) AS q(query)
                               WHERE title_search @@ q.query
                               ORDER BY ts_rank(title_search, q.query) DESC, id DESC LIMIT %s""", [*words, limit])
        else:
            match = " OR ".join(f'"{w}"' for w in words)
            cursor.execute("""SELECT rowid FROM community_thread_fts WHERE community_thread_fts MATCH %s
                              ORDER BY bm25(community_thread_fts), rowid DESC LIMIT %s""", [match, limit])
        return [row[0] for row in cursor.fetchall()]


def similar_threads(title: str, viewer: Viewer, *, limit: int = SHOWN, threshold: float = THRESHOLD,
                    exclude: int | None = None) -> list[Similar]:
    """The threads ``viewer`` may read (their working groups' too, not archived ones) that look most like a thread
    titled ``title``, most alike first."""
    ids = candidate_ids(_query_words(title))
    if not ids:
        return []
    wanted = profile(title)
    threads = (readable_threads(viewer).filter(pk__in=ids, archived_at__isnull=True).exclude(pk=exclude)
               .select_related("category"))
    scored = [Similar(t, round(cosine(wanted, profile(t.title)), 3)) for t in threads]
    scored = [s for s in scored if s.score >= threshold]
    scored.sort(key=lambda s: (-s.score, -s.thread.pk))
    return scored[:limit]
