"""Full-text search over thread titles, for finding similar threads while a member writes one (community.similar).

PostgreSQL: a generated tsvector of the title with a GIN index. SQLite: an FTS5 table over the thread rows (external
content, porter stemming) kept in step by triggers, so every write (a service, the admin, a cascade) updates it.
A later migration that remakes community_thread on SQLite drops these triggers and must create them again."""

from django.db import migrations

POSTGRESQL = [
    """ALTER TABLE community_thread ADD COLUMN title_search tsvector GENERATED ALWAYS AS (
         to_tsvector('english', coalesce(title, ''))) STORED""",
    "CREATE INDEX community_thread_title_search ON community_thread USING gin (title_search)",
]
POSTGRESQL_BACK = [
    "DROP INDEX IF EXISTS community_thread_title_search",
    "ALTER TABLE community_thread DROP COLUMN IF EXISTS title_search",
]
SQLITE = [
    """CREATE VIRTUAL TABLE community_thread_fts USING fts5(title, content='community_thread', content_rowid='id',
         tokenize='porter unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER community_thread_fts_ai AFTER INSERT ON community_thread BEGIN
         INSERT INTO community_thread_fts(rowid, title) VALUES (new.id, new.title);
       END""",
    """CREATE TRIGGER community_thread_fts_ad AFTER DELETE ON community_thread BEGIN
         INSERT INTO community_thread_fts(community_thread_fts, rowid, title) VALUES ('delete', old.id, old.title);
       END""",
    """CREATE TRIGGER community_thread_fts_au AFTER UPDATE OF title ON community_thread BEGIN
         INSERT INTO community_thread_fts(community_thread_fts, rowid, title) VALUES ('delete', old.id, old.title);
         INSERT INTO community_thread_fts(rowid, title) VALUES (new.id, new.title);
       END""",
    "INSERT INTO community_thread_fts(community_thread_fts) VALUES ('rebuild')",
]
SQLITE_BACK = [f"DROP TRIGGER IF EXISTS community_thread_fts_{s}" for s in ("ai", "ad", "au")] + [
    "DROP TABLE IF EXISTS community_thread_fts"]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, ()):
            schema_editor.execute(sql)
    return run


class Migration(migrations.Migration):

    dependencies = [("community", "0001_initial")]

    operations = [
        migrations.RunPython(_run({"postgresql": POSTGRESQL, "sqlite": SQLITE}),
                             _run({"postgresql": POSTGRESQL_BACK, "sqlite": SQLITE_BACK})),
    ]
