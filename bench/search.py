"""Knowledge search at size (issue 15 item 9): BENCH_DOCUMENTS (default 100,000) articles of help-centre and
community-post size, then p50/p95 latency of the one search service the portal, the staff pages and the API use
(``knowledge.search.search_articles``: typo correction, ranking, snippets), and of search as you type
(``suggest_titles``); plus the indexing rate (rows/s stored with their search index kept by the database).

    PYTHONPATH=src python bench/search.py               # SQLite in a new temporary directory (goal p95 < 100 ms)
    PYTHONPATH=src python bench/search.py --postgres    # PostgreSQL, database tenure_bench_search (goal p95 < 50 ms)

BENCH_DATABASE_URL names another PostgreSQL database (created if missing, its articles replaced). BENCH_REUSE=1
keeps the articles a previous run left in that database when it holds BENCH_DOCUMENTS of them (the documents and
the queries are drawn from their own random sequences, so a reused database is the one that would be written);
for SQLite, BENCH_DATA_DIR names a directory kept between runs to hold its database.
The slowest queries are printed with their times, so the next person knows where the tail comes from. The documents
are written from a vocabulary of about 3,400 words (400 of a SaaS help centre's, the rest a long tail), word
frequencies following Zipf's law as real text does; queries are 1-4 words drawn the same way, one in five with a
typo, one in ten for a word no document has (a knowledge gap), as customers search.
"""

import itertools
import os
import random
import shutil
import statistics
import sys
import tempfile
import time

from latency import database, percentile, timed

DOCUMENTS = int(os.environ.get("BENCH_DOCUMENTS", 100_000))
QUERIES = int(os.environ.get("BENCH_QUERIES", 400))
SLOWEST = int(os.environ.get("BENCH_SLOWEST", 10))
GOAL_P95_MS = {"postgresql": 50, "sqlite": 100}
POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/tenure_bench_search"

COMMON = """account admin alert analytics api app archive audit backup billing board browser bulk calendar card
change channel chart checkout client cloud column comment company connect connection contact copy cost csv
customer dashboard data database date day default delete deploy device digest domain download draft duplicate edit
email embed enable error event export field file filter folder form format goal group guest help history home
import integration invite invoice issue item key label language layout license limit link list load lock log login
logout manager member message metric migrate mobile module monitor month name note notification number owner page
password payment permission phone plan policy portal preview price print privacy profile project quota record
refund region reminder report request reset restore role rule save schedule schema search seat security segment
server session setting setup share sheet sign single slack sort source space status storage subscription summary
support sync table tag task team template tenant theme ticket time timezone token trial update upgrade upload usage
user view webhook week widget workflow workspace year zone access activate add allow apply approve assign attach
automate block build cancel check choose clear close configure create customize deactivate define disable display
enter find fix follow forward generate grant hide install join keep leave limit manage map merge move open pause
publish receive recover redirect remove rename renew reply resolve restrict resume retry revoke run select send set
show skip start stop submit switch test track transfer turn undo unlock verify watch write advanced annual automatic
available basic blank broken certain complete custom daily different empty external failed full hidden inactive
internal invalid latest local manual missing monthly multiple new old online optional personal previous primary
private public quick recent recurring required secure shared slow specific standard temporary unknown weekly wrong
sso saml oauth scim csv pdf json xml http smtp dns ssl mfa otp ip url
"""
SYLLABLES = ["ka", "lo", "mi", "ner", "tra", "vo", "zen", "pul", "qua", "ris", "dex", "fo", "gal", "hen", "jor",
             "bel", "cor", "dun", "eth", "fyn"]


def vocabulary(rng: random.Random) -> list[str]:
    words = list(dict.fromkeys(COMMON.split()))
    tail = {"".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))) for _ in range(4000)}
    return words + sorted(tail - set(words))[:3000]


class Zipf:
    def __init__(self, words: list[str], rng: random.Random):
        self.words, self.rng = words, rng
        self.cumulative = list(itertools.accumulate(1 / (rank + 1) ** 1.05 for rank in range(len(words))))

    def draw(self, n: int) -> list[str]:
        return self.rng.choices(self.words, cum_weights=self.cumulative, k=n)


def typo(word: str, rng: random.Random) -> str:
    if len(word) < 5:
        return word
    i = rng.randrange(1, len(word) - 1)
    return word[:i] + word[i + 1] + word[i] + word[i + 2:]  # two neighbours swapped


# BENCH_DATA_DIR: a directory kept between runs (its SQLite database with it: see BENCH_REUSE)
KEPT_DIR = os.environ.get("BENCH_DATA_DIR")
DATA_DIR = KEPT_DIR or tempfile.mkdtemp(prefix="tenure-bench-search-")


def write_documents(n: int, zipf: Zipf, rng: random.Random) -> float | None:
    """Store ``n`` published public articles in batches; return rows/s (the database keeps the search index), or
    None when BENCH_REUSE asked to keep the ``n`` articles already there."""
    from django.db import connection, transaction

    from tenure.knowledge.models import Article, ArticleStatus, Visibility

    if os.environ.get("BENCH_REUSE") and Article.objects.count() == n:
        return None

    if connection.vendor == "postgresql":  # a database kept from an earlier run: start empty
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE knowledge_article, knowledge_word CASCADE")
    batch, seconds = 5_000, 0.0
    for first in range(0, n, batch):
        rows = []
        for i in range(first, min(n, first + batch)):
            title = " ".join(zipf.draw(rng.randint(3, 8))).capitalize()
            # article-sized (300-600 words) one time in four, community-post-sized (40-150 words) otherwise
            size = rng.randint(300, 600) if i % 4 == 0 else rng.randint(40, 150)
            body = " ".join(zipf.draw(size))
            rows.append(Article(title=title, slug=f"doc-{i}", body=body, body_html=f"<p>{body}</p>",
                                body_text=body, status=ArticleStatus.PUBLISHED, visibility=Visibility.PUBLIC))
        start = time.perf_counter()  # the writing only, not the making up of the text
        with transaction.atomic():
            Article.objects.bulk_create(rows)
        seconds += time.perf_counter() - start
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE knowledge_article")
    return n / seconds


def queries(n: int, zipf: Zipf, vocab: list[str], rng: random.Random) -> list[str]:
    out = []
    for _ in range(n):
        words = zipf.draw(rng.choice((1, 2, 2, 3, 3, 4)))
        roll = rng.random()
        if roll < 0.2:
            words[-1] = typo(words[-1], rng)
        elif roll < 0.3:
            words.append("zzqx" + rng.choice(SYLLABLES))  # nothing has it: a knowledge gap
        out.append(" ".join(words))
    return out


def main() -> None:
    postgres = "--postgres" in sys.argv
    url = database(POSTGRES_URL, DATA_DIR, postgres)
    from django.db import connection

    from tenure.knowledge.search import Audience, search_articles, suggest_titles

    vocab = vocabulary(random.Random(15))
    rng = random.Random(16)
    rate = write_documents(DOCUMENTS, Zipf(vocab, rng), rng)
    vendor = connection.vendor
    indexed = "kept from an earlier run" if rate is None else f"indexed at {rate:,.0f} rows/s"
    print(f"{DOCUMENTS:,} documents on {vendor} ({url.rsplit('/', 1)[-1]}): {indexed}")
    rng = random.Random(17)  # the queries' own sequence: the same whether the documents were written or kept
    asked = queries(QUERIES, Zipf(vocab, rng), vocab, rng)
    for q in asked[:20]:  # warm the caches as a running server's would be
        search_articles(q, audience=Audience.PUBLIC)
    found = [0]

    def search(q):
        def run():
            found[0] += bool(search_articles(q, audience=Audience.PUBLIC, limit=10))
        return run

    search_ms = timed([search(q) for q in asked])
    prefixes = [q.split()[0][: rng.randint(2, 6)] for q in asked]
    suggest_ms = timed([lambda p=p: suggest_titles(p, audience=Audience.PUBLIC) for p in prefixes])
    goal = GOAL_P95_MS[vendor]
    for label, values in (("search", search_ms), ("search as you type", suggest_ms)):
        p95 = percentile(values, 95)
        verdict = "" if label != "search" else ("  goal met" if p95 < goal else f"  MISSED (goal p95 < {goal} ms)")
        print(f"{label:<20} p50 {statistics.median(values):6.1f} ms  p95 {p95:6.1f} ms  max {max(values):7.1f} ms"
              f"  ({len(values)} queries){verdict}")
    print(f"queries with results: {found[0]} of {len(asked)}")
    slowest = sorted(zip(search_ms, asked, strict=True), reverse=True)[:SLOWEST]
    print("slowest searches: " + ", ".join(f"{ms:.0f} ms {q!r}" for ms, q in slowest))
    slowest = sorted(zip(suggest_ms, prefixes, strict=True), reverse=True)[:SLOWEST]
    print("slowest as you type: " + ", ".join(f"{ms:.0f} ms {p!r}" for ms, p in slowest))


if __name__ == "__main__":
    try:
        main()
    finally:
        if not (KEPT_DIR or os.environ.get("BENCH_KEEP")):  # the SQLite database of 100,000 documents is about 600 MB
            shutil.rmtree(DATA_DIR, ignore_errors=True)
