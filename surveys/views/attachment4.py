"""附件4: the print page of the filled 总表, the scan upload and the scan files.

Every view reaches the report through ``report_of`` (the user's own institution, 404
otherwise) and a scan only through its report.
"""

from django.contrib import messages
from django.core.exceptions import TooManyFilesSent
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from accounts.decorators import institution_member_required
from accounts.uploads import UploadSizeLimit

from ..attachment4 import (
    MAX_FILE_BYTES,
    MAX_FILES,
    MAX_REQUEST_BYTES,
    ScanRefused,
    current_scans,
    is_stale,
    print_sheet,
    replace_scans,
    replaced_uploads,
    scan_response,
    too_large_message,
    too_many_message,
)
from ..forms.attachment4 import ScanUploadForm
from ..reports import ReportError, lock_reason, report_of


@require_GET
@institution_member_required
def print_form(request, report_id):
    """附件4 as an A4 landscape page to print, sign, stamp and scan."""
    report = report_of(request.user, report_id)
    if report.is_legacy:
        return _no_attachment4(request, report)
    context = {"report": report, "sheet": print_sheet(report), "now": timezone.now()}
    return render(request, "surveys/attachment4_print.html", context)


@csrf_exempt
@require_http_methods(["GET", "POST"])
@institution_member_required
def scan(request, report_id):
    """附件4（扫描版）: the current scan, and the upload that replaces it while the report
    may be changed. The CSRF check runs inside, after the size limit is installed (upload
    handlers cannot change once the body has been read)."""
    limit = UploadSizeLimit(request, max_request=MAX_REQUEST_BYTES, max_file=MAX_FILE_BYTES)
    request.upload_handlers.insert(0, limit)
    try:
        return _scan_page(request, report_id, limit)
    except TooManyFilesSent:
        # Far more files than anyone means to send (Django stops reading at
        # DATA_UPLOAD_MAX_NUMBER_FILES): say so on the page; nothing was read or stored.
        report = report_of(request.user, report_id)
        form = ScanUploadForm({}, {}, file_error=too_many_message())
        return _render(request, report, form, status=400)


@csrf_protect
def _scan_page(request, report_id, limit):
    report = report_of(request.user, report_id)
    if report.is_legacy:
        return _no_attachment4(request, report)
    form, status = ScanUploadForm(), 200
    if request.method == "POST":
        locked = lock_reason(report)
        if locked:
            messages.error(request, locked)
            return redirect("surveys:attachment4_scan", report_id=report.public_id)
        form, status = _upload(request, report, limit)
        if form is None:
            return redirect("surveys:attachment4_scan", report_id=report.public_id)
    return _render(request, report, form, status=status)


def _no_attachment4(request, report):
    """A bound legacy report (既往数据) has no 附件4 to print or upload: the old platform
    kept no scan, and its 总表 cannot be signed anew."""
    messages.info(request, _("本报告为绑定的既往数据（旧平台导入），没有附件4。"))
    return redirect("surveys:report_detail", report_id=report.public_id)


def _render(request, report, form, *, status=200):
    locked = lock_reason(report)
    scans = current_scans(report)
    context = {
        "report": report,
        "scans": scans,
        "stale": is_stale(report, scans),
        "earlier": replaced_uploads(report),
        "locked": locked,
        "form": form if not locked and report.values else None,
        "max_files": MAX_FILES,
        "max_mb": MAX_FILE_BYTES // (1024 * 1024),
    }
    return render(request, "surveys/attachment4_scan.html", context, status=status)


def _upload(request, report, limit):
    """Store the upload; ``(None, 302)`` when done, else the bound form with its errors."""
    data, files = request.POST, request.FILES  # read through the limit (by the CSRF check)
    file_error = too_large_message() if limit.exceeded else None
    form = ScanUploadForm(data, files, file_error=file_error)
    if not form.is_valid():
        return form, 413 if file_error else 400
    try:
        replace_scans(report, form.cleaned_data["files"], request.user)
    except ScanRefused as error:
        form.add_error("files", error.messages)
        return form, 400
    except ReportError as error:
        messages.error(request, error.message)
        return None, 302
    messages.success(request, _("附件4已上传。"))
    return None, 302


@require_GET
@institution_member_required
def scan_file(request, report_id, scan_id):
    """One file of the report's 附件4 (current or replaced), for the report's institution."""
    report = report_of(request.user, report_id)
    scan = get_object_or_404(report.scans.select_related("report"), public_id=scan_id)
    return scan_response(scan)
