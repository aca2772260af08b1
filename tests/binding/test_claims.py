"""绑定 is a claim, not a look (SPEC §3.9, issue 19 item 1): before binding nobody sees a
record's 总表 or cases; a record is bound at once only by the institution whose name (former
names included) and region it bears; anything else — another hospital's record, or binding
again after 解绑 — is a 绑定申请 that an auditor approves or rejects in the admin. Searches
and claims are rate-limited and every step is audited."""

import pytest
from django.test import Client
from django.urls import reverse

import audit
from audit.models import AuditEvent
from binding import claims
from binding.models import BindingApplication, BindingLog, LegacyRecord
from institutions.models import Institution, InstitutionApplication
from surveys.models import Report
from tests.factories import region
from tests.institutions.applications import make_application
from tests.surveys.test_basic_info import make_basic_info

from .helpers import make_record

HOME = reverse("binding:home")
SEARCH = reverse("binding:search")
REGISTRY = reverse("surveys:home")
QUEUE = reverse("admin:binding_bindingapplication_changelist")
# What a record holds beyond its identity: 总表 labels and values, case counts and numbers.
CONTENT = ("神经科出院患者总例数", "3000", "单纯静脉溶栓个案 3 例", "A1001", "B2001")


def bind_url(record):
    return reverse("binding:bind", args=[record.public_id])


def unbind_url(record):
    return reverse("binding:unbind", args=[record.public_id])


def application_url(application):
    return reverse("binding:application", args=[application.public_id])


def change_url(application):
    return reverse("admin:binding_bindingapplication_change", args=[application.pk])


def decision_url(application, action):
    return reverse(f"admin:binding_bindingapplication_{action}", args=[application.pk])


def apply(user, record, note="本院曾用名为北京协和医院"):
    return claims.claim_legacy_record(
        record=record, institution=user.institution, user=user, note=note
    )


def events(action):
    return list(AuditEvent.objects.filter(action=action).order_by("pk"))


@pytest.fixture
def foreign(db):
    """Another hospital's record (北京协和医院, 北京市东城区): neither alice's nor bob's."""
    return make_record("北京协和医院")


@pytest.fixture
def own(db):
    """alice's institution's own record: its name 甲医院 and its region 北京市东城区."""
    return make_record("甲医院")


@pytest.fixture
def desk(auditor):
    """The auditor's own browser (the hospital users use ``client``)."""
    desk = Client()
    desk.force_login(auditor)
    return desk


# Nothing of a record is shown before it is bound ----------------------------------------------


def test_another_hospitals_record_shows_no_content_before_binding(client, bob, foreign):
    client.force_login(bob)

    pages = {
        "search": client.get(SEARCH, {"q": "协和"}),
        "confirm": client.get(bind_url(foreign)),
    }

    for name, page in pages.items():
        assert page.status_code == 200, name
        assert "北京协和医院" in page.text and "138****5678" in page.text, name
        for content in CONTENT:
            assert content not in page.text, (name, content)


def test_claiming_another_hospitals_record_makes_an_application_not_a_report(client, bob, foreign):
    client.force_login(bob)

    response = client.post(bind_url(foreign), {"note": "本院曾用名为北京协和医院"})

    application = BindingApplication.objects.get()
    assert response.status_code == 302 and response.url == application_url(application)
    assert (application.institution, application.requested_by, application.status) == (
        bob.institution,
        bob,
        BindingApplication.Status.PENDING,
    )
    assert not Report.objects.filter(institution=bob.institution).exists()
    foreign.refresh_from_db()
    assert foreign.bound_institution is None
    page = client.get(application_url(application))
    assert "待审核" in page.text and "本院曾用名为北京协和医院" in page.text
    for content in CONTENT:
        assert content not in page.text
    assert "2018年度医疗机构脑血管病诊疗情况" not in client.get(REGISTRY).text


def test_the_confirmation_says_why_an_auditor_must_decide(client, bob, foreign):
    client.force_login(bob)

    page = client.get(bind_url(foreign))

    assert "该数据需经审核员核实后才能绑定" in page.text
    assert "该数据的医院名称与本单位名称（含曾用名）不一致" in page.text
    assert "该数据的行政区划与本单位的行政区划不一致" in page.text
    assert 'id="submit-application"' in page.text and 'id="confirm-bind"' not in page.text


def test_an_application_needs_a_note(client, bob, foreign):
    client.force_login(bob)

    response = client.post(bind_url(foreign), {"note": "   "})

    assert response.status_code == 200 and "请填写申请说明" in response.text
    assert not BindingApplication.objects.exists()


def test_one_pending_application_per_record_and_institution(client, bob, foreign):
    client.force_login(bob)
    client.post(bind_url(foreign), {"note": "第一次"})

    again = client.post(bind_url(foreign), {"note": "第二次"})

    application = BindingApplication.objects.get()
    assert again.url == application_url(application) and application.note == "第一次"
    assert "已申请，待审核" in client.get(SEARCH, {"q": "协和"}).text


def test_a_year_with_a_report_cannot_apply(client, bob, foreign):
    Report.objects.create(
        institution=bob.institution, data_year=2018, edition="2025",
        status_changed_at=foreign.imported_at,
    )  # fmt: skip
    client.force_login(bob)

    response = client.post(bind_url(foreign), {"note": "本院曾用名"})

    assert "本单位2018年度已有一份报告" in response.text
    assert not BindingApplication.objects.exists()


def test_another_institutions_application_is_404(client, alice, bob, foreign):
    application = apply(bob, foreign)
    client.force_login(alice)

    assert client.get(application_url(application)).status_code == 404


def test_no_reminder_while_an_application_awaits_review(client, alice, foreign):
    client.force_login(alice)
    before = client.get(reverse("welcome"))

    apply(alice, foreign)

    assert 'id="binding-reminder"' in before.text
    assert 'id="binding-reminder"' not in client.get(reverse("welcome")).text


# The match ------------------------------------------------------------------------------------


def test_the_institutions_own_record_is_bound_at_once(client, alice, own):
    client.force_login(alice)

    response = client.post(bind_url(own))

    report = Report.objects.get(institution=alice.institution, data_year=2018)
    assert response.url == f"{HOME}#report-{report.public_id}"
    assert not BindingApplication.objects.exists()
    own.refresh_from_db()
    assert own.bound_institution == alice.institution


@pytest.mark.parametrize(
    ("institution_name", "record_name", "region_text", "immediate"),
    [
        ("甲医院", "甲医院", "北京市市辖区东城区", True),
        ("甲医院", " 甲 医院\u3000", "北京市东城区", True),  # spaces, ideographic space
        ("北京友谊医院(西院)", "北京友谊医院（西院）", "北京市东城区", True),  # full-width ()
        ("甲医院[东院]", "甲医院【东院】", "北京市东城区", True),  # other brackets
        ("ABC医院", "ａｂｃ医院", "北京市东城区", True),  # full-width letters, case
        ("甲医院", "甲医院", "北京市东城区（110101）", True),  # the code the importer appends
        ("甲医院", "甲医院分院", "北京市东城区", False),  # another name
        ("甲医院", "甲医院", "广东省广州市天河区", False),  # another region
        ("甲医院", "甲医院", "北京市", False),  # a province is not the institution's region
        ("甲医院", "甲医院", "", False),  # no region at all
    ],
)
def test_the_match_compares_normalised_names_and_regions(
    alice, institution_name, record_name, region_text, immediate
):
    Institution.objects.filter(pk=alice.institution_id).update(name=institution_name)
    institution = Institution.objects.get(pk=alice.institution_id)
    record = make_record(record_name, region_text=region_text)

    assert claims.judge(record, institution).immediate is immediate


def test_a_record_resolved_to_the_institutions_region_code_matches(alice):
    record = make_record("甲医院", region_text="东城", region=region("110101"))

    assert claims.judge(record, alice.institution).region_matched


def test_a_former_name_set_by_an_auditor_still_matches(client, alice):
    institution = alice.institution
    institution.name = "甲市第一人民医院"  # renamed (in the admin): 甲医院 is its former name
    institution.save()
    record = make_record("甲医院")
    client.force_login(alice)

    client.post(bind_url(record))

    record.refresh_from_db()
    assert record.bound_institution == institution
    assert not BindingApplication.objects.exists()


def test_the_name_of_the_approved_registration_matches(alice):
    make_application(
        name="甲县人民医院", status=InstitutionApplication.Status.APPROVED,
        institution=alice.institution, region=region("110101"),
    )  # fmt: skip

    judgement = claims.judge(make_record("甲县人民医院"), alice.institution)

    assert judgement.immediate


def test_names_typed_in_basic_info_do_not_match(client, alice, foreign):
    """基本信息 is written by the hospital's own users: typing another hospital's name there
    must not hand over that hospital's data."""
    make_basic_info(alice, hospital_name="北京协和医院")
    client.force_login(alice)

    client.post(bind_url(foreign), {"note": "本院即北京协和医院"})

    foreign.refresh_from_db()
    assert foreign.bound_institution is None
    assert BindingApplication.objects.get().name_matched is False


def test_after_unbinding_binding_again_needs_an_auditor(client, alice, own):
    client.force_login(alice)
    client.post(bind_url(own))
    client.post(unbind_url(own))

    page = client.get(bind_url(own))
    client.post(bind_url(own), {"note": "误解绑，请恢复"})

    assert "本单位曾解绑该数据，再次绑定须经审核员核实" in page.text
    application = BindingApplication.objects.get()
    assert application.unbound_before and application.name_matched
    assert not Report.objects.of_institution(alice.institution_id).exists()
    own.refresh_from_db()
    assert own.bound_institution is None


# The auditors' queue --------------------------------------------------------------------------


def test_the_queue_shows_the_record_and_the_institution_side_by_side(desk, alice, foreign):
    institution = alice.institution
    institution.name = "甲市第一人民医院"
    institution.save()
    make_basic_info(alice, hospital_name="北京协和医院")
    application = apply(alice, foreign)

    listing = desk.get(QUEUE)
    detail = desk.get(change_url(application))

    assert "北京协和医院 2018年度" in listing.text and "甲市第一人民医院" in listing.text
    comparison = detail.text[detail.text.index('id="claim-comparison"') :]
    for text in (
        "北京协和医院",  # the record
        "北京市市辖区东城区",
        "138****5678",
        "甲市第一人民医院",  # the institution now
        "曾用：甲医院",  # and before
        "✘ 不符",  # the names differ
        "✔ 相符",  # the regions agree
        "基本信息中填写的名称（仅供参考）",
        "该年度尚无报告",
    ):
        assert text in comparison, text
    assert "13812345678" not in detail.text
    assert 'value="通过"' in detail.text and 'value="驳回"' in detail.text


def test_approval_binds_the_record_for_the_applicant(desk, client, auditor, bob, foreign):
    application = apply(bob, foreign)

    response = desk.post(decision_url(application, "approve"), {"reject_reason": ""})

    assert response.status_code == 302 and response.url == QUEUE
    application.refresh_from_db()
    foreign.refresh_from_db()
    assert application.status == BindingApplication.Status.APPROVED
    assert (application.decided_by, application.report) == (auditor, foreign.bound_report)
    assert (foreign.bound_institution, foreign.bound_by) == (bob.institution, bob)
    assert BindingLog.objects.get().application == application
    client.force_login(bob)
    report_page = client.get(reverse("surveys:report_detail", args=[application.report.public_id]))
    assert report_page.status_code == 200 and "3000" in report_page.text
    assert "已批准" in client.get(application_url(application)).text


def test_rejection_needs_a_reason_that_the_applicant_reads(desk, client, bob, foreign):
    application = apply(bob, foreign)

    without = desk.post(decision_url(application, "reject"), {"reject_reason": " "}, follow=True)
    application.refresh_from_db()
    assert "请填写驳回原因" in without.text and application.is_pending
    desk.post(decision_url(application, "reject"), {"reject_reason": "名称与该医院不符"})

    application.refresh_from_db()
    assert application.status == BindingApplication.Status.REJECTED
    client.force_login(bob)
    page = client.get(application_url(application))
    assert "已驳回" in page.text and "名称与该医院不符" in page.text
    for content in CONTENT:
        assert content not in page.text
    foreign.refresh_from_db()
    assert foreign.bound_institution is None


def test_a_decided_application_is_not_decided_again(desk, bob, foreign):
    application = apply(bob, foreign)
    desk.post(decision_url(application, "approve"))

    response = desk.post(decision_url(application, "reject"), {"reject_reason": "x"}, follow=True)

    assert "该申请已处理（已批准）" in response.text
    application.refresh_from_db()
    assert application.status == BindingApplication.Status.APPROVED


def test_competing_applications_are_shown_and_the_losers_told(desk, client, alice, bob, foreign):
    first, second = apply(alice, foreign), apply(bob, foreign)

    detail = desk.get(change_url(first))
    desk.post(decision_url(first, "approve"))

    assert "乙医院" in detail.text[detail.text.index('id="claim-competing"') :]
    second.refresh_from_db()
    assert second.status == BindingApplication.Status.REJECTED
    client.force_login(bob)
    page = client.get(application_url(second))
    assert "该数据已由其他单位绑定" in page.text and 'id="apply-again"' not in page.text


def test_the_owner_binds_at_once_while_another_institution_applies(client, alice, bob, own):
    pending = apply(bob, own)
    client.force_login(alice)

    client.post(bind_url(own))

    own.refresh_from_db()
    pending.refresh_from_db()
    assert own.bound_institution == alice.institution
    assert pending.status == BindingApplication.Status.REJECTED and pending.decided_by is None
    assert "该数据已由其他单位绑定" in pending.decision_reason


def test_another_institution_may_still_apply_while_one_is_pending(client, alice, bob, foreign):
    apply(alice, foreign)
    client.force_login(bob)

    search = client.get(SEARCH, {"q": "协和"})
    client.post(bind_url(foreign), {"note": "本院亦曾上报"})

    assert bind_url(foreign) in search.text  # nothing tells bob of alice's application
    assert BindingApplication.objects.filter(status="pending").count() == 2


# Rate limits ----------------------------------------------------------------------------------


def test_searches_are_limited_per_user(client, settings, alice, foreign):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "binding_search": ("3/h", "100/h")}
    client.force_login(alice)

    statuses = [client.get(SEARCH, {"q": "协和"}).status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]
    refused = events(audit.Action.BINDING_SEARCH)[-1]
    assert refused.outcome == audit.Outcome.DENIED


def test_searches_are_limited_per_address(client, settings, alice, bob, foreign):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "binding_search": ("100/h", "3/h")}
    client.force_login(alice)
    for _ in range(3):
        client.get(SEARCH, {"q": "协和"})
    client.force_login(bob)  # someone else behind the same address

    assert client.get(SEARCH, {"q": "协和"}).status_code == 429


def test_claims_are_limited(client, settings, bob):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "binding_claim": ("2/h", "100/h")}
    client.force_login(bob)
    records = [make_record(f"外院{n}") for n in range(3)]

    statuses = [client.post(bind_url(r), {"note": "申请"}).status_code for r in records]

    assert statuses == [302, 302, 429]
    assert BindingApplication.objects.count() == 2


# The audit log --------------------------------------------------------------------------------


def test_every_step_is_audited(client, desk, auditor, alice, bob, own, foreign):
    client.force_login(alice)
    client.get(SEARCH, {"q": "协和"})
    client.post(bind_url(own))
    client.post(unbind_url(own))
    client.force_login(bob)
    client.post(bind_url(foreign), {"note": "本院曾用名"})
    application = BindingApplication.objects.get()
    desk.post(decision_url(application, "reject"), {"reject_reason": "不符"})

    search = events(audit.Action.BINDING_SEARCH)[0]
    assert (search.user, search.detail) == (
        alice,
        {"results": 1, "page": 1, "phone": False, "similar": False},
    )
    assert [e.user for e in events(audit.Action.BIND)] == [alice]
    assert [e.user for e in events(audit.Action.UNBIND)] == [alice]
    applied = events(audit.Action.BINDING_APPLY)
    assert [(e.user, e.institution_id, e.object_id) for e in applied] == [
        (bob, bob.institution_id, str(application.pk))
    ]
    assert applied[0].detail == {
        "record": str(foreign.public_id),
        "name_matched": False,
        "region_matched": False,
        "unbound_before": False,
    }
    rejected = events(audit.Action.BINDING_REJECT)
    assert [(e.user, e.institution_id) for e in rejected] == [(auditor, bob.institution_id)]


def test_an_approval_is_audited_as_the_auditors_and_the_binding_as_the_applicants(
    desk, auditor, bob, foreign
):
    application = apply(bob, foreign)

    desk.post(decision_url(application, "approve"))

    (approved,) = events(audit.Action.BINDING_APPROVE)
    (bound,) = events(audit.Action.BIND)
    assert (approved.user, approved.institution_id) == (auditor, bob.institution_id)
    assert (bound.user, bound.detail["application"]) == (bob, str(application.public_id))
    assert LegacyRecord.objects.get().bound_institution == bob.institution
