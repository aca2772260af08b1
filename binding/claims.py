"""绑定 is a claim (SPEC §3.9): immediate only for the record's own hospital, otherwise a
绑定申请 that an auditor decides.

A legacy record is bound at once when its hospital name and its region match the claiming
institution's — compared normalised (``comparable_name``, ``institutions.region_names.
region_key``), the institution's former names and regions counting — and the institution
has not unbound that record before. Any other claim becomes a ``BindingApplication``: the
record's content (总表, cases) stays hidden from the institution until an auditor approves,
and approval binds it through ``services.bind_legacy_record``, the same service as an
immediate 绑定.

What counts as the institution's name and region is what auditors set: its current record,
the names and regions it had before (``Institution.name_history``, kept by simple-history
from every save — the admin, the 单位注册 approval) and its approved 单位注册 application.
基本信息, which the hospital's own users edit, never decides a match (a clerk could otherwise
type another hospital's name there and bind its data); the auditors' queue shows it beside
the rest as evidence.

Locks: every operation that changes an application locks the record row first, then the
applications, so a claim, an approval and a rejection of one record never deadlock.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import audit
from institutions.models import Institution, InstitutionApplication
from institutions.region_names import region_key
from surveys.models import BasicInfo, Report

from . import legacy_format as fmt
from .models import BindingAction, BindingApplication, BindingLog, LegacyRecord
from .services import BindingError, bind_legacy_record, bind_problem

NOTE_MAX_LENGTH = BindingApplication._meta.get_field("note").max_length
REASON_MAX_LENGTH = BindingApplication._meta.get_field("decision_reason").max_length

# Brackets that NFKC leaves apart: 【】〔〕〖〗 and [] all compare as ().
_BRACKETS = str.maketrans("[]【】〔〕〖〗{}", "()()()()()")
# The code the importer appends to a region it read as digits: 北京市东城区（110101）.
_CODE_SUFFIX = re.compile(r"[（(]?\d{6}[)）]?$")


def comparable_name(name: str) -> str:
    """A hospital name as the match compares it: NFKC (full-width letters, digits and
    brackets made half-width), no whitespace, lower case, every kind of bracket as ()."""
    return fmt.name_key(name).translate(_BRACKETS)


def comparable_region(text: str) -> str:
    """A region as the match compares it: without a code the importer appended, and
    without a 直辖市's middle level (``region_key``)."""
    return region_key(_CODE_SUFFIX.sub("", (text or "").strip()))


@dataclass(frozen=True)
class InstitutionIdentity:
    """The names and regions an institution has had, as auditors set them: the current
    ones first, then former ones (each once, as written)."""

    names: tuple[str, ...]
    regions: tuple[str, ...]  # full names, as kept
    region_codes: frozenset[str]

    @property
    def former_names(self) -> tuple[str, ...]:
        return self.names[1:]

    @property
    def former_regions(self) -> tuple[str, ...]:
        return self.regions[1:]


def _distinct(values) -> tuple[str, ...]:
    seen = []
    for value in values:
        value = (value or "").strip()
        if value and value not in seen:
            seen.append(value)
    return tuple(seen)


def identity_of(institution: Institution) -> InstitutionIdentity:
    """The institution's current and former names and regions (three queries)."""
    names = [institution.name]
    # As kept when it was entered, and as the region table spells the code today.
    regions = [institution.region_name, institution.region.full_name]
    codes = {institution.region_id}
    history = Institution.name_history.filter(id=institution.pk).order_by("-history_date")
    registered = InstitutionApplication.objects.filter(
        institution=institution, status=InstitutionApplication.Status.APPROVED
    ).select_related("region")
    for name, code, region_name in history.values_list("name", "region_id", "region_name"):
        names.append(name)
        regions.append(region_name)
        codes.add(code)
    for application in registered:
        names.append(application.name)
        regions.append(application.region.full_name)
        codes.add(application.region_id)
    return InstitutionIdentity(
        names=_distinct(names),
        regions=_distinct(regions),
        region_codes=frozenset(code for code in codes if code),
    )


@dataclass(frozen=True)
class Judgement:
    """Whether a claim is an immediate 绑定, and if not, why."""

    name_matched: bool
    region_matched: bool
    unbound_before: bool

    @property
    def immediate(self) -> bool:
        return self.name_matched and self.region_matched and not self.unbound_before

    @property
    def reasons(self) -> list[str]:
        """Why an auditor must decide, as the hospital reads it."""
        reasons = []
        if not self.name_matched:
            reasons.append(_("该数据的医院名称与本单位名称（含曾用名）不一致"))
        if not self.region_matched:
            reasons.append(_("该数据的行政区划与本单位的行政区划不一致"))
        if self.unbound_before:
            reasons.append(_("本单位曾解绑该数据，再次绑定须经审核员核实"))
        return reasons


def name_matches(record: LegacyRecord, identity: InstitutionIdentity) -> bool:
    return comparable_name(record.hospital_name) in {comparable_name(n) for n in identity.names}


def region_matches(record: LegacyRecord, identity: InstitutionIdentity) -> bool:
    if record.region_id and record.region_id in identity.region_codes:
        return True
    spelled = comparable_region(record.region_text)
    return bool(spelled) and spelled in {comparable_region(r) for r in identity.regions}


def unbound_before(record: LegacyRecord, institution_id: int) -> bool:
    return BindingLog.objects.filter(
        record=record, institution_id=institution_id, action=BindingAction.UNBIND
    ).exists()


def judge(record: LegacyRecord, institution: Institution) -> Judgement:
    identity = identity_of(institution)
    return Judgement(
        name_matched=name_matches(record, identity),
        region_matched=region_matches(record, identity),
        unbound_before=unbound_before(record, institution.pk),
    )


def pending_application(record: LegacyRecord, institution_id: int) -> BindingApplication | None:
    return BindingApplication.objects.filter(
        record=record, institution_id=institution_id, status=BindingApplication.Status.PENDING
    ).first()


def note_required_message() -> str:
    return _("请填写申请说明：该数据为何属于本单位（如曾用名、行政区划调整）。")


def pending_message() -> str:
    return _("本单位已提交该数据的绑定申请，正在等待审核员审核。")


def claim_problem(record: LegacyRecord, institution_id: int) -> str | None:
    """Why the institution cannot claim ``record`` now (None: it can)."""
    problem = bind_problem(record, institution_id)
    if problem is None and pending_application(record, institution_id) is not None:
        return pending_message()
    return problem


def claim_legacy_record(
    *, record: LegacyRecord, institution: Institution, user, note: str = ""
) -> Report | BindingApplication:
    """绑定 as the hospital asks for it: the bound ``Report`` when the record is the
    institution's own (``judge``), else a pending ``BindingApplication`` with the user's
    ``note``. ``BindingError`` when the record cannot be claimed (bound, this year has a
    report, an application is pending) or an application has no note."""
    with transaction.atomic():
        fresh = LegacyRecord.objects.select_for_update().get(pk=record.pk)
        problem = claim_problem(fresh, institution.pk)
        if problem:
            raise BindingError(problem)
        judgement = judge(fresh, institution)
        if judgement.immediate:
            return bind_legacy_record(fresh, institution, user)
        note = (note or "").strip()
        if not note:
            raise BindingError(note_required_message())
        if len(note) > NOTE_MAX_LENGTH:
            raise BindingError(_("申请说明不能超过%(n)d个字。") % {"n": NOTE_MAX_LENGTH})
        try:
            with transaction.atomic():
                application = BindingApplication.objects.create(
                    record=fresh,
                    institution=institution,
                    requested_by=user,
                    note=note,
                    name_matched=judgement.name_matched,
                    region_matched=judgement.region_matched,
                    unbound_before=judgement.unbound_before,
                )
        except IntegrityError:
            raise BindingError(pending_message()) from None  # a colleague applied just now
        audit.record(
            None, audit.Action.BINDING_APPLY, obj=application, user=user,
            record=str(fresh.public_id), name_matched=judgement.name_matched,
            region_matched=judgement.region_matched, unbound_before=judgement.unbound_before,
        )  # fmt: skip
    return application


def _locked_pending(application: BindingApplication) -> BindingApplication:
    """The application locked for a decision, its record locked first; ``BindingError``
    when it has been decided already."""
    LegacyRecord.objects.select_for_update().filter(pk=application.record_id).first()
    locked = (
        BindingApplication.objects.select_for_update()
        .select_related("record", "institution", "requested_by")
        .get(pk=application.pk)
    )
    if locked.status != BindingApplication.Status.PENDING:
        raise BindingError(
            _("该申请已处理（%(status)s），不能再审核。") % {"status": locked.get_status_display()}
        )
    return locked


def approve_application(*, application: BindingApplication, auditor, reason: str = "") -> Report:
    """批准: the record is bound to the applying institution through the same service as an
    immediate 绑定 (its users then see the report); other pending applications for the record
    are rejected. ``BindingError`` when the record was bound meanwhile or the institution
    has a report for that year (reject the application then)."""
    reason = (reason or "").strip()
    if len(reason) > REASON_MAX_LENGTH:
        raise BindingError(_("审核意见不能超过%(n)d个字。") % {"n": REASON_MAX_LENGTH})
    with transaction.atomic():
        locked = _locked_pending(application)
        report = bind_legacy_record(
            locked.record, locked.institution, locked.requested_by, application=locked,
            decided_by=auditor,
        )  # fmt: skip
        locked.status = BindingApplication.Status.APPROVED
        locked.decided_by = auditor
        locked.decided_at = timezone.now()
        locked.decision_reason = reason
        locked.report = report
        locked.save()
        audit.record(
            None, audit.Action.BINDING_APPROVE, obj=locked, user=auditor,
            record=str(locked.record.public_id), report=report.pk,
        )  # fmt: skip
    return report


def reject_application(*, application: BindingApplication, auditor, reason: str) -> None:
    """驳回 with a reason the applying institution reads on its application page."""
    reason = (reason or "").strip()
    if not reason:
        raise BindingError(_("请填写驳回原因，申请单位会在绑定申请页面看到它。"))
    if len(reason) > REASON_MAX_LENGTH:
        raise BindingError(_("驳回原因不能超过%(n)d个字。") % {"n": REASON_MAX_LENGTH})
    with transaction.atomic():
        locked = _locked_pending(application)
        locked.status = BindingApplication.Status.REJECTED
        locked.decided_by = auditor
        locked.decided_at = timezone.now()
        locked.decision_reason = reason
        locked.save()
        audit.record(
            None, audit.Action.BINDING_REJECT, obj=locked, user=auditor,
            record=str(locked.record.public_id),
        )  # fmt: skip


def applications_of(institution_id):
    """The institution's 绑定申请, newest first."""
    return (
        BindingApplication.objects.filter(institution_id=institution_id)
        .select_related("record")
        .order_by("-requested_at", "-id")
    )


def own_application(user, public_id) -> BindingApplication | None:
    """One of the user's institution's applications by its public id (None for anyone
    else's: the caller answers 404)."""
    return applications_of(user.institution_id).filter(public_id=public_id).first()


def basic_info_names(institution: Institution) -> tuple[str, ...]:
    """The names the hospital itself has written in 基本信息 (current, then earlier ones):
    shown to the auditor as evidence, never used for a match."""
    info = BasicInfo.objects.filter(institution=institution).first()
    if info is None:
        return ()
    earlier = info.history.order_by("-history_date").values_list("hospital_name", flat=True)
    return _distinct([info.hospital_name, *earlier])
