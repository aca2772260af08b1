"""审核范围 (issue 22 item 1): an auditor scoped to a province sees and changes nothing of
another province — in every admin list, change page, decision, export — and cannot widen a
scope. Institution A is in 北京市东城区, B in 广州市天河区 (tests/conftest.py)."""

import datetime
import re

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditorTOTPDevice, User
from audit.actions import Action
from audit.models import AuditEvent
from registry.scope import ScopedAdminMixin, region_prefix, scope_q
from surveys.models import Reminder, Report, WindowExtension

from . import permission_matrix as matrix
from .factories import AuditorFactory, SuperuserFactory, region
from .institutions.applications import make_application

# Admins of reference data, for everyone: no scope.
UNSCOPED = {"institutions.region"}


def _objects_of(institution, application_region, n):
    """Something of every kind an auditor reviews, belonging to ``institution``."""
    from binding.models import BindingLog, LegacyRecord

    matrix.make_report(institution)
    matrix._make_case(institution)
    matrix._make_import_batch(institution)
    matrix.make_identity_verification(institution)
    matrix.make_binding_application(institution)
    bound = matrix.make_bound_legacy_record(institution)
    record = LegacyRecord.objects.get(public_id=bound["public_id"])
    record.region = institution.region
    record.save(update_fields=["region"])
    assert BindingLog.objects.filter(institution=institution).exists()
    make_application(n, status="pending", region=application_region)
    WindowExtension.objects.create(
        institution=institution,
        data_year=2024,
        until=timezone.localdate() + datetime.timedelta(days=5),
    )
    AuditEvent.objects.create(institution=institution, action=Action.LOGIN)
    Reminder.objects.create(
        institution=institution,
        data_year=2025,
        milestone="closing_14",
        recipient=matrix._member(institution),
        mobile_masked="138****0000",
        deadline=timezone.localdate(),
        text="提醒",
    )


@pytest.fixture
def both(alice, bob, regions):
    _objects_of(alice.institution, region("110101"), 1)
    _objects_of(bob.institution, region("440106"), 2)
    # An auditor's authenticator: nationwide auditors' business only.
    AuditorTOTPDevice.objects.create(user=AuditorFactory(), name="手机", confirmed=True)


def _scoped_admins():
    for model, model_admin in admin.site._registry.items():
        label = model._meta.label_lower
        if label in UNSCOPED or not model._meta.app_label.startswith(
            ("accounts", "institutions", "surveys", "casesets", "binding", "audit")
        ):
            continue
        yield model, model_admin


def test_every_admin_of_institution_data_is_scoped():
    """Every admin but reference data and Django's groups (superusers'): sign-in records of
    django-axes included."""
    missing = [
        model._meta.label_lower
        for model, model_admin in admin.site._registry.items()
        if model._meta.label_lower not in {*UNSCOPED, "auth.group"}
        and not isinstance(model_admin, ScopedAdminMixin)
    ]
    assert missing == []


def test_sign_in_records_are_for_nationwide_auditors(client, bj_auditor, auditor):
    for name in ("accessattempt", "accesslog", "accessfailurelog"):
        url = reverse(f"admin:axes_{name}_changelist")
        client.force_login(bj_auditor)
        assert client.get(url).status_code == 403
        client.force_login(auditor)
        assert client.get(url).status_code == 200


def test_the_scope_is_read_from_the_region_code(db):
    assert region_prefix(AuditorFactory()) == ""
    assert region_prefix(AuditorFactory(review_region=region("110000"))) == "11"
    assert region_prefix(AuditorFactory(review_region=region("440100"))) == "4401"
    assert region_prefix(SuperuserFactory(review_region=region("110000"))) == ""
    hospital = User.objects.filter(is_staff=False).first() or None
    if hospital is not None:
        assert region_prefix(hospital) is None


def _split(model, model_admin):
    """The model's rows of 北京 (A) and of 广东 (B), by the admin's own rule."""
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = AuditorFactory.build(is_staff=True, is_active=True, review_region_id="110000")
    queryset = model._default_manager.all()
    if model_admin.scope_path in (None,):
        return [], list(queryset)
    if model_admin.scope_path == "visible_to":
        ours = set(queryset.visible_to(request.user).values_list("pk", flat=True))
    else:
        ours = set(queryset.filter(scope_q(request.user, model_admin.scope_path)).values_list(
            "pk", flat=True
        ))  # fmt: skip
    return sorted(ours), sorted(set(queryset.values_list("pk", flat=True)) - ours)


def _change_url(model, pk):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[pk])


def _listed(html, model):
    prefix = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
    return {int(pk) for pk in re.findall(re.escape(prefix) + r"(\d+)/change/", html)}


@pytest.mark.parametrize("label", sorted(
    model._meta.label_lower for model, _ in _scoped_admins()
))  # fmt: skip
def test_a_province_auditor_sees_only_their_province(client, both, bj_auditor, label):
    model, model_admin = next((m, a) for m, a in _scoped_admins() if m._meta.label_lower == label)
    ours, theirs = _split(model, model_admin)
    assert theirs, f"no row of another province to hide in {label}"
    client.force_login(bj_auditor)
    changelist = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    # Deleted and decided rows too: the filters' "all" choices.
    html = "".join(
        client.get(changelist, query).content.decode()
        for query in ({}, {"deleted": "all"}, {"status": "all"}, {"decision": "all"})
    )
    listed = _listed(html, model)
    assert not (listed & set(theirs)), f"{label} lists another province's rows"
    assert listed >= set(ours), f"{label} does not list the auditor's own province's rows"
    for pk in theirs[:3]:
        assert client.get(_change_url(model, pk)).status_code == 404
        assert client.post(_change_url(model, pk), {}).status_code in (403, 404)
    for pk in ours[:3]:
        assert client.get(_change_url(model, pk)).status_code == 200


def test_a_province_auditors_reports_and_exports(client, both, bj_auditor, gd_auditor, alice, bob):
    assert set(Report.objects.visible_to(bj_auditor).values_list("institution", flat=True)) == {
        alice.institution_id
    }
    assert set(Report.objects.visible_to(gd_auditor).values_list("institution", flat=True)) == {
        bob.institution_id
    }
    client.force_login(bj_auditor)
    export = client.get(reverse("admin:surveys_report_export"), {"format": "csv"})
    body = b"".join(export.streaming_content).decode("utf-8-sig")
    assert alice.institution.name in body and bob.institution.name not in body
    cases = client.get(reverse("admin:casesets_thrombolysiscase_export"), {"format": "csv"})
    body = b"".join(cases.streaming_content).decode("utf-8-sig")
    assert alice.institution.name in body and bob.institution.name not in body


def test_decisions_outside_the_scope_answer_404(client, both, bj_auditor, bob):
    from accounts.models import IdentityVerification

    theirs = IdentityVerification.objects.filter(institution=bob.institution).first()
    client.force_login(bj_auditor)
    url = reverse("admin:accounts_identityverification_approve", args=[theirs.pk])
    assert client.post(url).status_code == 404


def test_an_auditor_cannot_widen_a_scope(client, bj_auditor, db):
    client.force_login(bj_auditor)
    own = reverse("admin:accounts_user_change", args=[bj_auditor.pk])
    # Auditors' accounts belong to no institution: out of a province auditor's reach.
    assert client.get(own).status_code == 404
    client.post(own, {"review_region": ""})
    bj_auditor.refresh_from_db()
    assert bj_auditor.review_region_id == "110000"

    national = AuditorFactory(username="national")
    client.force_login(national)
    # No auditor changes a staff account: the page is read-only, the scope shown as text.
    page = client.get(reverse("admin:accounts_user_change", args=[bj_auditor.pk]))
    assert page.status_code == 200 and 'name="review_region"' not in page.content.decode()
    client.post(reverse("admin:accounts_user_change", args=[bj_auditor.pk]), {"review_region": ""})
    bj_auditor.refresh_from_db()
    assert bj_auditor.review_region_id == "110000"
    add = client.get(reverse("admin:accounts_user_add")).content.decode()
    assert 'name="review_region"' not in add and 'name="is_staff"' not in add


def test_a_superuser_sets_the_scope(client, db):
    superuser = SuperuserFactory()
    auditor = AuditorFactory(username="to_scope")
    client.force_login(superuser)
    page = client.get(reverse("admin:accounts_user_change", args=[auditor.pk])).content.decode()
    assert 'name="review_region"' in page


def test_a_hospital_account_has_no_scope(db, alice):
    from django.db import IntegrityError, transaction

    alice.review_region = region("110000")
    with pytest.raises(IntegrityError), transaction.atomic():
        alice.save()


def test_a_province_auditor_grants_extensions_only_in_their_province(
    client, bj_auditor, alice, bob
):
    client.force_login(bj_auditor)
    add = reverse("admin:surveys_windowextension_add")
    until = (timezone.localdate() + datetime.timedelta(days=10)).isoformat()
    for institution in (alice.institution, bob.institution):
        client.post(add, {"institution": institution.pk, "data_year": 2025, "until": until})
    assert list(WindowExtension.objects.values_list("institution", flat=True)) == [
        alice.institution_id
    ]
    # The institution search behind the field offers the province's only.
    found = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "surveys", "model_name": "windowextension", "field_name": "institution",
         "term": "医院"},
    ).json()  # fmt: skip
    assert [r["id"] for r in found["results"]] == [str(alice.institution_id)]


def test_nationwide_business_has_no_page_for_a_province_auditor(client, bj_auditor, auditor):
    """填报时间 holds for the whole country: a province auditor cannot list, add or open one."""
    client.force_login(bj_auditor)
    assert client.get(reverse("admin:surveys_reportingwindow_changelist")).status_code == 403
    assert client.get(reverse("admin:surveys_reportingwindow_add")).status_code == 403
    client.post(
        reverse("admin:surveys_reportingwindow_add"),
        {"data_year": 2030, "opens_on": "2031-02-01", "closes_on": "2031-03-31",
         "review_levels": 1},
    )  # fmt: skip
    from surveys.models import ReportingWindow

    assert not ReportingWindow.objects.filter(data_year=2030).exists()
    assert "填报时间" not in client.get(reverse("admin:index")).content.decode()
    client.force_login(auditor)
    assert client.get(reverse("admin:surveys_reportingwindow_add")).status_code == 200


def test_a_province_auditor_adds_institutions_only_in_their_province(client, bj_auditor, regions):
    from institutions.models import HospitalCategory, HospitalGrade, Institution

    from .factories import credit_code

    client.force_login(bj_auditor)
    add = reverse("admin:institutions_institution_add")

    def form(n, region_code):
        return {
            "name": f"范围测试医院{n}",
            "region": region_code,
            "grade": HospitalGrade.GRADE_3A,
            "category": HospitalCategory.GENERAL,
            "credit_code": credit_code(900 + n),
            "licence_number": f"PDY{900 + n:05d}X11010117A1001",
            "status": "active",
        }

    refused = client.post(add, form(1, "440106"))
    assert "只能选择您审核范围内的行政区划。" in refused.content.decode()
    client.post(add, form(2, "110101"))
    assert list(Institution.objects.filter(name__startswith="范围测试医院").values_list(
        "name", flat=True
    )) == ["范围测试医院2"]  # fmt: skip
