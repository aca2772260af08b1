"""Every URL that takes an object id, and how to make an object for it.

The matrix test walks all URL patterns of the project. A pattern with a path parameter
must either be registered here, with a function that creates an object owned by a given
institution and returns the URL kwargs, or be listed in PUBLIC_PARAMETER_URLS with the
reason it exposes nothing of an institution. A new view that takes an id and is in
neither place fails the test, so no view can be forgotten.

Register with::

    @owned_object("app:name")
    def make_thing(institution):
        thing = ThingFactory(institution=institution)
        return {"public_id": thing.public_id}
"""

OWNED_OBJECT_URLS = {}

# URLs of objects that belong to an applicant who has no account yet (单位注册): the owner is
# a browser session, not an institution. A factory takes a test ``Client``, creates the
# object, gives that client's session the owner's access and returns the URL kwargs; the
# matrix checks that every other visitor — anonymous, another applicant, a hospital user —
# gets 404. Register with ``@applicant_object("app:name")``.
APPLICANT_OBJECT_URLS = {}

# Patterns with parameters that carry no institution data, with the reason.
PUBLIC_PARAMETER_URLS = {
    # Django admin: staff only (auditors see every institution); reached by no hospital user.
    "admin:*": "审核后台仅对审核员开放",
    # django-simple-captcha: the key names a random challenge, not anyone's data.
    "captcha-image": "图形验证码图片",
    "captcha-image-2x": "图形验证码图片",
    "captcha-audio": "图形验证码语音",
}


def owned_object(url_name, *, owner="alice"):
    """``owner`` names the persona fixture of the owning institution that must reach the
    object (alice, a hospital user, unless the page is the institution admin's)."""

    def register(factory):
        factory.owner = owner
        OWNED_OBJECT_URLS[url_name] = factory
        return factory

    return register


def applicant_object(*url_names):
    def register(factory):
        for url_name in url_names:
            APPLICANT_OBJECT_URLS[url_name] = factory
        return factory

    return register


@owned_object("institutions:detail")
def make_institution(institution):
    return {"public_id": institution.public_id}


@owned_object("accounts:verification_photo")
def make_identity_verification(institution):
    """A licence photo submitted by a member of ``institution``.

    A verification is personal: only its submitter and auditors may see the photo, not the
    submitter's colleagues. So it is made for the institution's first hospital account (in
    the matrix test that is alice, the owner side) or for a new member when there is none.
    The photo is stored for real, so the owner's request is answered with the image.
    """
    import io
    import uuid

    from django.core.files.base import ContentFile
    from django.utils import timezone
    from PIL import Image

    from accounts.models import IdentityVerification

    from .factories import UserFactory

    submitter = institution.users.filter(is_staff=False).order_by("pk").first()
    if submitter is None:
        submitter = UserFactory(institution=institution)
    png = io.BytesIO()
    Image.new("RGB", (40, 30), "teal").save(png, format="PNG")
    verification = IdentityVerification.objects.create(
        user=submitter,
        institution=institution,
        licence_number=institution.licence_number,
        licence_photo=ContentFile(png.getvalue(), name=f"{uuid.uuid4().hex}.png"),
        status=IdentityVerification.Status.APPROVED,
        decided_at=timezone.now(),
    )
    return {"public_id": verification.public_id}


@owned_object("institutions:user_set_active", owner="alice_admin")
def make_member(institution):
    """Another account of ``institution`` that its institution admin may stop (本单位用户 is
    the admin's page: anyone else gets 404 for every username, issue 19 item 2)."""
    from .factories import UserFactory

    return {"username": UserFactory(institution=institution).username}


@applicant_object(
    "institutions:application",
    "institutions:application_edit",
    "institutions:application_print",
    "institutions:application_submit",
)
def make_application(client):
    """A complete draft application whose applicant is ``client``'s session."""
    from .institutions.applications import grant
    from .institutions.applications import make_application as create

    application = create(n=_next_number())
    grant(client, application)
    return {"number": application.number}


@applicant_object("institutions:application_upload", "institutions:application_file")
def make_application_upload(client):
    """The stamped form of an application of ``client``'s session (stored for real)."""
    return {**make_application(client), "kind": "stamped-form"}


_numbers = iter(range(100, 100000))


def _next_number():
    return next(_numbers)


@owned_object("binding:unbind")
def make_bound_legacy_record(institution):
    """A legacy record bound to ``institution`` (with the report the binding made). Its
    解绑 page is the institution's own; for anyone else the record is not there (404)."""
    from binding.services import bind_legacy_record

    from .binding.helpers import make_record
    from .factories import UserFactory

    member = institution.users.filter(is_staff=False).order_by("pk").first()
    record = make_record(name=f"权限矩阵医院{_next_number()}")
    bind_legacy_record(record, institution, member or UserFactory(institution=institution))
    return {"public_id": record.public_id}


# 绑定 of a record bound to another institution: 404 (a bound record is that institution's
# report); a record still in the pool may be claimed by any verified user (its identity
# fields only; binding:bind shows no content before binding).
owned_object("binding:bind")(make_bound_legacy_record)


@owned_object("binding:application")
def make_binding_application(institution):
    """A 绑定申请 of ``institution`` for a record that is not its own (another hospital's
    name), awaiting an auditor."""
    from binding.claims import claim_legacy_record

    from .binding.helpers import make_record

    record = make_record(name=f"权限矩阵申请医院{_next_number()}")
    application = claim_legacy_record(
        record=record, institution=institution, user=_member(institution), note="曾用名"
    )
    return {"public_id": application.public_id}


def _member(institution):
    from .factories import UserFactory

    member = institution.users.filter(is_staff=False).order_by("pk").first()
    return member or UserFactory(institution=institution)


@owned_object("surveys:report_detail")
def make_report(institution):
    """The institution's report of the current data year, with 基本信息 and a valid 总表,
    inside an open reporting window (so every page of it may be shown and changed)."""
    import datetime

    from django.utils import timezone

    from surveys import reports
    from surveys.models import BasicInfo, ReportingWindow

    from .surveys.helpers import required_only
    from .surveys.test_basic_info import make_basic_info

    today = timezone.localdate()
    ReportingWindow.objects.get_or_create(
        data_year=reports.current_data_year(),
        defaults={
            "opens_on": today - datetime.timedelta(days=10),
            "closes_on": today + datetime.timedelta(days=30),
        },
    )
    member = _member(institution)
    if not BasicInfo.objects.filter(institution=institution).exists():
        make_basic_info(member)
    report = reports.open_current_report(member)
    report = reports.save_survey(report, required_only(), [], member)
    return {"report_id": report.public_id}


for _name in (
    "surveys:report_survey",
    "surveys:report_history",
    "surveys:report_submit",
    "surveys:report_delete",
    "surveys:attachment4_print",
    "surveys:attachment4_scan",
):
    owned_object(_name)(make_report)


@owned_object("surveys:attachment4_scan_file")
def make_report_scan(institution):
    """A stored 附件4 scan (a real PNG) of the institution's report."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from surveys.attachment4 import replace_scans
    from surveys.models import Report

    kwargs = make_report(institution)
    png = io.BytesIO()
    Image.new("RGB", (120, 160), "teal").save(png, format="PNG")
    report = Report.objects.get(public_id=kwargs["report_id"])
    (scan,) = replace_scans(
        report, [SimpleUploadedFile("scan.png", png.getvalue(), "image/png")], _member(institution)
    )
    return {"report_id": report.public_id, "scan_id": scan.public_id}


# 用个案汇总填充 (issue 6, helper B): the confirmation page and 确认填充 of a report.
owned_object("surveys:report_fill_from_cases")(make_report)


# 个案登记 (issue 6): the pages of one case of the institution's report -------------------


@owned_object("casesets:case_add")
def make_case_report(institution):
    """The institution's editable report, on its 附件3 tab's 增加病例."""
    return {**make_report(institution), "kind": "thrombolysis"}


def _make_case(institution):
    """A 附件3 case of the institution's editable report (through casesets.services)."""
    from casesets.models import ThrombolysisCase
    from casesets.services import add_case
    from surveys.models import Report

    kwargs = make_report(institution)
    report = Report.objects.get(public_id=kwargs["report_id"])
    case = ThrombolysisCase(
        admission_no=f"PM{_next_number()}",
        nihss_pre=10,
        nihss_discharge=4,
        mrs_discharge=2,
        thrombolytic_drug="alteplase",
    )
    add_case(report=report, case=case, user=_member(institution))
    return {"report_id": report.public_id, "kind": "thrombolysis", "case_id": case.public_id}


for _name in (
    "casesets:case_detail",
    "casesets:case_edit",
    "casesets:case_delete",
    "casesets:case_history",
):
    owned_object(_name)(_make_case)


# 模板下载及数据上传 (issue 7) -------------------------------------------------------------------


def _make_import_batch(institution):
    """An uploaded 附件3 template (one valid case, waiting for 确认导入) of the
    institution's editable report."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from excel_templates import services
    from surveys.models import Report

    from .excel_templates.files import filled_case_template

    kwargs = make_report(institution)
    report = Report.objects.get(public_id=kwargs["report_id"])
    content = filled_case_template(3, report.data_year, [{"admission_no": f"PM{_next_number()}"}])
    batch = services.upload(
        report, 3, SimpleUploadedFile("附件3.xlsx", content), _member(institution)
    )
    return {"report_id": report.public_id, "batch_id": batch.public_id}


for _name in ("excel:preview", "excel:confirm", "excel:annotated"):
    owned_object(_name)(_make_import_batch)
