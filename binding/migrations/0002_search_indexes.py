"""The search's indexes on PostgreSQL (binding.search explains them).

- pg_trgm, and a GIN trigram index on ``name_key``: similar names (a one-character typo);
- a GIN index over the character grams of ``search_text`` (``search_grams``, one string
  of space-separated grams): substring matches of keywords of any length, including the
  one- and two-character ones (协和, 张伟) that a trigram index cannot serve.

SQLite has neither; its search scans, so there these operations do nothing.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEXES = (
    ("legacy_name_trgm_idx", "gin (name_key gin_trgm_ops)"),
    ("legacy_search_grams_idx", "gin ((string_to_array(search_grams, ' ')))"),
)


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, method in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON binding_legacyrecord USING {method}"
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _method in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("binding", "0001_legacy_records"),
    ]

    operations = [
        TrigramExtension(),
        migrations.RunPython(create_indexes, drop_indexes),
    ]
