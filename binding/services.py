"""绑定 and 解绑: a legacy record becomes an institution's report of its year, and back.

Both lock the record row first (``select_for_update``), so two institutions cannot bind
one record at the same moment, and both write a ``BindingLog`` row. The report itself is
made and deleted by ``surveys.reports`` (``create_legacy_report``,
``delete_legacy_report``). Nothing is ever deleted: unbinding soft-deletes the report (its
cases stay with it) and returns the record to the pool, from which it can be bound again (a
new report is made each time).

Who may bind is decided before: ``binding.claims`` binds at once only a record whose name
and region are the institution's own, and otherwise, after an auditor's approval, through
``bind_legacy_record`` here — the one place a record becomes a report.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

import audit
from accounts.validators import mask_phone
from casesets.models import InterventionCase, ThrombolysisCase
from institutions.models import Institution
from surveys.models import BasicInfo, Report
from surveys.reports import ReportError, create_legacy_report, delete_legacy_report

from . import legacy_format as fmt
from .models import (
    BindingAction,
    BindingApplication,
    BindingLog,
    LegacyRecord,
    LegacySubmitStatus,
)

CASE_BATCH_SIZE = 500


class BindingError(Exception):
    """A 绑定 or 解绑 that is not allowed; ``message`` says why, in Chinese."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def bound_records(institution_id):
    """The records bound to an institution, newest year first."""
    return (
        LegacyRecord.objects.bound_to(institution_id)
        .select_related("bound_report")
        .order_by("-data_year", "name_key")
    )


def pool_record(public_id) -> LegacyRecord | None:
    """A record by its public id (any verified user may see its identity fields to claim
    it; its content only once bound to the user's institution)."""
    return (
        LegacyRecord.objects.select_related("bound_institution").filter(public_id=public_id).first()
    )


def year_taken_message(year: int, report: Report) -> str:
    return _(
        "本单位%(year)s年度已有一份报告（当前状态：%(status)s），每个年度只能有一份报告，"
        "不能再绑定%(year)s年度的既往数据。"
    ) % {"year": year, "status": report.get_status_display()}


def bound_elsewhere_message() -> str:
    return _("该数据已被其他单位绑定，不能再绑定。如确属本单位的数据，请联系审核员核实。")


def bind_problem(record: LegacyRecord, institution_id: int) -> str | None:
    """Why ``record`` cannot be bound by the institution now (None: it can)."""
    if record.bound_institution_id == institution_id:
        return _("本单位已绑定该数据。")
    if record.bound_institution_id is not None:
        return bound_elsewhere_message()
    existing = Report.objects.of_institution(institution_id).filter(data_year=record.data_year)
    report = existing.first()
    if report is not None:
        return year_taken_message(record.data_year, report)
    return None


def basic_info_rows(record: LegacyRecord) -> list[list[str]]:
    """The legacy hospital as the report's 单位及负责人信息, labelled as 基本信息 labels its
    fields (what the exports and the report header read)."""
    fields = (
        ("region", record.printed_region),
        ("hospital_name", record.hospital_name),
        ("grade", record.grade),
        ("category", record.category),
        ("director_name", record.director_name),
        # Masked like every shown phone: the rows are display text (security checklist 8.2).
        ("director_mobile", mask_phone(record.director_phone)),
        ("director_email", record.director_email),
    )
    return [
        [str(BasicInfo._meta.get_field(name).verbose_name), value or ""] for name, value in fields
    ]


def _case_objects(model, rows, report, user):
    objects = []
    for row in rows:
        values = {name: value for name, value in row.items() if name != "row"}
        case = model(report=report, created_by=user, updated_by=user, **values)
        case.admission_no = (case.admission_no or "").strip()
        case.compute_intervals()  # what save() does; bulk_create does not call it
        objects.append(case)
    return objects


def bind_legacy_record(
    record: LegacyRecord,
    institution: Institution,
    user,
    *,
    application: BindingApplication | None = None,
    decided_by=None,
) -> Report:
    """绑定: ``record`` becomes ``institution``'s report of its data year (edition 2018,
    status 既往数据, read-only) with its cases, bound by ``user`` (the hospital user who
    claimed it); ``application`` is the 绑定申请 an auditor (``decided_by``) approved, if
    any. Other institutions' pending applications for the record are rejected, with the
    reason. ``BindingError`` when the record is bound already or the institution has a
    report for that year.

    Callers decide whether the institution may have the record (``binding.claims``)."""
    with transaction.atomic():
        fresh = LegacyRecord.objects.select_for_update().get(pk=record.pk)
        problem = bind_problem(fresh, institution.pk)
        if problem:
            raise BindingError(problem)
        try:
            report = create_legacy_report(
                institution=institution,
                data_year=fresh.data_year,
                edition=fmt.EDITION_ID,
                values={code: fresh.values.get(code) for code in fmt.EDITION.codes},
                legacy_status=fresh.get_submit_status_display(),
                basic_info=basic_info_rows(fresh),
                submitted_at=(
                    fresh.entered_at
                    if fresh.submit_status == LegacySubmitStatus.SUBMITTED
                    else None
                ),
                user=user,
            )
        except ReportError:
            # A colleague created this year's report a moment ago.
            taken = Report.objects.of_institution(institution.pk).get(data_year=fresh.data_year)
            raise BindingError(year_taken_message(fresh.data_year, taken)) from None
        now = report.status_changed_at  # the moment of the binding
        for model, rows in (
            (ThrombolysisCase, fresh.thrombolysis_cases),
            (InterventionCase, fresh.intervention_cases),
        ):
            objects = _case_objects(model, rows or (), report, user)
            if objects:
                bulk_create_with_history(
                    objects,
                    model,
                    batch_size=CASE_BATCH_SIZE,
                    default_user=user,
                    default_change_reason=_("绑定既往数据"),
                )
        fresh.bound_institution = institution
        fresh.bound_report = report
        fresh.bound_at = now
        fresh.bound_by = user
        fresh.save(update_fields=["bound_institution", "bound_report", "bound_at", "bound_by"])
        BindingLog.objects.create(
            action=BindingAction.BIND,
            record=fresh,
            institution=institution,
            report=report,
            user=user,
            application=application,
        )
        approved = {"application": str(application.public_id)} if application else {}
        audit.record(
            None, audit.Action.BIND, obj=report, user=user, record=str(fresh.public_id), **approved
        )
        _reject_competing(fresh, institution, decided_by, now)
    return report


def competing_message() -> str:
    return _("该数据已由其他单位绑定。如确属本单位的数据，请联系审核员核实。")


def _reject_competing(record: LegacyRecord, institution: Institution, decided_by, now) -> None:
    """Other institutions' pending applications for a record just bound: rejected, with the
    reason, by the approving auditor (``None`` after an immediate 绑定)."""
    competing = (
        BindingApplication.objects.select_for_update()
        .filter(record=record, status=BindingApplication.Status.PENDING)
        .exclude(institution=institution)
    )
    for application in competing:
        application.status = BindingApplication.Status.REJECTED
        application.decided_by = decided_by
        application.decided_at = now
        application.decision_reason = competing_message()
        application.save()
        audit.record(
            None, audit.Action.BINDING_REJECT, obj=application, user=decided_by,
            record=str(record.public_id), automatic=True,
        )  # fmt: skip


def unbind_legacy_record(record: LegacyRecord, institution: Institution, user) -> Report:
    """解绑: the report made by the binding is deleted softly (kept, with its cases, for
    the auditors) and the record returns to the pool. ``BindingError`` unless the record
    is bound to ``institution``."""
    with transaction.atomic():
        fresh = LegacyRecord.objects.select_for_update().get(pk=record.pk)
        if fresh.bound_institution_id != institution.pk:
            raise BindingError(_("该数据未绑定到本单位，不能解绑。"))
        report = delete_legacy_report(fresh.bound_report, user, reason=_("解绑既往数据"))
        fresh.bound_institution = None
        fresh.bound_report = None
        fresh.bound_at = None
        fresh.bound_by = None
        fresh.save(update_fields=["bound_institution", "bound_report", "bound_at", "bound_by"])
        BindingLog.objects.create(
            action=BindingAction.UNBIND,
            record=fresh,
            institution=institution,
            report=report,
            user=user,
        )
        audit.record(None, audit.Action.UNBIND, obj=report, user=user, record=str(fresh.public_id))
    return report
