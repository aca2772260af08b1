"""基本信息 and 编辑日志 (SPEC §3.6, first bullet)."""

from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from surveys.basic_info import save_basic_info
from surveys.models import BasicInfo
from tests.factories import UserFactory, region

HOME = reverse("surveys:home")
EDIT = reverse("surveys:basic_info")
HISTORY = reverse("surveys:basic_info_history")


def form_data(**changes):
    data = {
        "region": "110101",
        "hospital_name": "甲医院",
        "grade": "三级甲等",
        "category": "综合医院",
        "is_base_hospital": "True",
        "is_advanced_stroke_center": "False",
        "director_name": "王建国",
        "director_mobile": "13800138000",
        "director_email": "director@jia.cn",
        "contact_name": "李·娜",
        "contact_mobile": "139 0013 9000",
        "contact_email": "contact@jia.cn",
    }
    data.update(changes)
    return data


def make_basic_info(user, **changes):
    values = form_data(**changes)
    values["region"] = region(values["region"])
    values["is_base_hospital"] = values["is_base_hospital"] == "True"
    values["is_advanced_stroke_center"] = values["is_advanced_stroke_center"] == "True"
    values["contact_mobile"] = values["contact_mobile"].replace(" ", "")
    return save_basic_info(BasicInfo(**values), user)


@pytest.fixture
def signed_in(client, alice):
    client.force_login(alice)
    return client


def test_first_visit_shows_the_form_prefilled_from_the_institution(signed_in, alice):
    institution = alice.institution
    institution.is_base_hospital = True
    institution.save()

    response = signed_in.get(HOME)

    form = response.context["form"]
    assert form["hospital_name"].value() == "甲医院"
    assert form["region"].value() == "110101"
    assert form["grade"].value() == institution.grade
    assert form["is_base_hospital"].value() is True
    for section in ("医院信息", "医院负责人信息", "医院联系人信息", "保存"):
        assert section in response.text


def test_saving_creates_the_card_with_masked_mobiles(signed_in, alice):
    response = signed_in.post(HOME, form_data(), follow=True)

    info = BasicInfo.objects.get(institution=alice.institution)
    assert (info.created_by, info.updated_by) == (alice, alice)
    assert info.contact_mobile == "13900139000"
    assert info.region_name == "北京市东城区"
    assert "医院及负责人信息" in response.text
    assert "138****8000" in response.text
    assert "13800138000" not in response.text
    assert "基本信息已保存。" in response.text
    assert reverse("surveys:basic_info") in response.text
    assert reverse("surveys:basic_info_history") in response.text


def test_card_shows_every_field(signed_in, alice):
    make_basic_info(alice, is_advanced_stroke_center="True")

    text = signed_in.get(HOME).text

    for value in ("北京市市辖区东城区", "甲医院", "三级甲等", "综合医院", "王建国",
                  "director@jia.cn", "李·娜", "139****9000", "contact@jia.cn"):  # fmt: skip
        assert value in text
    assert "<dt>高级卒中中心(含建设单位)</dt><dd>是</dd>" in text


def test_edit_form_shows_saved_values_and_saves(signed_in, alice):
    make_basic_info(alice)

    assert signed_in.get(EDIT).context["form"]["director_name"].value() == "王建国"
    response = signed_in.post(EDIT, form_data(director_name="赵敏"))

    assert response.url == HOME
    assert BasicInfo.objects.get().director_name == "赵敏"


def test_institution_admin_may_edit(client, alice, alice_admin):
    make_basic_info(alice)
    client.force_login(alice_admin)

    client.post(EDIT, form_data(grade="三级乙等"))

    assert BasicInfo.objects.get().grade == "三级乙等"


def test_saving_without_changes_writes_no_history(signed_in, alice):
    make_basic_info(alice)

    signed_in.post(EDIT, form_data())

    assert BasicInfo.history.count() == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("director_mobile", "1380013800", "手机号码应为11位中国大陆手机号"),
        ("contact_mobile", "12800138000", "手机号码应为11位中国大陆手机号"),
        ("director_email", "director@", "请填写有效的电子邮箱地址"),
        ("contact_email", "not-an-email", "请填写有效的电子邮箱地址"),
        ("director_name", "王5", "姓名应为2–30个汉字或字母"),
        ("contact_name", "李", "姓名应为2–30个汉字或字母"),
        ("hospital_name", " ", "请填写医院全称。"),
        ("grade", "", "请选择医院等级。"),
        ("contact_email", "", "请填写电子邮箱。"),
        ("is_base_hospital", "", "请选择“是”或“否”"),
        ("region", "110000", "请选择到县（区）一级的行政区划"),
    ],
)
def test_bad_values_are_refused_in_chinese_and_nothing_is_saved(signed_in, field, value, message):
    response = signed_in.post(HOME, form_data(**{field: value}))

    assert response.status_code == 200
    assert message in str(response.context["form"].errors[field])
    assert not BasicInfo.objects.exists()


def test_bad_edit_keeps_the_saved_values(signed_in, alice):
    make_basic_info(alice)

    signed_in.post(EDIT, form_data(director_email="x@", director_name="赵敏"))

    assert BasicInfo.objects.get().director_name == "王建国"
    assert BasicInfo.history.count() == 1


def test_history_shows_who_when_and_old_to_new(signed_in, alice):
    make_basic_info(alice)
    region("440106")
    signed_in.post(EDIT, form_data(director_mobile="13700137000", region="440106", grade="二级"))

    response = signed_in.get(HISTORY)

    newest = response.context["revisions"][0]
    assert newest.who == "爱丽丝（alice）"
    assert not newest.created
    changes = {change.label: (change.old, change.new) for change in newest.changes}
    assert changes == {
        "行政区划": ("北京市市辖区东城区", "广东省广州市天河区"),
        "医院等级": ("三级甲等", "二级"),
        "医院负责人手机号": ("138****8000", "137****7000"),
    }
    assert "13700137000" not in response.text
    assert "爱丽丝（alice）" in response.text


def test_history_shows_beijing_time_newest_first(signed_in, alice):
    make_basic_info(alice)
    signed_in.post(EDIT, form_data(is_base_hospital="False"))
    history = list(BasicInfo.history.order_by("-history_date"))

    response = signed_in.get(HISTORY)

    revisions = response.context["revisions"]
    assert [r.created for r in revisions] == [False, True]
    assert revisions[0].changes[0].label == "基地医院"
    assert (revisions[0].changes[0].old, revisions[0].changes[0].new) == ("是", "否")
    local = history[0].history_date.astimezone(ZoneInfo("Asia/Shanghai"))
    assert local.strftime("%Y-%m-%d %H:%M:%S") in response.text


def test_history_records_the_user_through_the_request(signed_in, alice, alice_admin, client):
    make_basic_info(alice)
    client.force_login(alice_admin)
    client.post(EDIT, form_data(contact_email="new@jia.cn"))

    assert BasicInfo.history.first().history_user == alice_admin


def test_history_before_anything_is_saved(signed_in):
    assert "暂无编辑记录。" in signed_in.get(HISTORY).text


def test_history_query_count_is_bounded(signed_in, alice, django_assert_max_num_queries):
    info = make_basic_info(alice)
    editors = [UserFactory(institution=alice.institution) for _ in range(5)]
    for n in range(60):
        info.director_name = f"王建国{'甲乙丙丁戊'[n % 5]}{n:02d}"[:4] + "中"
        info.contact_email = f"c{n}@jia.cn"
        save_basic_info(info, editors[n % 5])

    with django_assert_max_num_queries(10):
        first = signed_in.get(HISTORY)
    with django_assert_max_num_queries(10):
        second = signed_in.get(HISTORY, {"page": 2})

    assert len(first.context["revisions"]) == 50
    # Page 2: the 11 oldest saves, diffed against the save just older than each.
    assert len(second.context["revisions"]) == 11
    assert second.context["revisions"][-1].created


def test_newcomer_gets_the_verification_prompt_and_no_data(client, alice, newcomer):
    make_basic_info(alice)
    client.force_login(newcomer)

    for url in (HOME, EDIT, HISTORY):
        response = client.get(url)
        assert response.status_code == 403
        assert "个人身份认证" in response.text
        assert "王建国" not in response.text
    client.post(EDIT, form_data(director_name="赵敏"))
    assert BasicInfo.objects.get().director_name == "王建国"


def test_bob_never_sees_institution_a(client, alice, bob):
    # There is no id in these URLs: each page shows the signed-in user's own institution.
    make_basic_info(alice)
    client.force_login(bob)

    home = client.get(HOME)
    history = client.get(HISTORY)
    client.post(HOME, form_data(hospital_name="乙医院", region="440106", director_name="鲍勃"))

    assert "王建国" not in home.text and "王建国" not in history.text
    assert home.context["form"]["hospital_name"].value() == "乙医院"
    assert BasicInfo.objects.get(institution=alice.institution).hospital_name == "甲医院"
    assert BasicInfo.objects.get(institution=bob.institution).hospital_name == "乙医院"
    assert "王建国" not in client.get(HISTORY).text


def test_auditor_gets_403(client, alice, auditor):
    make_basic_info(alice)
    client.force_login(auditor)

    assert {client.get(url).status_code for url in (HOME, EDIT, HISTORY)} == {403}


def test_anonymous_goes_to_login(client, db):
    response = client.get(HOME)

    assert response.status_code == 302
    assert reverse("accounts:login") in response.url


def test_admin_lists_basic_info_read_only(client, alice, auditor):
    info = make_basic_info(alice)
    client.force_login(auditor)

    changelist = reverse("admin:surveys_basicinfo_changelist")
    listing = client.get(changelist, {"province": "110000"})
    elsewhere = client.get(changelist, {"province": "440000", "q": "甲"})
    history = client.get(reverse("admin:surveys_basicinfo_history", args=[info.pk]))
    change = client.post(
        reverse("admin:surveys_basicinfo_change", args=[info.pk]), {"director_name": "赵敏"}
    )

    assert "甲医院" in listing.text
    assert list(elsewhere.context["cl"].result_list) == []
    assert history.status_code == 200
    assert change.status_code == 403
    assert BasicInfo.objects.get().director_name == "王建国"


def test_menu_entry_and_welcome_card(client, alice):
    client.force_login(alice)

    assert HOME in client.get(reverse("welcome")).text
