"""Benchmark of the 绑定既往数据 search on PostgreSQL: 100,000 legacy records, realistic queries.

Run from the project folder::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/registry \
        .venv/bin/python bench/legacy_search_bench.py

It creates a scratch database next to the one named in DATABASE_URL (``<name>_legacy_bench``,
migrated like a test database), loads the records with COPY, runs every query through
``binding.search.search_page`` — the function the page calls: the capped count and the first
page of results — and prints p50/p95 in milliseconds, overall and per kind of query. The
target is p95 ≤ 50 ms. The scratch database is dropped at the end (``--keep`` keeps it).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "registry.settings")

TARGET_P95_MS = 50.0


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5, help="times every query is run")
    parser.add_argument("--seed", type=int, default=2019)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE the slowest")
    return parser.parse_args()


# The records ------------------------------------------------------------------------------

SPECIALS = [
    ("北京协和医院", "北京市", "市辖区", "东城区", "110101"),
    ("北京市东城区演示医院", "北京市", "市辖区", "东城区", "110101"),
    ("广州市天河区演示医院", "广东省", "广州市", "天河区", "440106"),
    ("首都医科大学附属北京天坛医院", "北京市", "市辖区", "丰台区", "110106"),
    ("中山大学附属第一医院", "广东省", "广州市", "越秀区", "440104"),
    ("四川大学华西医院", "四川省", "成都市", "武侯区", "510107"),
    ("复旦大学附属华山医院", "上海市", "市辖区", "静安区", "310106"),
    ("蓟县人民医院", "天津市", "县", "蓟县", ""),
]
SUFFIXES = (
    "人民医院", "第一人民医院", "第二人民医院", "第三人民医院", "中心医院", "中医医院",
    "中西医结合医院", "妇幼保健院", "医院", "骨伤医院", "康复医院", "第四人民医院",
)  # fmt: skip


def draw_records(count, seed):
    """``count`` records: (year, name, province, city, county, code, person, phone)."""
    from binding.demo_export import MOBILE_PREFIXES, _load_counties, _person

    rng = random.Random(seed)
    counties = _load_counties()
    codes = _county_codes()
    years = (2010, 2015, 2017, 2018)
    seen = set()
    rows = []
    for name, province, city, county, code in SPECIALS:
        for year in years:
            seen.add((year, name))
            rows.append((year, name, province, city, county, code, _person(rng),
                         rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"))  # fmt: skip
    while len(rows) < count:
        province, city, county, _kind = rng.choice(counties)
        place = province if city == "市辖区" else city
        style = rng.random()
        suffix = rng.choice(SUFFIXES)
        if style < 0.45:
            name = f"{county}{suffix}"
        elif style < 0.85:
            name = f"{place}{county}{suffix}"
        else:
            name = f"{place}{suffix}"
        year = rng.choice(years)
        if (year, name) in seen:
            name = f"{name}{rng.choice(('东院区', '西院区', '南院区', '北院区', '分院'))}"
            if (year, name) in seen:
                continue
        seen.add((year, name))
        if rng.random() < 0.85:
            phone = rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
        else:
            phone = f"0{rng.randint(10, 999)}-{rng.randrange(10**7, 10**8)}"
        rows.append((year, name, province, city, county, codes.get((province, county), ""),
                     _person(rng), phone))  # fmt: skip
    return rows


def _county_codes():
    from institutions.regions import DEFAULT_FIXTURE

    data = json.loads(Path(DEFAULT_FIXTURE).read_text(encoding="utf-8"))
    by_code = {row["code"]: row for row in data["regions"]}
    codes = {}
    for row in data["regions"]:
        if row["level"] == 3:
            province = by_code[row["code"][:2] + "0000"]["name"]
            codes.setdefault((province, row["name"]), row["code"])
    return codes


def load(rows, seed):
    """COPY the records into binding_legacyrecord (one import run)."""
    from django.db import connection
    from django.utils import timezone

    from accounts import crypto
    from binding import legacy_format as fmt
    from binding.models import LegacyImport, LegacyRecord
    from binding.search import index_record
    from surveys.editions import get_edition

    rng = random.Random(seed)
    run = LegacyImport.objects.create(source_name="bench")
    codes = get_edition("2018").codes
    now = timezone.now()
    columns = (
        "public_id", "data_year", "hospital_name", "name_key", "province_name", "city_name",
        "county_name", "region_text", "region_code", "grade", "category", "director_name",
        "director_phone", "director_phone_hash", "director_email", "submit_status", "entered_at",
        "values", "thrombolysis_cases", "intervention_cases", "refused_files", "search_text",
        "search_grams", "source_file", "source_row", "source_sha256", "fingerprint",
        "imported_by_id", "imported_at",
    )  # fmt: skip
    sql = f"COPY binding_legacyrecord ({', '.join(columns)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.connection.cursor().copy(sql) as copy:
        for number, (year, name, province, city, county, code, person, phone) in enumerate(rows):
            region_text = f"{province}{city}{county}"
            record = index_record(
                LegacyRecord(
                    hospital_name=name,
                    region_text=region_text,
                    director_name=person,
                    director_phone=phone,
                )
            )
            values = {c: rng.randint(0, 500) for c in codes}
            copy.write_row((
                uuid.uuid4(), year, name, fmt.name_key(name), province, city, county,
                region_text, code, "三级甲等", "综合医院", person, crypto.encrypt(phone),
                crypto.blind_index(phone), "", "submitted",
                now, json.dumps(values), "[]", "[]", "[]", record.search_text, record.search_grams,
                f"{year}/附件1.xlsx", number + 4, "0" * 64, f"{number:064d}", run.pk, now,
            ))  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE binding_legacyrecord")


# The queries -------------------------------------------------------------------------------


def typo(rng, name):
    """``name`` with one character replaced (not the first two, where people rarely err)."""
    position = rng.randrange(2, len(name) - 1) if len(name) > 4 else len(name) - 1
    return name[:position] + rng.choice("仁民中心医元院区县市") + name[position + 1 :]


def queries(rows, seed):
    rng = random.Random(seed + 1)
    sample = rng.sample(rows, 40)
    mobiles = [r[7] for r in sample if r[7].startswith("1")]
    return {
        "全名": ["北京协和医院", "广州市天河区演示医院", *[r[1] for r in sample[:8]]],
        "片段": [
            "协和",
            "天坛",
            "华西",
            "人民医院",
            "中医",
            "演示医院",
            "第一人民",
            *[r[1][1:4] for r in sample[8:12]],
        ],  # fmt: skip
        "错字": [
            "北京协合医院",
            "广州市天河区演示医阮",
            "四川大学华溪医院",
            *[typo(rng, r[1]) for r in sample[12:19]],
        ],  # fmt: skip
        "行政区划": [
            "北京市市辖区东城区",
            "天河区",
            "四川省成都市",
            "天津市县蓟县",
            *[r[4] for r in sample[19:23]],
        ],  # fmt: skip
        "负责人": ["张伟", "王建国", *[r[6] for r in sample[23:29]]],
        "电话": [mobiles[0], mobiles[1], mobiles[2][:7], mobiles[3][-4:], "138", "010-"],
        "组合": ["北京 人民医院", "广州 中医", f"{sample[30][4]} {sample[30][6]}"],
    }


def timed(query):
    from binding.search import search_page

    started = time.perf_counter()
    page = search_page(query, 1)
    found = page.paginator.count
    shown = len(list(page.object_list))
    return (time.perf_counter() - started) * 1000, found, shown


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main():
    args = parse_args()
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit("DATABASE_URL must name a PostgreSQL database (the search uses pg_trgm).")
    source = settings.DATABASES["default"]["NAME"]
    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = f"{source}_legacy_bench"
    started = time.perf_counter()
    name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    print(f"草稿数据库 {name}：迁移用时 {time.perf_counter() - started:.1f} s")
    try:
        started = time.perf_counter()
        rows = draw_records(args.records, args.seed)
        drawn = time.perf_counter() - started
        started = time.perf_counter()
        load(rows, args.seed)
        print(
            f"生成 {len(rows):,} 条既往数据 {drawn:.1f} s，"
            f"COPY 导入并 ANALYZE {time.perf_counter() - started:.1f} s"
        )  # noqa: E501

        groups = queries(rows, args.seed)
        for group in groups.values():  # warm the caches once
            for query in group:
                timed(query)
        timings = {kind: [] for kind in groups}
        results = {}
        for _round in range(args.rounds):
            for kind, group in groups.items():
                for query in group:
                    elapsed, found, shown = timed(query)
                    timings[kind].append(elapsed)
                    results[query] = (found, shown, max(elapsed, results.get(query, (0, 0, 0))[2]))

        every = [t for ts in timings.values() for t in ts]
        print(
            f"\n{sum(len(g) for g in groups.values())} 个查询 × {args.rounds} 轮"
            "（每次：计数 + 第一页）"
        )
        print(f"{'类别':<8}{'次数':>6}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}")
        for kind, values in timings.items():
            print(f"{kind:<8}{len(values):>6}{statistics.median(values):>10.1f}"
                  f"{percentile(values, 0.95):>10.1f}{max(values):>10.1f}")  # fmt: skip
        p50, p95 = statistics.median(every), percentile(every, 0.95)
        print(f"{'全部':<8}{len(every):>6}{p50:>10.1f}{p95:>10.1f}{max(every):>10.1f}")
        print("\n最慢的5个查询（找到条数，第一页条数，最慢 ms）：")
        for query, (found, shown, worst) in sorted(results.items(), key=lambda kv: -kv[1][2])[:5]:
            print(f"  {query!r}: {found} / {shown} / {worst:.1f}")
        typo_hits = {q: results[q][0] for q in groups["错字"]}
        print(f"\n错字查询的结果数：{typo_hits}")
        verdict = "达标" if p95 <= TARGET_P95_MS else "未达标"
        print(
            f"\np50 = {p50:.1f} ms，p95 = {p95:.1f} ms"
            f"（目标 p95 ≤ {TARGET_P95_MS:.0f} ms）：{verdict}"
        )
        if args.explain:
            from binding.search import exact_matches, parse_query

            worst = max(results.items(), key=lambda kv: kv[1][2])[0]
            queryset = exact_matches(parse_query(worst))[:10]
            print(f"\nEXPLAIN ANALYZE {worst!r}（关键词匹配，第一页）:")
            print(queryset.explain(analyze=True))
        return 0 if p95 <= TARGET_P95_MS else 1
    finally:
        if args.keep:
            print(f"保留草稿数据库 {name}")
        else:
            connection.creation.destroy_test_db(source, verbosity=0)


if __name__ == "__main__":
    sys.exit(main())
