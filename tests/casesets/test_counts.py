"""共上报N例溶栓个案，M例介入个案: counted in the database, in constant queries."""

import pytest
from django.utils import timezone

from casesets.models import InterventionCase, ThrombolysisCase
from casesets.services import case_counts
from surveys.models import Report

from .conftest import make_report
from .helpers import EVT_CORE, IVT_CORE

pytestmark = pytest.mark.django_db


def seed(report, n_ivt, n_evt):
    ThrombolysisCase.objects.bulk_create(
        ThrombolysisCase(report=report, **{**IVT_CORE, "admission_no": f"T{i}"})
        for i in range(n_ivt)
    )
    InterventionCase.objects.bulk_create(
        InterventionCase(report=report, **{**EVT_CORE, "admission_no": f"E{i}"})
        for i in range(n_evt)
    )


@pytest.mark.parametrize("n", [10, 1000])
def test_counts_take_two_queries_whatever_the_number_of_cases(
    report, report_b, django_assert_max_num_queries, n
):
    seed(report, n, n // 2)
    seed(report_b, 3, 0)
    with django_assert_max_num_queries(2):
        counts = case_counts([report.pk, report_b.pk])
    assert counts == {report.pk: (n, n // 2), report_b.pk: (3, 0)}


def test_a_report_without_cases_counts_zero(report):
    assert case_counts([report.pk]) == {report.pk: (0, 0)}


def test_deleted_cases_are_not_counted(report):
    seed(report, 3, 2)
    ThrombolysisCase.objects.filter(admission_no="T0").update(deleted_at=timezone.now())
    assert case_counts([report.pk]) == {report.pk: (2, 2)}


def test_counts_for_a_queryset_of_reports(report, bob):
    other_year = make_report(bob.institution, data_year=2024)
    seed(report, 2, 1)
    seed(other_year, 1, 0)
    ids = Report.objects.filter(data_year=2025).values("pk")
    assert case_counts(ids) == {report.pk: (2, 1)}
