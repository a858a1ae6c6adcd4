"""The one search over articles, for the staff pages, the API and the portal alike.

``search_articles(query, audience=...)`` answers a ranked list of ``SearchResult``: title matches above body
matches, word forms found (renewals → renewal: both databases stem English), small typos corrected against the
words the articles really use, and a snippet with the matches in ``<mark>`` (the text escaped first). Both databases
answer the same contract with their own engine: PostgreSQL full-text search (a weighted tsvector, ts_rank,
ts_headline) with pg_trgm to find the spelling of a mistyped word; SQLite FTS5 (porter stemming, bm25 with column
weights, snippet) with its fts5vocab vocabulary for the same. The indexes are built in migration 0002.

A result is *complete* when every content word of the query matched; when those are fewer than asked for, results
matching any of the words follow (not complete). A search with no complete result is a knowledge gap
(``record_search`` in knowledge.services).
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Q
from django.urls import reverse

from tenure.knowledge.markdown import MARK_END, MARK_START
from tenure.knowledge.models import Article, ArticleStatus, Visibility

# PostgreSQL's English stop words (the Snowball list): dropped from every query on both databases, so that both
# look for the same words ("how do I export" looks for "export").
_STOPWORDS = """
a about above after again against all am an and any are as at be because been before being below between both but
by can could did do does doing down during each few for from further had has have having he her here hers herself
him himself his how i if in into is it its itself just me more most my myself no nor not now of off on once only or
other our ours ourselves out over own s same she should so some such t than that the their theirs them themselves
then there these they this those through to too under until up very was we were what when where which while who
whom why will with you your yours yourself yourselves
"""
STOPWORDS = frozenset(_STOPWORDS.split())
MAX_WORDS = 12
MAX_WORD = 40
_WORD = re.compile(r"\w+")


def words(query: str) -> list[str]:
    """The query's content words, lower case, each once, in order."""
    seen: list[str] = []
    for word in _WORD.findall((query or "").lower()):
        word = word.strip("_")[:MAX_WORD]
        if word and word not in STOPWORDS and word not in seen:
            seen.append(word)
    return seen[:MAX_WORDS]


def normalise(query: str) -> str:
    """One spelling per question, for counting knowledge gaps: "How do I EXPORT invoices?" → "export invoices"."""
    return " ".join(words(query))


# ---- who may read what ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Audience:
    """Who is searching or reading. ``Audience()`` is an anonymous visitor (public articles only);
    ``Audience.for_account(account)`` a signed-in person of that account; ``Audience.STAFF`` the team (every
    visibility)."""

    signed_in: bool = False
    segment: str = ""
    plans: frozenset[str] = field(default_factory=frozenset)
    staff: bool = False

    @classmethod
    def for_account(cls, account) -> Audience:
        """A member of ``account``: public and customer articles, and those for its segment or a plan it has live
        today (the subscriptions billing counts as live)."""
        from django.utils import timezone

        from tenure.billing.models import Subscription, live_q

        plans = Subscription.objects.filter(live_q(timezone.localdate()), account=account).values_list("plan",
                                                                                                      flat=True)
        return cls(signed_in=True, segment=(account.segment or "").strip().lower(),
                   plans=frozenset(p.strip().lower() for p in plans if p))


Audience.STAFF = Audience(signed_in=True, staff=True)
Audience.PUBLIC = Audience()


def visible_q(audience: Audience) -> Q:
    """The articles ``audience`` may read, whatever their status (the caller says which statuses)."""
    if audience.staff:
        return Q()
    q = Q(visibility=Visibility.PUBLIC)
    if audience.signed_in:
        q |= Q(visibility=Visibility.CUSTOMERS)
        if audience.segment:
            q |= Q(visibility=Visibility.SEGMENT, audience_value__iexact=audience.segment)
        for plan in audience.plans:
            q |= Q(visibility=Visibility.PLAN, audience_value__iexact=plan)
    return q


def readable(audience: Audience, statuses: Iterable[str] = (ArticleStatus.PUBLISHED,)):
    """The articles ``audience`` may read: published ones unless told (the portal's lists and category pages)."""
    return Article.objects.filter(visible_q(audience), status__in=list(statuses))


def readable_article(slug: str, *, audience: Audience) -> Article | None:
    """The published article at ``slug`` if ``audience`` may read it, else None (the portal answers 404 either
    way, so a private article's existence is not told)."""
    return readable(audience).select_related("category").filter(slug=slug).first()


def related_articles(article: Article, *, audience: Audience) -> list[Article]:
    """The articles related to ``article`` that ``audience`` may read, by title."""
    return list(readable(audience).filter(related=article).order_by("title", "pk"))


# ---- results -------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SearchResult:
    id: int
    title: str
    slug: str
    url: str
    snippet: str  # safe HTML: the text escaped, the matches in <mark>
    score: float  # higher is better; compare within one answer only (each database has its own scale)
    complete: bool  # every content word of the query matched


def staff_url(article_id: int, slug: str) -> str:
    return reverse("knowledge:detail", args=[article_id])


def marked(snippet: str) -> str:
    """A snippet whose matches the database marked with MARK_START/MARK_END, as safe HTML."""
    return html.escape(snippet or "").replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")


def search_articles(query: str, *, audience: Audience, limit: int = 10,
                    statuses: Iterable[str] = (ArticleStatus.PUBLISHED,),
                    url_for: Callable[[int, str], str] = staff_url) -> list[SearchResult]:
    """The articles ``audience`` may read that answer ``query``, best first (at most ``limit``). ``url_for``
    makes each result's address (the portal passes its own)."""
    terms = words(query)
    limit = max(1, min(int(limit), 100))
    if not terms:
        return []
    terms = corrected(terms)
    engine = _postgresql if connection.vendor == "postgresql" else _sqlite
    visible_sql, visible_params = _readable_where(audience, statuses)
    rows = engine(terms, True, limit, visible_sql, visible_params)
    results = [(row, True) for row in rows]
    if len(rows) < limit and len(terms) > 1:
        seen = {row[0] for row in rows}
        more = engine(terms, False, limit + len(rows), visible_sql, visible_params)
        results += [(row, False) for row in more if row[0] not in seen][: limit - len(rows)]
    return [SearchResult(id=pk, title=title, slug=slug, url=url_for(pk, slug), snippet=marked(snippet),
                         score=float(score), complete=complete)
            for (pk, title, slug, score, snippet), complete in results]


_SNIPPET_WORDS = 24


# Ranking scores every document a query matches: tens of thousands for a common word in a large knowledge base
# (a second and more). A query that matches more than this ranks the newest this many, after the newest this many
# whose title matches: a title match is what ranks first anyway (title weighted well above body).
CANDIDATES = 500


def _sqlite(terms, every, limit, visible_sql, visible_params):
    match = (" " if every else " OR ").join(f'"{t}"' for t in terms)
    with connection.cursor() as cursor:
        newest = _sqlite_newest(cursor, match, CANDIDATES + 1, visible_sql, visible_params)
        if len(newest) <= CANDIDATES:
            ranked = _best(newest, limit)
        else:
            titled = _sqlite_newest(cursor, f"{{title}} : ({match})", CANDIDATES, visible_sql, visible_params)
            ranked = _first_of_each(_best(titled, limit) + _best(newest[:CANDIDATES], limit))[:limit]
        out = []
        for pk, title, slug, score in ranked:  # a snippet for each result shown only: FTS5 seeks a rowid
            cursor.execute("SELECT snippet(knowledge_article_fts, 1, %s, %s, '…', %s) FROM knowledge_article_fts "
                           "WHERE knowledge_article_fts MATCH %s AND rowid = %s",
                           [MARK_START, MARK_END, _SNIPPET_WORDS, match, pk])
            found = cursor.fetchone()
            out.append((pk, title, slug, score, found[0] if found else ""))
        return out


def _readable_where(audience: Audience, statuses: Iterable[str]) -> tuple[str, list]:
    """``readable`` as a condition on the knowledge_article table itself (no alias), to join beside the index:
    as a list of readable ids it was built anew for every query (50 ms at 100,000 articles)."""
    query = readable(audience, statuses).query
    sql, params = query.get_compiler(connection=connection).compile(query.where)
    return sql or "1 = 1", list(params)


def _first_of_each(rows: list[tuple]) -> list[tuple]:
    """Rows in order, each article once (its first row)."""
    seen: set[int] = set()
    return [row for row in rows if not (row[0] in seen or seen.add(row[0]))]


def _sqlite_newest(cursor, match, count, visible_sql, visible_params) -> list[tuple]:
    """The ``count`` newest readable articles matching, each with its score (bm25, title ten times the body: its
    statistics are the whole index's, so a score is the same whichever rows are read), newest first: one walk of
    the index in rowid order. (A walk to the ``count``-th match, then a ranking from its rowid, read the index
    twice.)"""
    # CROSS JOIN: SQLite keeps the index walk outside (else it may look each readable article up in the index)
    cursor.execute(f"""
        SELECT knowledge_article.id, knowledge_article.title, knowledge_article.slug,
               -bm25(knowledge_article_fts, 10.0, 1.0) AS score
        FROM knowledge_article_fts CROSS JOIN knowledge_article ON knowledge_article.id = knowledge_article_fts.rowid
        WHERE knowledge_article_fts MATCH %s AND {visible_sql}
        ORDER BY knowledge_article_fts.rowid DESC LIMIT %s""", [match, *visible_params, count])
    return cursor.fetchall()


def _best(rows: list[tuple], limit: int) -> list[tuple]:
    """The best ``limit`` of (id, title, slug, score) rows: by score, then id."""
    return sorted(rows, key=lambda row: (-row[3], row[0]))[:limit]


# ts_rank's weights for D, C, B, A: a title word (A) counts five times a body word (B).
_PG_WEIGHTS = "{0.02, 0.05, 0.2, 1.0}"
_PG_HEADLINE = (f'StartSel="{MARK_START}", StopSel="{MARK_END}", MaxWords={_SNIPPET_WORDS}, MinWords=10, '
                'ShortWord=2')


def _postgresql(terms, every, limit, visible_sql, visible_params):
    text = (" " if every else " or ").join(terms)
    query = "websearch_to_tsquery('english', %s)"
    with connection.cursor() as cursor:
        plan = _NewestPlan(cursor, text, visible_sql, visible_params)
        # the newest readable matches, one more than are ranked: no scoring yet
        newest = plan.newest("search", CANDIDATES + 1)
        if len(newest) <= CANDIDATES:
            ranked = _ranked(_postgresql_scores(cursor, text, newest), newest, limit)
        else:
            titled = plan.newest("title_search", CANDIDATES)
            newest = newest[:CANDIDATES]
            # one ranking of both sets (an article in both is read once), each ranked in it as on its own
            scores = _postgresql_scores(cursor, text, list({*titled, *newest}))
            ranked = _first_of_each(_ranked(scores, titled, limit) + _ranked(scores, newest, limit))[:limit]
        if not ranked:
            return []
        # the headline is worked out for the results shown only
        cursor.execute(f"SELECT id, title, slug, ts_headline('english', body_text, {query}, %s) "
                       f"FROM knowledge_article WHERE id = ANY(%s)", [text, _PG_HEADLINE, [r[0] for r in ranked]])
        shown = {row[0]: row for row in cursor.fetchall()}
        return [(pk, *shown[pk][1:3], score, shown[pk][3]) for pk, score in ranked if pk in shown]


# How many articles a walk of the primary key may pass per match it is to find before the GIN index is cheaper
# (a walk tests each article's tsvector: the whole text's is large, stored apart and decompressed for each row;
# the title's is small).
_WALK_AT_MOST = {"search": 5, "title_search": 10}
# The id range read from the GIN index is this many times what the estimate says holds the matches wanted.
_RANGE_MARGIN = 2


class _NewestPlan:
    """The newest readable articles whose tsvector matches a query, read one of two ways by how many match.

    When most articles match, a walk of the primary key from the newest finds them after a few articles. When few
    do, such a walk tests most of the table (100 ms and more at 100,000 articles), and PostgreSQL's planner, which
    prices the test of a tsvector as nearly free, still chooses it. Then the GIN index is read instead, joined
    (a BitmapAnd) to the range of the newest ids expected to hold the matches wanted, so that only those articles
    are visited: all the matches of a word in a tenth of the articles are 10,000 visits (80 ms), the newest 500
    about 1,000. The expected number of matches is the planner's own estimate (its statistics of the words); when
    the range holds fewer matches than wanted, the whole index is read."""

    def __init__(self, cursor, text, visible_sql, visible_params):
        self.cursor, self.text, self.visible_sql, self.visible_params = cursor, text, visible_sql, visible_params
        cursor.execute("SELECT reltuples, (SELECT max(id) FROM knowledge_article) FROM pg_class "
                       "WHERE oid = 'knowledge_article'::regclass")
        articles, self.last_id = cursor.fetchone()
        self.articles = max(1.0, float(articles))

    def newest(self, column: str, count: int) -> list[int]:
        if self.last_id is None:
            return []
        where = f"knowledge_article.{column} @@ websearch_to_tsquery('english', %s) AND {self.visible_sql}"
        params = [self.text, *self.visible_params]
        matches = self._estimated(where, params)
        if count * self.articles / matches <= _WALK_AT_MOST[column] * count:
            return self._ids(where, params, "id DESC", count)
        span = int(_RANGE_MARGIN * count * self.last_id / matches)
        if span < self.last_id:
            # "OR id < 0" (no article has such an id): an OR no plain index scan can answer, so the planner cannot
            # walk the range testing each article, only join the two indexes' bitmaps
            found = self._ids(f"{where} AND (knowledge_article.id > %s OR knowledge_article.id < 0)",
                              [*params, self.last_id - span], "id + 0 DESC", count)
            if len(found) == count:
                return found
        # "id + 0": an order the primary key cannot give, so the planner reads the matches from the GIN index
        return self._ids(where, params, "id + 0 DESC", count)

    def _estimated(self, where, params) -> float:
        self.cursor.execute(f"EXPLAIN (FORMAT JSON) SELECT 1 FROM knowledge_article WHERE {where}", params)
        explained = self.cursor.fetchone()[0]
        plan = json.loads(explained) if isinstance(explained, str) else explained
        return max(1.0, float(plan[0]["Plan"]["Plan Rows"]))

    def _ids(self, where, params, order, count) -> list[int]:
        self.cursor.execute(f"SELECT knowledge_article.id FROM knowledge_article WHERE {where} ORDER BY {order} "
                            f"LIMIT %s", [*params, count])
        return [row[0] for row in self.cursor.fetchall()]


def _postgresql_scores(cursor, text, ids) -> dict[int, float]:
    if not ids:
        return {}
    cursor.execute("SELECT id, ts_rank(%s::float4[], search, websearch_to_tsquery('english', %s)) "
                   "FROM knowledge_article WHERE id = ANY(%s)", [_PG_WEIGHTS, text, ids])
    return dict(cursor.fetchall())


def _ranked(scores: dict[int, float], ids: list[int], limit: int) -> list[tuple[int, float]]:
    """The best ``limit`` of ``ids`` by score, then id: (id, score)."""
    return sorted(((pk, scores[pk]) for pk in ids if pk in scores), key=lambda row: (-row[1], row[0]))[:limit]


# ---- typos ---------------------------------------------------------------------------------------------------

def allowed_edits(word: str) -> int:
    """How many letters a word may be off by and still be read as another: none in short words (too many
    neighbours), one up to six letters, two beyond."""
    return 0 if len(word) <= 3 else 1 if len(word) <= 6 else 2


def edit_distance(a: str, b: str) -> int:
    """Letters inserted, deleted, replaced, or two neighbours swapped (optimal string alignment distance)."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]


def best_spelling(word: str, candidates: Iterable[tuple[str, int]]) -> str:
    """The candidate (word, number of articles using it) nearest ``word`` within its allowed edits, the most used
    on a tie; ``word`` itself when none is near."""
    limit = allowed_edits(word)
    best: tuple[int, int, str] | None = None
    for candidate, documents in candidates:
        if abs(len(candidate) - len(word)) > limit:
            continue
        distance = edit_distance(word, candidate)
        if distance <= limit and (best is None or (distance, -documents, candidate) < best):
            best = (distance, -documents, candidate)
    return best[2] if best else word


def correct(word: str) -> str:
    """``word`` if some article uses it (in any form), else the nearest word the articles use."""
    return corrected([word])[0]


def corrected(words: list[str]) -> list[str]:
    """Each of ``words`` corrected (``correct``), in order."""
    if connection.vendor != "postgresql":
        return [_correct_sqlite(word) if _correctable(word) else word for word in words]
    if not any(_correctable(word) for word in words):
        return list(words)
    with connection.cursor() as cursor:
        # the words written in some article: the vocabulary (migration 0004), one index lookup for all
        cursor.execute("SELECT word FROM knowledge_word WHERE word = ANY(%s)", [[w for w in words if _correctable(w)]])
        written = {row[0] for row in cursor.fetchall()}
        return [_correct_postgresql(cursor, word) if _correctable(word) and word not in written else word
                for word in words]


def _correctable(word: str) -> bool:
    return allowed_edits(word) > 0 and word.isalpha()


def _correct_sqlite(word: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM knowledge_article_fts WHERE knowledge_article_fts MATCH %s LIMIT 1",
                       [f'"{word}"'])
        if cursor.fetchone():
            return word
        # the vocabulary of words as written, its first letter taken as typed (a range the vocabulary reads fast)
        limit = allowed_edits(word)
        cursor.execute("SELECT term, doc FROM knowledge_article_vocab WHERE term >= %s AND term < %s "
                       "AND length(term) BETWEEN %s AND %s",
                       [word[0], chr(ord(word[0]) + 1), len(word) - limit, len(word) + limit])
        return best_spelling(word, cursor.fetchall())


def _correct_postgresql(cursor, word: str) -> str:
    """``word``, not written as such in any article (the vocabulary keeps the words of deleted articles too: such a
    word is left as typed), if an article has it in another form (renewals → renewal), else its nearest spelling."""
    # MATERIALIZED: planned to read every match (the GIN index for a rare word), then stopped at the first. With a
    # plain LIMIT 1 the planner scans the table for a match it expects soon: for a word no article has, all of it
    # (a second at 100,000 articles).
    cursor.execute("WITH found AS MATERIALIZED (SELECT id FROM knowledge_article "
                   "WHERE search @@ plainto_tsquery('english', %s)) SELECT 1 FROM found LIMIT 1", [word])
    if cursor.fetchone():
        return word
    # the articles' words as written that share enough trigrams with it (knowledge_word, migration 0004)
    limit = allowed_edits(word)
    cursor.execute("SELECT set_config('pg_trgm.similarity_threshold', '0.2', false)")
    cursor.execute("SELECT word, documents FROM knowledge_word WHERE word %% %s AND length(word) BETWEEN %s AND %s "
                   "ORDER BY similarity(word, %s) DESC LIMIT 50",
                   [word, len(word) - limit, len(word) + limit, word])
    return best_spelling(word, cursor.fetchall())


# ---- search as you type --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Suggestion:
    id: int
    title: str
    url: str


def suggest_titles(prefix: str, *, audience: Audience, limit: int = 8,
                   url_for: Callable[[int, str], str] = staff_url) -> list[Suggestion]:
    """Published titles ``audience`` may read holding every word typed so far (the last one may be unfinished),
    titles starting with the text first."""
    typed = _WORD.findall((prefix or "").lower())[:MAX_WORDS]
    if not typed:
        return []
    qs = readable(audience)
    for word in typed:
        qs = qs.filter(title__icontains=word[:MAX_WORD])
    start = " ".join(typed)
    rows = sorted(qs.values_list("id", "title", "slug")[:200],
                  key=lambda r: (not r[1].lower().startswith(start), len(r[1]), r[1].lower(), r[0]))
    return [Suggestion(id=pk, title=title, url=url_for(pk, slug)) for pk, title, slug in rows[: max(1, limit)]]
