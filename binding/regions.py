"""行政区划 of a legacy record, as found: names (省份/市/县（区）) or codes, current or retired.

The record keeps what the file says (``region_text``, e.g. 北京市市辖区东城区 or 天津市县蓟县).
Besides, it is pointed at a ``Region`` when one is found — by a 6-digit code in the cells,
or by names — among all regions, retired ones included (the table never drops a code).
A division the table does not know (e.g. a county abolished before the table's first
edition) is kept as text only.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from excel_templates.cells import digits_code, text
from institutions.models import Region
from institutions.region_names import region_key

# The 2018 form's 市 for a 直辖市 (and other placeholders): not a prefecture.
PLACEHOLDER_CITIES = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划", "省直辖"}
_SUFFIXES = re.compile(r"(特别行政区|壮族自治区|回族自治区|维吾尔自治区|自治区|省|市)$")


def short_name(name: str) -> str:
    """北京市 → 北京, 广西壮族自治区 → 广西, 河北省 → 河北."""
    return _SUFFIXES.sub("", name.strip()) or name.strip()


@dataclass(frozen=True)
class FoundRegion:
    text: str
    code: str
    region_id: str | None
    note: str = ""


class RegionIndex:
    """All regions in memory (a few thousand rows), loaded once per import."""

    def __init__(self):
        self.by_code = {}  # code → full name
        self.by_key = defaultdict(list)  # region_key(full name) → codes
        self.provinces = {}
        self.named = defaultdict(list)
        for code, name, level, full_name in Region.objects.values_list(
            "code", "name", "level", "full_name"
        ):
            self.by_code[code] = full_name
            self.by_key[region_key(full_name)].append(code)
            self.named[(code[:2], level, name)].append(code)
            if level == Region.Level.PROVINCE:
                self.provinces.setdefault(name, code)
                self.provinces.setdefault(short_name(name), code)

    def full_name(self, code: str | None) -> str:
        return self.by_code.get(code or "", "")

    def _descendants_named(self, province_code: str, name: str, level: int) -> list[str]:
        return self.named.get((province_code[:2], level, name), [])

    def resolve(self, province, city, county) -> FoundRegion:
        names = [text(province), text(city), text(county)]
        shown = "".join(name for name in names if name and not digits_code(name))
        code = digits_code(county) or digits_code(city) or digits_code(province)
        if code:
            shown = f"{shown}（{code}）" if shown else code
            if code in self.by_code:
                return FoundRegion(shown, code, code)
            return FoundRegion(
                shown, code, None, f"行政区划代码{code}不在区划表中（可能已撤销），按原文保存"
            )
        # The whole spelling, compared as region_key compares it: 北京市/市辖区/东城区, 北京市//
        # 东城区 and 北京市市辖区东城区 in one cell are the table's 北京市东城区.
        whole = self.by_key.get(region_key(shown), [])
        if len(whole) == 1:
            return FoundRegion(shown, whole[0], whole[0])
        province_name, city_name, county_name = names
        province_code = self.provinces.get(province_name) or self.provinces.get(
            short_name(province_name)
        )
        if not province_code:
            return FoundRegion(
                shown, "", None, f"行政区划“{shown or '（空）'}”在区划表中找不到，按原文保存"
            )
        if county_name:
            matches = self._descendants_named(province_code, county_name, Region.Level.COUNTY)
            if len(matches) > 1 and city_name and city_name not in PLACEHOLDER_CITIES:
                cities = self._descendants_named(province_code, city_name, Region.Level.PREFECTURE)
                matches = [m for m in matches if any(m[:4] == c[:4] for c in cities)]
            if len(matches) == 1:
                return FoundRegion(shown, matches[0], matches[0])
        if city_name and city_name not in PLACEHOLDER_CITIES:
            cities = self._descendants_named(province_code, city_name, Region.Level.PREFECTURE)
            if len(cities) == 1:
                note = (
                    f"县（区）“{county_name}”在区划表中找不到（可能已撤销），按原文保存"
                    if county_name
                    else ""
                )
                return FoundRegion(shown, cities[0], cities[0], note)
        note = (
            f"县（区）“{county_name}”在区划表中找不到（可能已撤销），按原文保存"
            if county_name
            else ""
        )
        return FoundRegion(shown, province_code, province_code, note)
