"""How a 行政区划 is printed (北京市 / 市辖区 / 东城区, as the manual prints it) and compared
(北京市市辖区东城区 and 北京市东城区 are one region), and every page that prints one."""

import pytest
from django.urls import reverse

from accounts.models import User
from institutions.models import Region
from institutions.region_names import (
    MUNICIPALITIES,
    printed_name,
    printed_parts,
    region_key,
)
from tests.factories import InstitutionFactory, UserFactory


def regions_of(*codes):
    found = Region.objects.select_related("parent__parent").filter(code__in=codes)
    return {region.code: region for region in found}


@pytest.mark.parametrize(
    ("code", "parts"),
    [
        ("110101", ("北京市", "市辖区", "东城区")),
        ("120101", ("天津市", "市辖区", "和平区")),
        ("310101", ("上海市", "市辖区", "黄浦区")),
        ("500101", ("重庆市", "市辖区", "万州区")),
        ("500229", ("重庆市", "县", "城口县")),  # GB/T 2260's 500200 县
        ("500240", ("重庆市", "县", "石柱土家族自治县")),
        ("440106", ("广东省", "广州市", "天河区")),
        ("419001", ("河南省", "", "济源市")),  # 省直辖县级: the table has no middle level
        ("441900", ("广东省", "东莞市", "")),  # a prefecture without counties
    ],
)
def test_printed_parts_give_a_municipality_its_middle_level(regions, code, parts):
    region = regions_of(code)[code]

    assert printed_parts(region, region.full_name) == parts


def test_a_renamed_district_keeps_the_name_entered_under_the_middle_level(regions):
    region = regions_of("110101")["110101"]

    assert printed_parts(region, "北京市旧东城区") == ("北京市", "市辖区", "旧东城区")


@pytest.mark.parametrize(
    ("kept", "printed"),
    [
        ("北京市东城区", "北京市市辖区东城区"),
        ("天津市蓟县", "天津市县蓟县"),
        ("重庆市石柱土家族自治县", "重庆市县石柱土家族自治县"),
        ("北京市市辖区东城区", "北京市市辖区东城区"),  # already printed
        ("天津市县蓟县", "天津市县蓟县"),
        ("北京市", "北京市"),
        ("重庆市市辖区（500105）", "重庆市市辖区（500105）"),
        ("广东省广州市天河区", "广东省广州市天河区"),
        ("", ""),
    ],
)
def test_printed_name(kept, printed):
    assert printed_name(kept) == printed


def test_one_line_and_three_cells_agree_for_every_region(regions):
    """Both printings of every current region of the table say the same, and the middle
    level read from the name is GB/T 2260's (xx01xx 市辖区, xx02xx 县)."""
    for region in Region.objects.current().select_related("parent__parent"):
        parts = printed_parts(region, region.full_name)
        assert printed_name(region.full_name) == "".join(parts), region.code
        if region.code[:2] in MUNICIPALITIES and region.level == Region.Level.COUNTY:
            assert parts[1] == {"01": "市辖区", "02": "县"}[region.code[2:4]], region.code


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("北京市市辖区东城区", "北京市东城区"),
        ("天津市县蓟县", "天津市蓟县"),
        ("上海市 市辖区 黄浦区", "上海市黄浦区"),
        ("重庆市市辖区", "重庆市"),
    ],
)
def test_both_spellings_have_one_key(one, other):
    assert region_key(one) == region_key(other)


def test_the_key_leaves_other_provinces_alone():
    assert region_key("广东省广州市天河区") == "广东省广州市天河区"
    assert region_key("河南省省直辖县级行政区划济源市") == "河南省省直辖县级行政区划济源市"


def test_every_table_name_is_its_own_key_and_printing_keeps_the_key(regions):
    for full_name in Region.objects.values_list("full_name", flat=True):
        assert region_key(full_name) == full_name
        assert region_key(printed_name(full_name)) == full_name


# Pages ----------------------------------------------------------------------------------------


@pytest.fixture
def beijing_admin(regions):
    institution = InstitutionFactory(name="东城医院", region=Region.objects.get(code="110101"))
    return UserFactory(
        username="dongcheng",
        institution=institution,
        role=User.Role.INSTITUTION_ADMIN,
        origin=User.Origin.ACTIVATION,
    )


def test_institution_page_prints_the_middle_level(client, beijing_admin):
    client.force_login(beijing_admin)

    html = client.get(reverse("institutions:detail", args=[beijing_admin.institution.public_id]))

    assert "北京市市辖区东城区" in html.text


def test_welcome_page_prints_the_middle_level(client, beijing_admin):
    client.force_login(beijing_admin)

    assert "东城医院 · 北京市市辖区东城区" in client.get(reverse("welcome")).text


def test_region_str_prints_the_middle_level(regions):
    assert str(Region.objects.get(code="110101")) == "北京市市辖区东城区（110101）"
    assert str(Region.objects.get(code="440106")) == "广东省广州市天河区（440106）"
