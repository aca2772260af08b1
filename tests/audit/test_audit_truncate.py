"""Issue 19 item 10: the audit table cannot be emptied with TRUNCATE on PostgreSQL, even by
a role that was granted every privilege on it (migration audit/0003). Superusers, who can
disable any trigger anyway, are let through so that the test runner can empty tables."""

import uuid

import pytest
from django.db import DatabaseError, connection, transaction

import audit
from audit.models import AuditEvent

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the audit table's triggers exist on PostgreSQL only"
)
TABLE = AuditEvent._meta.db_table


@pytest.fixture
def event(alice):
    return audit.record(None, audit.Action.EXPORT, user=alice, kind="reports", rows=3)


@pytest.fixture
def as_application_role(db):
    """This test's transaction runs as a fresh non-superuser role with ALL on the table (a
    role granted too much); the role is created in the test's transaction, so it is gone
    with the rollback at the end."""
    role = f"registry_app_{uuid.uuid4().hex[:12]}"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {role} NOLOGIN")
        cursor.execute(f"GRANT ALL ON {TABLE} TO {role}")
        cursor.execute(f"SET LOCAL ROLE {role}")
    yield role
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")


def test_truncate_of_the_audit_table_is_refused(event, as_application_role):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {TABLE}")

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {TABLE} WHERE id = %s", [event.pk])
        assert cursor.fetchone() == (1,)

