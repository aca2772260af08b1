"""A bound legacy report (既往数据) as the hospital reads it: the 单位及负责人信息 of its year as
the old platform exported it, not today's 基本信息, and no 附件4 to print or upload."""

import pytest
from django.urls import reverse

from binding.services import bind_legacy_record
from tests.surveys.test_basic_info import make_basic_info

from .helpers import make_record

# The 2018 export: another grade, director, phone and e-mail than the hospital has today.
LEGACY_2018 = {
    "grade": "二级甲等",
    "category": "专科医院",
    "director_name": "李国强",
    "director_phone": "65112233",  # a landline without its area code
    "director_email": "li@old-jia.cn",
}


@pytest.fixture
def signed_in(client, alice):
    make_basic_info(alice, grade="三级甲等", director_name="王建国", director_email="wang@jia.cn")
    client.force_login(alice)
    return client


@pytest.fixture
def legacy_report(alice):
    record = make_record("甲医院", 2018, **LEGACY_2018)
    return bind_legacy_record(record, alice.institution, alice)


def detail_url(report, tab="survey"):
    return reverse("surveys:report_detail", args=[report.public_id]) + f"?tab={tab}"


def info_card(response):
    text = response.text
    start = text.index('aria-labelledby="report-info-title"')
    return text[start : text.index("</section>", start)]


def test_the_report_shows_the_basic_info_of_its_year(signed_in, legacy_report):
    card = info_card(signed_in.get(detail_url(legacy_report)))

    assert "李国强" in card and "二级甲等" in card and "专科医院" in card
    assert "li@old-jia.cn" in card
    assert "王建国" not in card and "三级甲等" not in card and "wang@jia.cn" not in card


def test_the_legacy_phone_is_masked_once(signed_in, legacy_report):
    card = info_card(signed_in.get(detail_url(legacy_report)))

    assert "651****33" in card
    assert "65112233" not in card and "651******33" not in card


def test_the_card_says_the_values_are_those_reported_that_year(signed_in, legacy_report):
    card = info_card(signed_in.get(detail_url(legacy_report)))

    assert "2018年度填报时的信息" in card
    assert "以下为旧平台导出的2018年度信息，是当年填报的值，不是本单位现在的基本信息。" in card
    assert "提交时的基本信息" not in card


@pytest.mark.parametrize("tab", ["survey", "thrombolysis", "intervention"])
def test_no_tab_offers_attachment4(signed_in, legacy_report, tab):
    text = signed_in.get(detail_url(legacy_report, tab)).text

    assert "附件4" not in text
    assert reverse("surveys:attachment4_print", args=[legacy_report.public_id]) not in text
    assert reverse("surveys:attachment4_scan", args=[legacy_report.public_id]) not in text


def test_the_report_list_offers_no_upload_for_it(signed_in, legacy_report):
    text = signed_in.get(reverse("surveys:home")).text
    row = text[text.index('id="report-2018"') :]
    row = row[: row.index("</tr>")]

    assert "点击上传" not in row and "未上传" not in row
    assert reverse("surveys:attachment4_scan", args=[legacy_report.public_id]) not in row


@pytest.mark.parametrize("name", ["surveys:attachment4_print", "surveys:attachment4_scan"])
def test_the_attachment4_pages_send_back_to_the_report(signed_in, legacy_report, name):
    response = signed_in.get(reverse(name, args=[legacy_report.public_id]), follow=True)

    assert response.redirect_chain == [(detail_url(legacy_report).split("?")[0], 302)]
    assert "本报告为绑定的既往数据（旧平台导入），没有附件4。" in response.text
