"""Storing a report's indicators: ``recompute_report`` (after a change, see ``receivers``)
and ``recompute_all`` (``manage.py recompute_indicators``, the backfill — the migration
that made the table computes nothing)."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from surveys.models import Report

from .compute import compute_indicators
from .models import ReportIndicators, city_code, counts_in_benchmarks, province_code


def recompute_report(report_id: int) -> ReportIndicators | None:
    """Compute and store the indicators of report ``report_id`` from what is committed now.

    The report row is locked while its cases are read and the row is written (every change
    of a report or its cases takes the same lock: ``surveys.reports.locked_report``), so a
    slower computation cannot overwrite a newer one with older figures."""
    for _attempt in range(2):
        try:
            with transaction.atomic():
                report = (
                    Report.objects.select_for_update(of=("self",))
                    .select_related("institution")
                    .filter(pk=report_id)
                    .first()
                )
                if report is None:
                    return None
                region = report.institution.region_id
                fields = {
                    "data_year": report.data_year,
                    "institution_id": report.institution_id,
                    "region_code": region,
                    "province_code": province_code(region),
                    "city_code": city_code(region),
                    "report_status": report.status,
                    "counted": counts_in_benchmarks(report),
                    "values": compute_indicators(report),
                    "computed_at": timezone.now(),
                }
                row, _created = ReportIndicators.objects.update_or_create(
                    report=report, defaults=fields
                )
                return row
        except IntegrityError:
            # Another process created the row between our look-up and our insert: the
            # second attempt updates it.
            continue
    return None


def recompute_all(*, data_year: int | None = None) -> int:
    """Recompute every report (of ``data_year``), deleted ones too (they are stored as not
    counted). Returns the number of reports."""
    reports = Report.objects.order_by("pk")
    if data_year is not None:
        reports = reports.filter(data_year=data_year)
    count = 0
    for report_id in reports.values_list("pk", flat=True).iterator():
        recompute_report(report_id)
        count += 1
    return count
