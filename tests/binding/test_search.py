"""Searching the legacy records: substring on names and places, trigram typo matching on
PostgreSQL, phones by the whole number only (test_legacy_phones.py), the results page
(masked phones, count, pagination) and who may search."""

import pytest
from django.db import connection
from django.urls import reverse

from binding import search
from binding.search import search_page, search_records
from binding.services import bind_legacy_record

from .helpers import make_record

SEARCH = reverse("binding:search")
POSTGRES = connection.vendor == "postgresql"


@pytest.fixture
def records(db):
    return {
        "xiehe": make_record("北京协和医院", director_name="张三", director_phone="13812345678"),
        "xiehe17": make_record("北京协和医院", year=2017, director_name="张三"),
        "beida": make_record("北京大学第一医院", region_text="北京市市辖区西城区",
                             director_name="李四", director_phone="010-65295269"),
        "demo": make_record("广州市天河区演示医院", province_name="广东省", city_name="广州市",
                            county_name="天河区", region_text="广东省广州市天河区",
                            director_name="陈志明", director_phone="13900000003"),
        "jixian": make_record("蓟县人民医院", year=2010, region_text="天津市县蓟县",
                              director_name="王五", director_phone="13700001111"),
    }  # fmt: skip


def names(query):
    return [(r.hospital_name, r.data_year) for r in search_records(query)]


def test_a_fragment_finds_the_full_name(records):
    assert names("协和") == [("北京协和医院", 2018), ("北京协和医院", 2017)]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("天河区", "广州市天河区演示医院"),  # region as written
        ("天津市县蓟县", "蓟县人民医院"),  # a retired region as the old platform wrote it
        ("陈志明", "广州市天河区演示医院"),  # person
        ("13900000003", "广州市天河区演示医院"),  # the whole phone
        ("139 0000 0003", "广州市天河区演示医院"),  # phone typed with spaces
        ("01065295269", "北京大学第一医院"),  # a whole landline, without its dash
        ("北京 第一", "北京大学第一医院"),  # every keyword must occur
        ("１３９０００００００３", "广州市天河区演示医院"),  # full-width digits
        ("陈志明 13900000003", "广州市天河区演示医院"),  # a person and the whole phone
    ],
)
def test_keywords_match_name_region_person_and_phone(records, query, expected):
    assert expected in [name for name, _year in names(query)]


def test_nothing_found_and_blank_queries(records):
    assert names("上海") == []
    assert names("   ") == []


@pytest.mark.skipif(not POSTGRES, reason="trigram similarity needs PostgreSQL (pg_trgm)")
def test_a_one_character_typo_still_finds_the_hospital_on_postgresql(records):
    found = names("北京协合医院")

    assert found[:2] == [("北京协和医院", 2018), ("北京协和医院", 2017)]
    assert names("广州市天河区演示医阮")[0] == ("广州市天河区演示医院", 2018)
    # Exact matches come before similar names.
    assert names("北京协和医院")[:2] == found[:2]


@pytest.mark.skipif(POSTGRES, reason="SQLite has no pg_trgm: plain substring search")
def test_sqlite_falls_back_to_a_plain_substring_match(records):
    assert names("北京协合医院") == []
    assert names("协和") == [("北京协和医院", 2018), ("北京协和医院", 2017)]


# The page -----------------------------------------------------------------------------------


@pytest.fixture
def signed_in(client, alice):
    client.force_login(alice)
    return client


def test_the_results_table(signed_in, records):
    response = signed_in.get(SEARCH, {"q": "协和"})

    for header in ("医院名称", "行政区划", "负责人", "联系电话", "年度", "提交状态", "录入时间"):
        assert header in response.text
    assert "共帮你找到相关结果约 2 个" in response.text
    assert "138****5678" in response.text and "13812345678" not in response.text
    assert "张三" in response.text and "已提交" in response.text and "2019-03-04" in response.text
    assert reverse("binding:bind", args=[records["xiehe"].public_id]) in response.text


def test_a_search_without_results_says_so(signed_in, records):
    response = signed_in.get(SEARCH, {"q": "上海"})

    assert "共帮你找到相关结果约 0 个" in response.text
    assert "没有找到相关的既往数据" in response.text


def test_the_page_without_a_query_shows_the_form_and_the_notes(signed_in, records):
    response = signed_in.get(SEARCH)

    assert 'name="q"' in response.text and "共帮你找到" not in response.text
    for note in (
        "如果您单位既往上报过脑血管病诊疗数据，可采用此功能绑定，如果没有上报过，重新上报即可",
        "请详细核对数据后再绑定，避免绑定错数据，或误绑定其他医院数据",
        "绑定后的数据可在“脑血管病登记”中查看",
        "如果绑定错误，可解绑，解绑后绑定的数据将会被清除",
    ):
        assert note in response.text


def test_the_home_page_is_the_search_while_nothing_is_bound(signed_in, records):
    response = signed_in.get(reverse("binding:home"))

    assert response.templates[0].name == "binding/search.html"
    assert "搜索既往数据" in response.text


def test_a_record_bound_elsewhere_is_marked_without_a_bind_button(signed_in, bob, records):
    bind_legacy_record(records["xiehe"], bob.institution, bob)

    response = signed_in.get(SEARCH, {"q": "协和"})

    assert "已被其他单位绑定" in response.text
    assert reverse("binding:bind", args=[records["xiehe"].public_id]) not in response.text
    assert reverse("binding:bind", args=[records["xiehe17"].public_id]) in response.text


def test_pagination_keeps_the_query(signed_in, db):
    for n in range(search.PAGE_SIZE + 3):
        make_record(f"测试区第{n}人民医院")

    first = signed_in.get(SEARCH, {"q": "测试区"})
    second = signed_in.get(SEARCH, {"q": "测试区", "page": 2})

    assert f"共帮你找到相关结果约 {search.PAGE_SIZE + 3} 个" in first.text
    assert "第 1 / 2 页" in first.text and "?q=%E6%B5%8B%E8%AF%95%E5%8C%BA&amp;page=2" in first.text
    assert len(second.context["page"].object_list) == 3


def test_a_broad_keyword_is_counted_up_to_the_cap(signed_in, db, monkeypatch):
    monkeypatch.setattr(search.CappedPaginator, "cap", 5)
    for n in range(8):
        make_record(f"测试区第{n}人民医院")

    response = signed_in.get(SEARCH, {"q": "测试区"})

    assert "共帮你找到相关结果约 5+ 个" in response.text


def test_a_long_or_odd_query_is_harmless(signed_in, records):
    for query in ("%", "_", "'; DROP TABLE x; --", "协" * 500, "\\"):
        assert signed_in.get(SEARCH, {"q": query}).status_code == 200
    assert search_page("%").paginator.count == 0


# Who may search -------------------------------------------------------------------------------


def test_an_unverified_user_gets_the_verification_prompt(client, newcomer, records):
    client.force_login(newcomer)

    for url in (reverse("binding:home"), f"{SEARCH}?q=协和"):
        response = client.get(url)
        assert response.status_code == 403
        assert "请先完成个人身份认证" in response.text
        assert "北京协和医院" not in response.text


def test_anonymous_visitors_are_sent_to_login(client, records):
    response = client.get(SEARCH, {"q": "协和"})

    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_auditors_use_the_admin_instead(client, auditor, records):
    client.force_login(auditor)
    assert client.get(SEARCH).status_code == 403


# The gram index -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "北京协和医院 北京市市辖区东城区 张三 010-65295269 01065295269",
        "a b",
        "黔东南苗族侗族自治州天柱县人民医院",
    ],
)
def test_a_keyword_contained_in_the_text_has_all_its_grams_there(text):
    grams = set(search.grams_of(search.normalize(text)).split(" "))
    normalized = search.normalize(text)
    for start in range(len(normalized)):
        for end in range(start + 1, min(len(normalized), start + 12) + 1):
            term = normalized[start:end]
            if " " in term:
                continue
            assert set(search.keyword_grams(term)) <= grams, term


def test_the_similarity_threshold_still_admits_one_wrong_character():
    # A mistyped middle character keeps (n - 2) / (n + 4) of an n-character name's trigrams.
    for length in range(search.MIN_SIMILAR_LENGTH, 30):
        assert search.similarity_threshold(length) <= max(0.3, (length - 2) / (length + 4))
    assert search.similarity_threshold(6) == 0.38


@pytest.mark.skipif(not POSTGRES, reason="trigram similarity needs PostgreSQL (pg_trgm)")
def test_the_page_says_when_it_offers_similar_names(signed_in, records):
    response = signed_in.get(SEARCH, {"q": "北京协合医院"})

    assert "没有找到完全包含“北京协合医院”的数据，以下是名称相近的医院" in response.text
    assert "共帮你找到相关结果约 2 个" in response.text
