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
