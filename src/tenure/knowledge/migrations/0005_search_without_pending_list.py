"""Knowledge search indexes without a pending list (PostgreSQL; SQLite's FTS5 tables need nothing).

A GIN index adds new entries to a pending list (up to 4 MB) that every search reads through until VACUUM, or the
write that fills it, merges it into the index. At 100,000 articles a full list added 10-20 ms to every read of the
index, a search reading three or four of them. A knowledge base is read far more than written: its GIN indexes
take each article's words into the index as it is written (``fastupdate = off``), and the list left now is merged.
"""

from django.db import migrations

INDEXES = ["knowledge_article_search", "knowledge_article_title_search", "knowledge_article_title_trgm",
           "knowledge_word_trgm"]


def _forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for index in INDEXES:
            schema_editor.execute(f"ALTER INDEX {index} SET (fastupdate = off)")
            schema_editor.execute(f"SELECT gin_clean_pending_list('{index}'::regclass)")


def _backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for index in INDEXES:
            schema_editor.execute(f"ALTER INDEX {index} RESET (fastupdate)")


class Migration(migrations.Migration):

    dependencies = [("knowledge", "0004_search_at_size")]

    operations = [migrations.RunPython(_forwards, _backwards)]
