"""Full-text search over articles, one index per database, kept equal to the rows by the database itself.

PostgreSQL: a generated tsvector column (title weight A, body text weight B) with a GIN index, and pg_trgm with a
trigram index on the text so that a mistyped word finds its spelling (knowledge.search).
SQLite: two FTS5 tables over the article rows (external content, no copy of the text): one stems words with the
porter tokenizer (the search), one keeps them as written (the vocabulary that corrects typos, read through
fts5vocab). Triggers keep both in step with knowledge_article: every write to an article (a service, the admin, a
bulk update, a cascade) updates them, as the generated column does on PostgreSQL, so no code path can forget.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

POSTGRESQL = [
    """ALTER TABLE knowledge_article ADD COLUMN search tsvector GENERATED ALWAYS AS (
         setweight(to_tsvector('english', coalesce(title, '')), 'A') ||
         setweight(to_tsvector('english', coalesce(body_text, '')), 'B')) STORED""",
    "CREATE INDEX knowledge_article_search ON knowledge_article USING gin (search)",
    """CREATE INDEX knowledge_article_words_trgm ON knowledge_article
         USING gin ((title || ' ' || body_text) gin_trgm_ops)""",
    "CREATE INDEX knowledge_article_title_trgm ON knowledge_article USING gin (title gin_trgm_ops)",
]
POSTGRESQL_BACK = [
    "DROP INDEX IF EXISTS knowledge_article_title_trgm",
    "DROP INDEX IF EXISTS knowledge_article_words_trgm",
    "DROP INDEX IF EXISTS knowledge_article_search",
    "ALTER TABLE knowledge_article DROP COLUMN IF EXISTS search",
]

_FTS = ("USING fts5(title, body_text, content='knowledge_article', content_rowid='id', "
        "tokenize='{tokenizer}'{extra})")
SQLITE = [
    "CREATE VIRTUAL TABLE knowledge_article_fts " + _FTS.format(tokenizer="porter unicode61 remove_diacritics 2",
                                                                extra=""),
    "CREATE VIRTUAL TABLE knowledge_article_words " + _FTS.format(tokenizer="unicode61 remove_diacritics 2",
                                                                  extra=", detail=none"),
    "CREATE VIRTUAL TABLE knowledge_article_vocab USING fts5vocab(knowledge_article_words, 'row')",
]
for table in ("knowledge_article_fts", "knowledge_article_words"):
    SQLITE += [
        f"""CREATE TRIGGER {table}_ai AFTER INSERT ON knowledge_article BEGIN
              INSERT INTO {table}(rowid, title, body_text) VALUES (new.id, new.title, new.body_text);
            END""",
        f"""CREATE TRIGGER {table}_ad AFTER DELETE ON knowledge_article BEGIN
              INSERT INTO {table}({table}, rowid, title, body_text) VALUES ('delete', old.id, old.title, old.body_text);
            END""",
        f"""CREATE TRIGGER {table}_au AFTER UPDATE OF title, body_text ON knowledge_article BEGIN
              INSERT INTO {table}({table}, rowid, title, body_text) VALUES ('delete', old.id, old.title, old.body_text);
              INSERT INTO {table}(rowid, title, body_text) VALUES (new.id, new.title, new.body_text);
            END""",
    ]
    SQLITE.append(f"INSERT INTO {table}({table}) VALUES ('rebuild')")
SQLITE_BACK = [f"DROP TRIGGER IF EXISTS {t}_{s}" for t in ("knowledge_article_fts", "knowledge_article_words")
               for s in ("ai", "ad", "au")] + [
    "DROP TABLE IF EXISTS knowledge_article_vocab",
    "DROP TABLE IF EXISTS knowledge_article_words",
    "DROP TABLE IF EXISTS knowledge_article_fts",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, ()):
            schema_editor.execute(sql)
    return run


class Migration(migrations.Migration):

    dependencies = [("knowledge", "0001_initial")]

    operations = [
        TrigramExtension(),  # PostgreSQL only (Django's extension operations do nothing elsewhere)
        migrations.RunPython(_run({"postgresql": POSTGRESQL, "sqlite": SQLITE}),
                             _run({"postgresql": POSTGRESQL_BACK, "sqlite": SQLITE_BACK})),
    ]
