"""质控报告 (issue 23 item 2): the hospital's indicators beside its province and the nation,
on a page (charts and the same numbers in tables, printable on A4) and as an .xlsx.

Behind the verification gate; only the user's own institution's reports are read
(``quality.report.own_rows``) and the comparisons are aggregates, never another hospital.
"""

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe

import audit
from accounts.decorators import institution_member_required

from . import report as quality_report
from .xlsx import XLSX, workbook_bytes


def _chosen_year(request):
    """The ?year= of the year chooser, or None (the latest); 404 for anything else than a
    year of the institution's (checked by ``build``)."""
    text = request.GET.get("year", "").strip()
    if not text:
        return None
    if not text.isdigit() or len(text) != 4:
        raise Http404
    return int(text)


def _build(request):
    try:
        return quality_report.build(request.user, _chosen_year(request))
    except quality_report.YearNotFound as missing:
        raise Http404 from missing


@require_safe
@institution_member_required
def report(request):
    """质控报告 of the chosen year (default: the latest the institution has)."""
    return render(request, "quality/report.html", {"report": _build(request)})


@require_safe
@institution_member_required
def report_xlsx(request):
    """The same numbers as the page's tables, one sheet per attachment plus 历年趋势."""
    qc = _build(request)
    if qc.year is None:
        raise Http404
    audit.record(request, audit.Action.EXPORT, kind="quality_report", data_year=qc.year)
    response = HttpResponse(workbook_bytes(qc), content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, f"质控报告_{qc.year}.xlsx")
    return response
