"""模板下载及数据上传 (SPEC §3.6, §5): 一键下载, 上传附件1/2/3 → preview → 确认导入, and the
copy of an uploaded workbook with its errors marked.

Uploads go to the institution's report of the current data year (``services.start_upload``);
every later page reaches its report through ``report_of`` (``Report.objects.visible_to``)
and its upload through that report (``_batch_of``): 404 for another institution's. The
work is done by ``services``.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

import audit
from accounts.decorators import institution_member_required
from registry.ratelimit import rate_limited
from surveys.models import BasicInfo, Report
from surveys.reports import (
    ReportError,
    current_data_year,
    lock_reason,
    report_of,
)

from . import services
from .layout import SURVEY, attachment_name
from .reading import UploadRefused
from .templates import templates_zip, zip_name

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TABS = {1: "survey", 2: "intervention", 3: "thrombolysis"}
UPLOAD_URLS = {1: "excel:upload_survey", 2: "excel:upload_intervention",
               3: "excel:upload_thrombolysis"}  # fmt: skip
PREVIEW_ERRORS = 500  # the page lists this many; the annotated copy marks them all


def _download(content: bytes, name: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@institution_member_required
@require_GET
def download_templates(request):
    """一键下载: the three latest templates of the current data year, pre-filled with the
    hospital's 基本信息 (and 附件1 with the 总表 values already saved)."""
    year = current_data_year()
    info = BasicInfo.objects.filter(institution_id=request.user.institution_id).first()
    report = Report.objects.visible_to(request.user).filter(data_year=year).first()
    values = report.values if report is not None else None
    return _download(templates_zip(year, info, values), zip_name(year), "application/zip")


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("选择文件"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
        error_messages={"required": gettext_lazy("请选择要上传的Excel文件（.xlsx）。")},
    )


@institution_member_required
@rate_limited("import", methods=("POST",))  # 开始上传 counts; opening the page does not
def upload(request, attachment: int):
    """上传附件N: choose a file → 开始上传 → the preview."""
    bound = request.method == "POST"
    form = UploadForm(request.POST if bound else None, request.FILES if bound else None)
    error = None
    if bound and form.is_valid():
        uploaded = form.cleaned_data["file"]
        year = current_data_year()
        try:
            batch = services.start_upload(request.user, attachment, uploaded)
        except (ReportError, UploadRefused) as refused:
            error = refused.message
            audit.record(
                request,
                audit.Action.UPLOAD,
                outcome=audit.Outcome.FAILURE,
                attachment=attachment,
                data_year=year,
                sha256=audit.file_sha256(uploaded),
                size=uploaded.size,
            )
        else:
            return redirect(
                "excel:preview", report_id=batch.report.public_id, batch_id=batch.public_id
            )
    context = {
        "form": form,
        "error": error,
        "attachment": attachment,
        "attachment_name": attachment_name(attachment),
        "data_year": current_data_year(),
    }
    return render(request, "casesets/excel_upload.html", context, status=400 if error else 200)


def _batch_of(request, report_id, batch_id):
    """The upload ``batch_id`` of the report ``report_id`` the user may open; 404 else."""
    report = report_of(request.user, report_id)
    return get_object_or_404(report.import_batches.select_related("report"), public_id=batch_id)


@institution_member_required
@require_GET
def preview(request, report_id, batch_id):
    """The preview: "将导入N条" or the errors by sheet, row, column, value and reason."""
    batch = _batch_of(request, report_id, batch_id)
    context = {
        "batch": batch,
        "attachment_name": attachment_name(batch.attachment),
        # 重新上传 of a refused or faulty file: the upload page of the same attachment.
        "upload_url": reverse(UPLOAD_URLS[batch.attachment]),
    }
    try:
        result = services.preview(batch)
    except UploadRefused as refused:
        context["refused"] = refused.message
    else:
        context.update(
            result=result,
            parsed=result.parsed,
            errors=result.parsed.errors[:PREVIEW_ERRORS],
            more_errors=max(0, len(result.parsed.errors) - PREVIEW_ERRORS),
            lock_reason=lock_reason(batch.report),
            can_confirm=services.confirm_refusal(batch, result.parsed) is None,
            is_survey=batch.attachment == SURVEY,
        )
    return render(request, "casesets/excel_preview.html", context)


@institution_member_required
@require_POST
@rate_limited("import")
def confirm(request, report_id, batch_id):
    """确认导入: all or nothing."""
    batch = _batch_of(request, report_id, batch_id)
    try:
        stored = services.confirm(
            batch,
            request.user,
            warnings_confirmed=request.POST.get("confirm_warnings") == "1",
            replace_confirmed=request.POST.get("confirm_replace") == "1",
        )
    except (ReportError, UploadRefused) as refused:
        messages.error(request, refused.message)
        return redirect("excel:preview", report_id=report_id, batch_id=batch.public_id)
    if batch.attachment == SURVEY:
        messages.success(request, _("附件1总表已导入。"))
    else:
        messages.success(
            request,
            _("%(name)s已导入%(n)s条。") % {"name": attachment_name(batch.attachment), "n": stored},
        )
    detail = reverse("surveys:report_detail", args=[report_id])
    return redirect(f"{detail}?tab={TABS[batch.attachment]}")


@institution_member_required
@require_GET
def annotated(request, report_id, batch_id):
    """The uploaded workbook with every bad cell red and the reason as a comment."""
    batch = _batch_of(request, report_id, batch_id)
    try:
        content = services.annotated_copy(batch)
    except UploadRefused as refused:
        messages.error(request, refused.message)
        return redirect("excel:preview", report_id=report_id, batch_id=batch.public_id)
    return _download(content, services.annotated_name(batch), XLSX)
