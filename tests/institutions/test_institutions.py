import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.urls import reverse

from institutions.models import Institution, Region
from institutions.validators import validate_licence_number, validate_uscc
from tests.factories import InstitutionFactory, region


@pytest.mark.parametrize(
    "code", ["91350100M000100Y43", "911100007109310534", "９１１１００００７１０９３１０５３４"]
)
def test_valid_credit_codes_pass(code):
    validate_uscc(code)


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("91350100M000100Y44", "校验位"),
        ("91350100M000100Y4", "18位"),
        ("91350100O000100Y43", "18位"),  # O is not in the GB 32100 character set
    ],
)
def test_invalid_credit_codes_say_why(code, message):
    with pytest.raises(ValidationError) as error:
        validate_uscc(code)
    assert message in error.value.messages[0]


def test_licence_number_must_be_letters_and_digits():
    validate_licence_number("PDY00001X11010117A1001")
    with pytest.raises(ValidationError, match="登记号"):
        validate_licence_number("许可证-001")


def test_credit_code_is_unique(db):
    first = InstitutionFactory()

    with pytest.raises(IntegrityError):
        InstitutionFactory(credit_code=first.credit_code)


def test_licence_number_is_unique(db):
    first = InstitutionFactory()

    with pytest.raises(IntegrityError):
        InstitutionFactory(licence_number=first.licence_number)


def test_institution_keeps_the_region_name_it_was_entered_with(db):
    institution = InstitutionFactory(region=region("110101"))
    Region.objects.filter(code="110101").update(full_name="北京市新名区")

    institution.refresh_from_db()
    institution.name = "改名医院"
    institution.save()

    assert Institution.objects.get(pk=institution.pk).region_name == "北京市东城区"


def test_member_sees_own_institution(client, alice):
    client.force_login(alice)

    response = client.get(reverse("institutions:detail", args=[alice.institution.public_id]))

    assert response.status_code == 200
    assert "甲医院" in response.text
    assert alice.institution.credit_code in response.text


def test_auditor_sees_any_institution(client, auditor, institution_b):
    client.force_login(auditor)

    response = client.get(reverse("institutions:detail", args=[institution_b.public_id]))

    assert response.status_code == 200


def test_visible_to_scopes_to_own_institution(alice, institution_b, auditor):
    assert list(Institution.objects.visible_to(alice)) == [alice.institution]
    assert set(Institution.objects.visible_to(auditor)) == {alice.institution, institution_b}


def test_admin_filters_by_province(client, auditor, institution_a, institution_b):
    client.force_login(auditor)

    response = client.get(
        reverse("admin:institutions_institution_changelist"), {"province": "440000"}
    )

    assert "乙医院" in response.text
    assert "甲医院" not in response.text


def test_admin_searches_by_credit_code(client, auditor, institution_a, institution_b):
    client.force_login(auditor)

    response = client.get(
        reverse("admin:institutions_institution_changelist"), {"q": institution_a.credit_code}
    )

    assert "甲医院" in response.text
    assert "乙医院" not in response.text


def _admin_form(**overrides):
    return {
        "name": "新增医院",
        "region": "440106",
        "grade": "三级甲等",
        "category": "综合医院",
        "credit_code": "91350100M000100Y43",
        "licence_number": "PDY99999X44010617A1001",
        "status": "active",
        **overrides,
    }


def test_auditor_adds_an_institution_with_a_county_region(client, auditor, regions):
    client.force_login(auditor)

    response = client.post(reverse("admin:institutions_institution_add"), _admin_form())

    assert response.status_code == 302
    assert Institution.objects.get(name="新增医院").region_name == "广东省广州市天河区"


def test_admin_refuses_a_province_as_region(client, auditor, regions):
    client.force_login(auditor)
    data = _admin_form(name="省级医院", region="440000")

    response = client.post(reverse("admin:institutions_institution_add"), data)

    assert "请选择到县（区）一级的行政区划" in response.text
    assert not Institution.objects.filter(name="省级医院").exists()


def test_unverified_member_gets_the_verification_prompt_not_the_licence_number(client, newcomer):
    client.force_login(newcomer)

    response = client.get(reverse("institutions:detail", args=[newcomer.institution.public_id]))

    assert response.status_code == 403
    assert "请先完成个人身份认证" in response.text
    assert newcomer.institution.licence_number not in response.text
