"""Auditors' admin lists at national size (issue 21 item 2): counts that stop at a cap (no
unbounded COUNT(*)), pages that stop there too, a search on indexes, sorting only by
indexed columns, and the statement timeout's page."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

import audit
from casesets import admin as casesets_admin
from casesets.models import ImportBatch
from registry import query_timeout

from .conftest import make_report
from .helpers import make_ivt

pytestmark = pytest.mark.django_db

IVT_LIST = reverse("admin:casesets_thrombolysiscase_changelist")
EVT_LIST = reverse("admin:casesets_interventioncase_changelist")
LISTS = [
    IVT_LIST,
    EVT_LIST,
    reverse("admin:surveys_report_changelist"),
    reverse("admin:casesets_importbatch_changelist"),
    reverse("admin:audit_auditevent_changelist"),
]
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's plans and statement_timeout"
)


@pytest.fixture
def desk(client, auditor):
    client.force_login(auditor)
    return client


@pytest.fixture
def many(report, report_b, alice, settings):
    """Seven cases, two import batches and audit events, and a cap of 3 rows a list."""
    settings.ADMIN_LIST_MAX_ROWS = 3
    for n in range(4):
        make_ivt(report, admission_no=f"ZY2025-{n:03d}")
    for n in range(3):
        make_ivt(report_b, admission_no=f"B{n}")
    for n in range(2):
        ImportBatch.objects.create(
            report=report, attachment=3, file="x.xlsx", sha256=f"{n:064d}", size=1,
            created_by=alice,
        )  # fmt: skip
    for n in range(5):
        audit.record(None, audit.Action.EXPORT, user=alice, rows=n)


def counts(queries):
    return [q["sql"] for q in queries if re.search(r"\bCOUNT\(", q["sql"], re.IGNORECASE)]


def assert_no_unbounded_count(queries):
    """Every COUNT is over a LIMITed subquery: COUNT(*) FROM (SELECT … LIMIT n)."""
    for sql in counts(queries):
        assert re.search(r"COUNT\(\*\) FROM \(SELECT .* LIMIT \d+\) subquery$", sql), sql


@pytest.mark.parametrize("url", LISTS)
def test_no_admin_list_counts_every_row(desk, many, url):
    with CaptureQueriesContext(connection) as queries:
        response = desk.get(url)
        searched = desk.get(url, {"q": "甲医院"})

    assert response.status_code == searched.status_code == 200
    assert_no_unbounded_count(queries.captured_queries)


def test_a_list_over_the_cap_says_so(desk, many):
    response = desk.get(IVT_LIST)

    cl = response.context["cl"]
    assert (cl.count_capped, cl.result_count, cl.full_result_count) == (True, 3, None)
    assert "超过3条单纯静脉溶栓个案" in response.text
    assert "请用筛选（如数据年度、省份）或搜索缩小范围" in response.text
    # No "select all N" across a list that is not counted.
    assert "class=\"question" not in response.text


def test_a_list_under_the_cap_counts_exactly(desk, many):
    response = desk.get(IVT_LIST, {"q": "B"})

    cl = response.context["cl"]
    assert (cl.count_capped, cl.result_count) == (False, 3)
    assert "超过" not in response.text


def test_pages_stop_at_the_cap_and_a_deeper_page_shows_the_last_with_a_message(
    desk, many, monkeypatch
):
    monkeypatch.setattr(casesets_admin.ThrombolysisCaseAdmin, "list_per_page", 2)

    with CaptureQueriesContext(connection) as queries:
        response = desk.get(IVT_LIST, {"p": "5000"})

    assert response.status_code == 200
    cl = response.context["cl"]
    assert (cl.paginator.num_pages, cl.page_num) == (2, 2)  # 3 rows of the cap, 2 a page
    assert len(cl.result_list) == 1
    assert "第5000页超出可浏览的范围" in response.text
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    assert max(int(n) for n in re.findall(r"OFFSET (\d+)", sql)) <= 3


def test_a_page_that_is_not_a_number_shows_the_first(desk, many):
    response = desk.get(IVT_LIST, {"p": "x"})

    assert response.status_code == 200
    assert response.context["cl"].page_num == 1


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("zy2025-00", ["ZY2025-000", "ZY2025-001", "ZY2025-002", "ZY2025-003"]),  # any case
        ("ZY2025-003", ["ZY2025-003"]),  # the whole 住院号
        ("2025-003", []),  # not a prefix: the search does not scan for a contained text
        ("乙医院", ["B0", "B1", "B2"]),  # the institution's name
        ("乙医院 B1", ["B1"]),  # every term must match
    ],
)
def test_search_by_admission_no_prefix_or_institution(desk, many, settings, query, expected):
    settings.ADMIN_LIST_MAX_ROWS = 100

    response = desk.get(IVT_LIST, {"q": query})

    assert sorted(c.admission_no for c in response.context["cl"].result_list) == expected


def test_search_by_the_public_id_the_export_carries(desk, many, report):
    case = report.thrombolysis_cases.get(admission_no="ZY2025-002")

    response = desk.get(IVT_LIST, {"q": str(case.public_id).upper()})

    assert list(response.context["cl"].result_list) == [case]


def test_the_list_is_in_report_order_and_sorts_only_by_the_indexed_column(desk, many, settings):
    settings.ADMIN_LIST_MAX_ROWS = 100
    # The list's columns as ?o= counts them: the action checkbox first.
    display = ["action_checkbox", *casesets_admin.ThrombolysisCaseAdmin.list_display]

    default = desk.get(IVT_LIST)
    by_institution = desk.get(IVT_LIST, {"o": str(display.index("institution"))})
    by_updated = desk.get(IVT_LIST, {"o": f"-{display.index('updated_at')}"})

    rows = list(default.context["cl"].result_list)
    assert [(c.report_id, c.pk) for c in rows] == sorted((c.report_id, c.pk) for c in rows)
    # ?o= of a column outside sortable_by is dropped (no sort over a million joined rows).
    assert list(by_institution.context["cl"].result_list) == rows
    assert "o" not in by_institution.context["cl"].params
    updated = [c.updated_at for c in by_updated.context["cl"].result_list]
    assert updated == sorted(updated, reverse=True)


def test_the_data_year_filter_reads_the_reports_not_the_cases(desk, many, alice):
    make_ivt(make_report(alice.institution, data_year=2024), admission_no="OLD")

    with CaptureQueriesContext(connection) as queries:
        response = desk.get(IVT_LIST, {"report__data_year": "2024"})

    assert [c.admission_no for c in response.context["cl"].result_list] == ["OLD"]
    distinct = [q["sql"] for q in queries.captured_queries if "DISTINCT" in q["sql"]]
    assert distinct and all("casesets_" not in sql for sql in distinct)
    assert desk.get(IVT_LIST, {"report__data_year": "x"}).context["cl"].result_list.count() == 0


def test_the_audit_log_has_months_and_no_date_hierarchy(desk, many):
    month = timezone.localdate().strftime("%Y-%m")

    response = desk.get(reverse("admin:audit_auditevent_changelist"), {"at_month": month})

    assert response.status_code == 200
    assert response.context["cl"].date_hierarchy is None
    assert len(response.context["cl"].result_list) == 3  # the cap; five this month
    assert desk.get(
        reverse("admin:audit_auditevent_changelist"), {"at_month": "2001-01"}
    ).context["cl"].result_count == 0


# PostgreSQL: the index of the 住院号 search, and statement_timeout ----------------------------


@on_postgresql
def test_the_admission_no_search_is_served_by_its_index(desk, many):
    response = desk.get(IVT_LIST, {"q": "zy2025"})
    queryset = response.context["cl"].queryset

    with connection.cursor() as cursor:
        # A handful of rows: tell the planner a scan is out, to see whether the index can
        # serve the query at all (it can only if its expression is the query's).
        cursor.execute("SET LOCAL enable_seqscan = off")
        sql, params = queryset.query.sql_with_params()
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "ivt_admission_prefix_idx" in plan, plan
    assert "~~ 'ZY2025%'" in plan, plan


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_query_past_the_timeout_shows_the_chinese_page(client, settings, monkeypatch):
    from tests.factories import AuditorFactory

    settings.DB_STATEMENT_TIMEOUT_MS = 100
    query_timeout._applied.clear()

    def slow(term):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(2)")
        return []

    monkeypatch.setattr(casesets_admin, "institutions_named", slow)
    client.force_login(AuditorFactory())

    response = client.get(IVT_LIST, {"q": "甲医院"})

    assert response.status_code == 503
    assert "查询超时，请缩小筛选范围（如数据年度、省份）后重试。" in response.text
    assert response["Cache-Control"] == "no-store"
    # The next page works on the same connection.
    assert client.get(IVT_LIST).status_code == 200
    query_timeout.lift()  # before the test database is flushed on this connection


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_the_timeout_holds_for_page_views_only(client, settings):
    from tests.factories import AuditorFactory

    settings.DB_STATEMENT_TIMEOUT_MS = 4321
    query_timeout._applied.clear()
    client.force_login(AuditorFactory())

    def current():
        with connection.cursor() as cursor:
            cursor.execute("SHOW statement_timeout")
            return cursor.fetchone()[0]

    client.get(IVT_LIST)
    assert current() == "4321ms"
    # A POST (an import, an admin action) runs without it; so does a page outside the paths.
    client.post(IVT_LIST, {"action": "restore_selected", "_selected_action": []})
    assert current() == "0"
    client.get(IVT_LIST)
    client.get(reverse("healthz"))
    assert current() == "0"


def test_the_timeout_page_outside_the_admin(rf, alice):
    request = rf.get("/registry/")
    request.user = alice

    response = query_timeout.timeout_response(request)

    assert response.status_code == 503
    assert "查询超时，请缩小筛选范围" in response.content.decode()
