# Issue 21 item 2: the indexes of the auditors' admin lists, on PostgreSQL (SQLite has no
# operator classes; its lists scan, so there this does nothing), built CONCURRENTLY so that a
# deployment in the reporting season does not stop the hospitals' writes while a million
# cases are indexed (hence atomic = False):
#
# - 住院号 searched by its beginning, in any case: the admin's ``admission_no__istartswith``
#   is ``UPPER(admission_no::text) LIKE UPPER('ZY25%')``, served by an index on that
#   expression with text_pattern_ops (which serves LIKE 'prefix%' whatever the database's
#   collation; the default operator class does only under the C collation);
# - the lists sorted by 修改时间 (``updated_at``), the only column they sort by;
# - the Excel import records, newest first (``created_at``).
#
# They are not declared in the models (an operator class on an expression cannot be); the
# admin classes that rely on them say so (casesets/admin.py).
from django.db import migrations

INDEXES = (
    (
        "ivt_admission_prefix_idx",
        "casesets_thrombolysiscase ((UPPER(admission_no::text)) text_pattern_ops)",
    ),
    (
        "evt_admission_prefix_idx",
        "casesets_interventioncase ((UPPER(admission_no::text)) text_pattern_ops)",
    ),
    ("ivt_updated_at_idx", "casesets_thrombolysiscase (updated_at)"),
    ("evt_updated_at_idx", "casesets_interventioncase (updated_at)"),
    ("importbatch_created_idx", "casesets_importbatch (created_at)"),
)


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, target in INDEXES:
        schema_editor.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {target}")
    # The statistics of the indexed expression: without them the planner guesses how many
    # cases a 住院号 prefix matches (and may walk the whole table instead of the index).
    schema_editor.execute("ANALYZE casesets_thrombolysiscase, casesets_interventioncase")


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _target in INDEXES:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("casesets", "0004_case_list_indexes"),
    ]

    operations = [
        migrations.RunPython(create_indexes, drop_indexes),
    ]
