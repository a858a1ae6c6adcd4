"""Knowledge search at size on PostgreSQL (SQLite's FTS5 tables need nothing).

* A title-only tsvector with its GIN index: a query matching more articles than the search ranks takes the newest
  title matches first (knowledge.search.CANDIDATES).
* The vocabulary of the articles' words as written (knowledge_word), kept by triggers (per statement) as the
  tsvector is kept by its generated column, with a trigram index: a mistyped word is corrected from it in a few milliseconds. Reading
  the words of the articles like the typo (ts_stat over a trigram search of their whole text) took seconds at
  100,000 articles, and the whole-text trigram index it needed slowed every article write; it is dropped.
  ``documents`` counts the articles written with the word (any update counts again, a deletion is not taken back): it
  only breaks ties between equally near spellings.
"""

from django.db import migrations

POSTGRESQL = [
    """ALTER TABLE knowledge_article ADD COLUMN title_search tsvector GENERATED ALWAYS AS (
         to_tsvector('english', coalesce(title, ''))) STORED""",
    "CREATE INDEX knowledge_article_title_search ON knowledge_article USING gin (title_search)",
    "CREATE TABLE knowledge_word (word text PRIMARY KEY, documents integer NOT NULL DEFAULT 0)",
    "CREATE INDEX knowledge_word_trgm ON knowledge_word USING gin (word gin_trgm_ops)",
    # Per statement, over all the rows it wrote (a transition table): an import of thousands of articles adds to
    # each word once. Per row, the same common words were updated thousands of times in one transaction, each
    # update slower than the last (5,000 articles took minutes).
    """CREATE FUNCTION knowledge_article_words() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         INSERT INTO knowledge_word AS w (word, documents)
           SELECT lexeme, count(*) FROM written, unnest(tsvector_to_array(to_tsvector('simple',
             coalesce(written.title, '') || ' ' || coalesce(written.body_text, '')))) AS lexeme
           WHERE length(lexeme) <= 40
           GROUP BY lexeme
           ORDER BY lexeme  -- one order for every writer: two imports at once never deadlock
         ON CONFLICT (word) DO UPDATE SET documents = w.documents + excluded.documents;
         RETURN NULL;
       END $$""",
    """CREATE TRIGGER knowledge_article_words_added AFTER INSERT ON knowledge_article
       REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION knowledge_article_words()""",
    # (a trigger with a transition table cannot name columns: any update counts the words again)
    """CREATE TRIGGER knowledge_article_words_changed AFTER UPDATE ON knowledge_article
       REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION knowledge_article_words()""",
    """INSERT INTO knowledge_word (word, documents)
       SELECT word, ndoc FROM ts_stat('SELECT to_tsvector(''simple'', coalesce(title, '''') || '' '' ||
         coalesce(body_text, '''')) FROM knowledge_article') WHERE length(word) <= 40""",
    "DROP INDEX IF EXISTS knowledge_article_words_trgm",
]
POSTGRESQL_BACK = [
    """CREATE INDEX IF NOT EXISTS knowledge_article_words_trgm ON knowledge_article
         USING gin ((title || ' ' || body_text) gin_trgm_ops)""",
    "DROP TRIGGER IF EXISTS knowledge_article_words_added ON knowledge_article",
    "DROP TRIGGER IF EXISTS knowledge_article_words_changed ON knowledge_article",
    "DROP FUNCTION IF EXISTS knowledge_article_words()",
    "DROP TABLE IF EXISTS knowledge_word",
    "DROP INDEX IF EXISTS knowledge_article_title_search",
    "ALTER TABLE knowledge_article DROP COLUMN IF EXISTS title_search",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)
    return run


class Migration(migrations.Migration):

    dependencies = [("knowledge", "0003_shown_articles")]

    operations = [migrations.RunPython(_run(POSTGRESQL), _run(POSTGRESQL_BACK))]
