"""Issue 19 item 10: TRUNCATE of audit_auditevent is refused on PostgreSQL, as UPDATE and
DELETE already are (migration 0002), by a statement-level BEFORE TRUNCATE trigger.

Superusers are let through: Django's test runner empties every table with one TRUNCATE
between transactional tests (as the superuser of the test cluster), and a superuser can
disable any trigger anyway. The application's role must therefore never be a superuser, nor
own the table (an owner can drop the trigger); SECURITY.md gives the role's grants, with
TRUNCATE revoked as well. SQLite, the single-machine trial setup, has no trigger."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION audit_auditevent_refuse_truncate() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = current_user AND rolsuper) THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'audit_auditevent is append-only: TRUNCATE refused'
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER audit_auditevent_refuse_truncate
    BEFORE TRUNCATE ON audit_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION audit_auditevent_refuse_truncate();
"""

DROP = """
DROP TRIGGER IF EXISTS audit_auditevent_refuse_truncate ON audit_auditevent;
DROP FUNCTION IF EXISTS audit_auditevent_refuse_truncate();
"""


def _on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only_trigger")]

    operations = [migrations.RunPython(_on_postgresql(CREATE), _on_postgresql(DROP))]
