"""The three help pages: public, in the platform's frame, and saying what the manual says."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

HELP_URLS = {
    "menus": "/help/menus/",
    "filling": "/help/filling/",
    "manual": "/help/manual/",
}

HOSPITAL_GRADES = (
    "三级甲等",
    "三级乙等",
    "三级丙等",
    "三级",
    "二级甲等",
    "二级乙等",
    "二级丙等",
    "二级",
    "未定级",
)


def _get(client, page):
    response = client.get(HELP_URLS[page])
    assert response.status_code == 200
    return response.text


def test_help_urls_are_the_documented_ones():
    assert reverse("help_menus") == HELP_URLS["menus"]
    assert reverse("help_filling") == HELP_URLS["filling"]
    assert reverse("help_manual") == HELP_URLS["manual"]


@pytest.mark.parametrize(
    ("page", "title"),
    [("menus", "菜单说明"), ("filling", "填写说明"), ("manual", "操作手册")],
)
def test_help_page_is_public_and_in_the_platform_frame(client, page, title):
    html = _get(client, page)

    assert "中国脑血管病登记平台" in html
    assert "国家卫生健康委脑卒中防治工程" in html
    assert f"<title>{title} · 中国脑血管病登记平台</title>" in html
    assert '<li class="breadcrumb-item">帮助</li>' in html
    assert f'<li class="breadcrumb-item active" aria-current="page">{title}</li>' in html
    assert 'class="help-body"' in html


@pytest.mark.parametrize("page", ["menus", "filling", "manual"])
def test_every_in_page_link_has_its_anchor(client, page):
    html = _get(client, page)

    targets = set(re.findall(r'href="#([\w-]+)"', html))
    ids = set(re.findall(r'id="([\w-]+)"', html))

    assert targets, "the page has a table of contents"
    assert targets <= ids, targets - ids


@pytest.mark.parametrize("page", ["menus", "filling", "manual"])
def test_help_page_has_no_inline_script_or_handlers(client, page):
    html = _get(client, page)

    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html) is None
    assert re.search(r"\son[a-z]+=", html) is None
    assert "style=" not in html


@pytest.mark.parametrize("page", ["menus", "filling", "manual"])
def test_wide_tables_scroll_on_a_phone(client, page):
    html = _get(client, page)

    assert html.count("<table") == html.count('class="table-responsive"')


def test_manual_has_the_four_chapters(client):
    html = _get(client, "manual")

    for chapter in (
        "01、中国脑血管病登记平台介绍",
        "02、用户登录及身份认证",
        "03、中国脑血管病登记",
        "04、绑定既往数据",
    ):
        assert chapter in html


def test_manual_has_the_three_upload_rules_verbatim(client):
    html = _get(client, "manual")

    assert "1、必须在线下载最新模板才可以成功导入数据" in html
    assert "2、如果附件2和附件3是0例，就不需要导入了" in html
    assert "3、同一个住院号只允许导入一次，重复的可人工录入" in html


def test_manual_has_the_binding_reminder_dialog_text(client):
    html = _get(client, "manual")

    assert "本单位暂无绑定的数据，如以往填报过，可绑定既往填报数据以便完成以下操作。" in html
    assert "1、快速获取已报数据" in html
    assert "2、核实已报数据，补充填报未报、漏报数据。" in html
    assert "立即绑定" in html
    assert "下次再说" in html


def test_manual_has_the_four_binding_notes(client):
    html = _get(client, "manual")

    note_1 = "如果您单位既往上报过脑血管病诊疗数据，可采用此功能绑定，如果没有上报过，重新上报即可"
    assert note_1 in html
    assert "请详细核对数据后再绑定，避免绑定错数据，或误绑定其他医院数据" in html
    assert "绑定后的数据可在“脑血管病登记”中查看" in html
    assert "如果绑定错误，可解绑，解绑后绑定的数据将会被清除" in html


def test_manual_explains_identity_verification(client):
    # As read: the names of buttons are marked up for tests/test_help_labels.py.
    html = re.sub(r"<[^>]+>", "", _get(client, "manual"))

    assert "如果没有看到【个人身份认证】，说明你当前登录的账号不需要认证。" in html
    assert "填写的登记号需与《医疗机构执业许可证》上的登记号一致" in html
    assert "jpg、jpeg、png、bmp、gif" in html
    assert "小于5M" in html
    assert "二者选其一即可" in html


def test_manual_lists_the_report_states_and_window(client):
    html = _get(client, "manual")

    for state in ("未提交", "已提交", "已退回", "已审核"):
        assert state in html
    assert "2月1日至3月31日" in html


def test_manual_does_not_send_users_to_the_old_website(client):
    html = _get(client, "manual")

    assert "sinosc.org" not in html


def test_filling_has_the_survey_items_and_rules(client):
    html = _get(client, "filling")

    assert "神经科出院患者总例数" in html
    assert "大于0的整数" in html
    assert "治疗前后NIHSS评分改善≥4分或功能缺失完全恢复的例数" in html
    assert "单纯取栓例数" in html
    assert "桥接例数" in html
    assert "空白不等于0" in html
    assert "选填" in html


def test_filling_lists_the_nine_hospital_grades_in_order(client):
    html = _get(client, "filling")

    badges = re.findall(r'<span class="badge text-bg-light border[^"]*">([^<]+)</span>', html)

    assert tuple(badges[: len(HOSPITAL_GRADES)]) == HOSPITAL_GRADES


def test_filling_lists_the_hospital_categories_and_thrombolytics(client):
    html = _get(client, "filling")

    for value in ("综合医院", "中医医院", "脑血管病专科医院", "其他专科医院"):
        assert value in html
    for drug in ("阿替普酶", "替奈普酶", "尿激酶", "重组人尿激酶原", "瑞替普酶"):
        assert drug in html
    assert "溶栓药选择“其他”时必须填写药名" in html


def test_filling_gives_the_score_ranges(client):
    html = _get(client, "filling")

    assert "0–42的整数" in html
    assert "0–6的整数" in html


def test_menus_describes_menus_and_roles(client):
    html = _get(client, "menus")

    for label in ("用户管理", "个人中心", "个人身份认证", "脑血管病登记", "绑定既往数据", "退出"):
        assert label in html
    for role in ("单位管理员", "普通用户", "审核员"):
        assert role in html
    assert "任何时候都看不到、也改不了其他单位的数据" in html
