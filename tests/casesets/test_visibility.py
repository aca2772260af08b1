"""One visibility rule for a report and what hangs off it (issue 20 item 3):
``Report.objects.visible_to(user)``, and cases, Excel imports and 附件4 scans reached
through their report with the same rule."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from casesets.models import ImportBatch, InterventionCase, ThrombolysisCase
from surveys.models import Report, ReportScan

from .test_services import add_ivt

pytestmark = pytest.mark.django_db


def visible(user):
    return {
        "reports": set(Report.objects.visible_to(user)),
        "cases": set(ThrombolysisCase.objects.visible_to(user)),
    }


def test_a_hospital_account_sees_its_own_institutions_live_reports_only(
    alice, bob, report, report_b
):
    own, other = add_ivt(report, alice), add_ivt(report_b, bob)

    assert visible(alice) == {"reports": {report}, "cases": {own}}
    assert visible(bob) == {"reports": {report_b}, "cases": {other}}


def test_a_deleted_report_and_its_cases_are_gone_for_the_hospital_but_not_for_the_auditor(
    alice, auditor, report
):
    case = add_ivt(report, alice)
    Report.objects.filter(pk=report.pk).update(deleted_at=timezone.now(), deleted_by=alice)

    assert visible(alice) == {"reports": set(), "cases": set()}
    assert visible(auditor) == {"reports": {report}, "cases": {case}}


def test_an_auditor_sees_every_report(alice, bob, auditor, report, report_b):
    cases = {add_ivt(report, alice), add_ivt(report_b, bob)}

    assert visible(auditor) == {"reports": {report, report_b}, "cases": cases}


def test_nobody_else_sees_anything(alice, report, newcomer):
    add_ivt(report, alice)
    alice.is_active = False

    for user in (AnonymousUser(), alice):
        assert visible(user) == {"reports": set(), "cases": set()}
    # An account without an institution (and not staff) sees no report either.
    newcomer.institution = None
    assert visible(newcomer) == {"reports": set(), "cases": set()}


@pytest.mark.parametrize("model", [InterventionCase, ImportBatch, ReportScan])
def test_everything_else_reached_through_a_report_follows_the_same_rule(
    model, alice, bob, auditor, report
):
    """The query of each kind filters on its report with the report's own rule."""
    assert "visible_to" in vars(type(model.objects.all()))
    for user, expected in ((alice, str(report.institution_id)), (bob, str(bob.institution_id))):
        sql = str(model.objects.visible_to(user).query)
        assert "deleted_at" in sql and expected in sql
    assert "WHERE" not in str(model.objects.visible_to(auditor).query)
