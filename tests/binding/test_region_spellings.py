"""北京市市辖区东城区 (the old export) and 北京市东城区 (the region table, later exports) are one
region to the legacy search, to the import's region matching and on every page that prints
a legacy record's region."""

import importlib

import pytest
from django.apps import apps
from django.urls import reverse

from binding.importer import import_legacy
from binding.models import LegacyRecord
from binding.regions import RegionIndex
from binding.search import search_records

from .helpers import hospital_row, make_record, write_attachment1

pytestmark = pytest.mark.usefixtures("regions")


@pytest.fixture
def records(db):
    return {
        # As the old platform wrote it, region not resolved (as for a retired county).
        "old": make_record("北京大学第一医院", region_text="北京市市辖区西城区", region=None),
        # As a later export writes it.
        "new": make_record("东城区新写法医院", city_name="", region_text="北京市东城区"),
        "county": make_record("蓟县人民医院", year=2010, region_text="天津市县蓟县"),
    }


def names(query):
    return {record.hospital_name for record in search_records(query)}


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("北京市西城区", "北京大学第一医院"),  # written with 市辖区, searched without
        ("北京市市辖区西城区", "北京大学第一医院"),
        ("北京市市辖区东城区", "东城区新写法医院"),  # written without, searched with
        ("北京市东城区", "东城区新写法医院"),
        ("北京市 市辖区 东城区", "东城区新写法医院"),
        ("天津市蓟县", "蓟县人民医院"),
        ("天津市县蓟县", "蓟县人民医院"),
    ],
)
def test_the_search_finds_either_spelling(records, query, found):
    assert found in names(query)


def test_a_spelling_finds_only_its_region(records):
    assert names("北京市市辖区东城区") == {"东城区新写法医院"}


@pytest.mark.parametrize(
    ("cells", "code"),
    [
        (("北京市", "市辖区", "东城区"), "110101"),
        (("北京市", "", "东城区"), "110101"),
        (("北京市市辖区东城区", "", ""), "110101"),  # the whole region in one cell
        (("北京市东城区", "", ""), "110101"),
        (("重庆市", "县", "城口县"), "500229"),
        (("重庆市县城口县", "", ""), "500229"),
        (("广东省广州市天河区", "", ""), "440106"),
    ],
)
def test_the_import_matches_either_spelling_to_the_table(cells, code):
    found = RegionIndex().resolve(*cells)

    assert (found.region_id, found.note) == (code, "")


def test_an_imported_record_is_found_by_the_other_spelling(tmp_path):
    write_attachment1(tmp_path, 2018, [hospital_row("协和东院", county="东城区")])
    import_legacy(tmp_path)

    assert names("北京市东城区") == {"协和东院"}
    assert names("北京市市辖区东城区") == {"协和东院"}


def test_search_results_print_the_middle_level(client, alice, records):
    client.force_login(alice)

    html = client.get(reverse("binding:search"), {"q": "东城区新写法医院"}).text

    assert "北京市市辖区东城区" in html


def test_the_migration_reindexes_records_of_the_municipalities(records):
    """Records indexed before the spellings were added are found once the migration ran."""
    old, guangzhou = records["old"], make_record("广州医院", region_text="广东省广州市天河区")
    LegacyRecord.objects.filter(pk=old.pk).update(
        search_text="北京大学第一医院 北京市市辖区西城区", search_grams=""
    )
    LegacyRecord.objects.filter(pk=guangzhou.pk).update(search_text="unchanged")
    migration = importlib.import_module("binding.migrations.0004_search_text_region_spellings")

    migration.reindex_municipal_records(apps, None)

    old.refresh_from_db()
    assert "北京市西城区" in old.search_text and "西城" in old.search_grams.split(" ")
    assert LegacyRecord.objects.get(pk=guangzhou.pk).search_text == "unchanged"
