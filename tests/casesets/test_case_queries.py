"""A case tab lists in constant queries: with 10 and with 1,000 cases the page runs the same
number of queries, under a fixed upper bound (issue 6, scale)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from casesets.models import InterventionCase, ThrombolysisCase

pytestmark = pytest.mark.django_db

# Session, user, report, reporting window and extension, 基本信息, status history, the
# count and the page of cases, and what the layout reads for the menu: 14 today.
MAX_QUERIES = 16

IVT = {"nihss_pre": 8, "nihss_discharge": 3, "mrs_discharge": 1, "thrombolytic_drug": "alteplase"}
EVT = {"nihss_pre": 15, "nihss_discharge": 6, "mrs_discharge": 2, "evt_mode": "direct"}


def seed(model, report, start, n, fields):
    cases = [model(report=report, admission_no=f"Q{i:05}", **fields) for i in range(start, n)]
    for case in cases:
        case.compute_intervals()
    model.objects.bulk_create(cases)


def queries_of(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured), response


@pytest.mark.parametrize(
    ("kind", "model", "fields", "query"),
    [
        ("thrombolysis", ThrombolysisCase, IVT, ""),
        ("thrombolysis", ThrombolysisCase, IVT, "&admission_no=Q00&drug=alteplase&page=2"),
        ("intervention", InterventionCase, EVT, ""),
    ],
)
def test_the_list_runs_the_same_queries_at_10_and_1000_cases(
    client, alice, report, django_assert_max_num_queries, kind, model, fields, query
):
    client.force_login(alice)
    url = f"{reverse('surveys:report_detail', args=[report.public_id])}?tab={kind}{query}"
    seed(model, report, 0, 10, fields)
    client.get(url)  # the first request of a session warms what is cached afterwards

    with django_assert_max_num_queries(MAX_QUERIES):
        small, response = queries_of(client, url)
    assert response.context["page"].paginator.count == 10

    seed(model, report, 10, 1000, fields)
    with django_assert_max_num_queries(MAX_QUERIES):
        large, response = queries_of(client, url)
    assert response.context["page"].paginator.count == 1000
    assert len(response.context["rows"]) == 20

    assert large == small, (small, large)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plan")
def test_the_admission_no_filter_reads_only_its_own_reports_rows(client, alice, report, report_b):
    """Issue 21 item 1: the 住院号 filter of a report's list walks the report's own rows in
    order (``ivt_report_id_idx``), not the primary key over every hospital's cases, which at
    a million cases took 0.5–2 s."""
    seed(ThrombolysisCase, report_b, 0, 3000, IVT)
    seed(ThrombolysisCase, report, 0, 40, IVT)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE casesets_thrombolysiscase")
    client.force_login(alice)
    url = reverse("surveys:report_detail", args=[report.public_id])
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, {"tab": "thrombolysis", "admission_no": "Q0001"})
    assert [row[0].admission_no for row in response.context["rows"]][:1] == ["Q00010"]
    (page_sql,) = [
        q["sql"] for q in captured if "LIKE" in q["sql"] and "LIMIT" in q["sql"].upper()
    ]

    with connection.cursor() as cursor:
        # A small table: take sequential scans out so the plan shows the index choice
        # the planner makes at national size.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + page_sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "ivt_report_id_idx" in plan, plan
    assert "pkey" not in plan, plan
