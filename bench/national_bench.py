"""National-size benchmark (issue 21): 3,000 institutions × 2 data years, 1,000,000 附件3 cases,
served by gunicorn in production mode, measured over HTTP against ``/healthz`` in the same run.

Run from the project folder (PostgreSQL and Redis on this machine)::

    .venv/bin/python bench/national_bench.py                        # full size, ~15 minutes
    .venv/bin/python bench/national_bench.py --institutions 300 --cases 100000 --duration 20
    .venv/bin/python bench/national_bench.py --reuse                # measure the seeded DB again

What it does, in one run:

1. **Seeds** its own database (``--db-url``, default ``registry_national_bench``; the name must
   contain "bench", and it is dropped and recreated — never point it at a real database),
   migrated like a test database, with the 行政区划 table (``manage.py load_regions``),
   ``--institutions`` institutions with 基本信息, a report per institution and data year (the
   current one open for filling, the year before closed), ``--cases`` 附件3 cases and
   ``--intervention-cases`` 附件2 cases spread over the reports (heavy-tailed, as hospitals
   differ; interleaved in id order, as many hospitals enter cases at once), loaded with
   PostgreSQL COPY, then VACUUM ANALYZE. A few hospital users (verified, with their
   institution) and auditors (staff in the 审核员 group, with a TOTP device) are made through
   the models. Every column the bench does not choose gets the model field's default.
2. **Serves** the site as the README deploys it: ``gunicorn registry.wsgi`` with ``--workers``
   (3) sync workers, ``DEBUG=false`` and the production variables (fresh keys derived from the
   database name, ``TRUSTED_PROXY_COUNT=0``, ``SECURE_SSL_REDIRECT=false`` as there is no TLS
   proxy on loopback, Redis cache, the in-memory SMS backend — nothing is sent), static files
   collected into a temporary folder.
3. **Signs in** without SMS or captcha: the bench calls Django's ``login()`` on a request with a
   fresh session, as ``accounts.second_factor.complete`` does after the last factor (for an
   auditor with the TOTP device on the user, so django-otp marks the session verified), and
   sends that session's cookie. It checks that the pages answer 200 with their own content.
4. **Measures**, printing one table per section with issue 21's targets (MET/MISSED):
   hospital pages at 1 and ``--clients`` (8) clients — p50/p95, req/s, gunicorn workers' CPU
   per request (utime+stime from /proc), throughput as % of ``/healthz`` measured the same way
   just before; the auditors' admin lists at 1 client; 导出总表 of all reports (time to first
   byte, total, size, workers' peak RSS); a ``--users`` (50) mixed load for ``--duration``
   seconds; and whether ``/healthz`` answers while 8 auditors search the case list.
5. **Stops** gunicorn; the database is kept for ``--reuse`` unless ``--drop``.

Everything is measured through HTTP (URLs by their names, content by what the page shows), so
the script keeps working when indexes, sessions, admin lists or exports change. The client is
Python's http.client in threads (gunicorn's sync workers close every connection, so each
request opens one, for pages and /healthz alike). ``--case-export-path`` measures a case-row
export too, once one exists.
"""

from __future__ import annotations

import argparse
import base64
import datetime
import hashlib
import http.client
import http.cookies
import io
import json
import logging
import math
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unicodedata
import urllib.parse
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "registry.settings")

# Issue 21's targets.
PAGE_CPU_MS = 15.0  # worker CPU per hospital page
PAGE_SHARE = 0.30  # hospital page throughput / /healthz throughput
ADMIN_P95_MS = 300.0  # every admin list, 1 client
EXPORT_FIRST_BYTE_S = 1.0
EXPORT_RSS_MB = 300.0
EXPORT_ROWS_PER_S = 50_000  # CSV case rows
MIXED_P95_MS = 500.0  # and 0 errors
# Not a number in the issue ("8 auditors searching starved all workers (/healthz got no
# answer)"): the bench asks every probe to answer 200 within the suggested statement timeout.
HEALTHZ_UNDER_SEARCH_S = 5.0

PREFIX = "nb_"  # usernames of the bench's accounts


def parse_args():
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    size = parser.add_argument_group("size")
    size.add_argument("--institutions", type=int, default=3000)
    size.add_argument("--cases", type=int, default=1_000_000, help="附件3 cases")
    size.add_argument("--intervention-cases", type=int, default=100_000, help="附件2 cases")
    size.add_argument("--seed", type=int, default=2026)
    run = parser.add_argument_group("run")
    run.add_argument(
        "--db-url",
        default="postgres://postgres@127.0.0.1:5432/registry_national_bench",
        help="the bench's own database (dropped and recreated unless --reuse)",
    )
    run.add_argument("--redis-url", default="redis://127.0.0.1:6379/13")
    run.add_argument("--workers", type=int, default=3, help="gunicorn sync workers")
    run.add_argument("--clients", type=int, default=8, help="concurrent clients per page")
    run.add_argument("--requests", type=int, default=60, help="1-client requests per page")
    run.add_argument(
        "--max-seconds", type=float, default=45, help="cap of a 1-client series (min 10 requests)"
    )
    run.add_argument("--burst", type=float, default=10, help="seconds of each concurrent run")
    run.add_argument("--admin-requests", type=int, default=20, help="1-client, per admin list")
    run.add_argument("--users", type=int, default=50, help="users of the mixed load")
    run.add_argument("--auditors", type=int, default=3, help="of which auditors")
    run.add_argument("--duration", type=float, default=60, help="seconds of the mixed load")
    run.add_argument("--think", type=float, default=0, help="seconds between a user's requests")
    run.add_argument(
        "--case-export-path", default="", help="path?query of a case-row export to measure too"
    )
    run.add_argument("--reuse", action="store_true", help="measure the seeded database again")
    run.add_argument("--drop", action="store_true", help="drop the database at the end")
    args = parser.parse_args()
    name = urllib.parse.urlsplit(args.db_url).path.lstrip("/")
    if "bench" not in name:
        parser.error(f"--db-url must name a scratch database with 'bench' in it, not {name!r}")
    args.db_name = name
    return args


# Production environment ---------------------------------------------------------------------


def production_env(args, static_root, media_root):
    """The variables of README "Production deployment", for this process and gunicorn. The
    keys are derived from the database name, so ``--reuse`` reads what an earlier run wrote
    (a scratch database of made-up people; never use these keys anywhere else)."""

    def key(purpose):
        digest = hashlib.sha256(f"national-bench:{purpose}:{args.db_name}".encode()).digest()
        return base64.urlsafe_b64encode(digest).decode()

    return {
        "DJANGO_SETTINGS_MODULE": "registry.settings",
        "DEBUG": "false",
        "SECRET_KEY": key("secret-1") + key("secret-2"),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "TRUSTED_PROXY_COUNT": "0",
        # gunicorn is reached directly over plain HTTP on loopback (no TLS proxy here).
        "SECURE_SSL_REDIRECT": "false",
        "FIELD_ENCRYPTION_KEY": key("field-encryption"),
        "FIELD_HASH_KEY": key("field-hash"),
        "SMS_BACKEND": "accounts.sms.backends.locmem.SmsBackend",
        "DATABASE_URL": args.db_url,
        "REDIS_URL": args.redis_url,
        "STATIC_ROOT": str(static_root),
        "MEDIA_ROOT": str(media_root),
    }


# Seeding ------------------------------------------------------------------------------------


def copy_rows(model, rows, chosen):
    """COPY ``rows`` (dicts keyed by field attname, each holding the ``chosen`` keys) into
    ``model``'s table. Every other concrete column gets its field's default (a callable
    default such as ``uuid.uuid4`` is called per row), ``now`` for auto_now(_add), NULL where
    nullable, "" where blank; a column the bench cannot fill stops the run with its name."""
    from django.db import connection, models
    from django.utils import timezone

    now = timezone.now()
    plan = []
    for fld in model._meta.concrete_fields:
        if isinstance(fld, models.AutoField) or getattr(fld, "generated", False):
            continue
        if fld.attname in chosen:
            fill = None
        elif fld.has_default():
            default = fld.default
            fill = default if callable(default) else (lambda value=default: value)
        elif getattr(fld, "auto_now", False) or getattr(fld, "auto_now_add", False):
            fill = lambda: now  # noqa: E731
        elif fld.null:
            fill = lambda: None  # noqa: E731
        elif fld.blank and fld.empty_strings_allowed:
            fill = lambda: ""  # noqa: E731
        else:
            sys.exit(
                f"national_bench: {model._meta.db_table}.{fld.column} is NOT NULL and has no "
                "default; teach the bench's seed what to put there."
            )
        plan.append((fld, fill, isinstance(fld, models.JSONField)))
    missing = set(chosen) - {fld.attname for fld, _fill, _json in plan}
    if missing:
        sys.exit(f"national_bench: {model._meta.db_table} has no columns {sorted(missing)}")
    columns = ", ".join(connection.ops.quote_name(fld.column) for fld, _fill, _json in plan)
    plan = [(fld.attname, fill, is_json) for fld, fill, is_json in plan]
    sql = f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN"
    count = 0
    with connection.cursor() as cursor, cursor.connection.cursor().copy(sql) as copy:
        for row in rows:
            values = []
            for attname, fill, is_json in plan:
                value = row[attname] if fill is None else fill()
                if is_json and value is not None:
                    value = json.dumps(value, ensure_ascii=False)
                values.append(value)
            copy.write_row(values)
            count += 1
    return count


SUFFIXES = (
    "人民医院", "第一人民医院", "第二人民医院", "中心医院", "中医医院", "中西医结合医院",
    "医院", "第三人民医院", "脑科医院", "医科大学附属医院",
)  # fmt: skip
GRADES = ("三级甲等", "三级乙等", "二级甲等", "二级乙等", "二级", "未定级")
CATEGORIES = ("综合医院", "综合医院", "综合医院", "中医医院", "脑血管病专科医院", "其他专科医院")
DRUGS = (("alteplase", 70), ("urokinase", 14), ("tenecteplase", 10), ("prourokinase", 4),
         ("reteplase", 2))  # fmt: skip
# Admission numbers as hospitals write them (a style per institution).
ADMISSION_STYLES = (
    lambda year, n, base: f"{year}{base + n:06d}",
    lambda year, n, base: f"ZY{year % 100:02d}{base + n:06d}",
    lambda year, n, base: f"{base * 10 + n:08d}",
    lambda year, n, base: f"A{year}-{base + n:06d}",
    lambda year, n, base: f"{year % 100:02d}{base + n:07d}",
)


@dataclass
class SeedReport:
    timings: list = field(default_factory=list)

    def step(self, label, started):
        self.timings.append((label, time.perf_counter() - started))


def seed(args, rng, report):
    """Seed the national-size data; timings go to ``report``."""
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from accounts.models import User
    from casesets.models import InterventionCase, ThrombolysisCase
    from institutions.models import Institution, Region
    from institutions.validators import uscc_check_character
    from surveys import reports
    from surveys.editions import CURRENT_EDITION
    from surveys.models import BasicInfo, Report, ReportingWindow

    started = time.perf_counter()
    call_command("load_regions", verbosity=0, stdout=io.StringIO())
    report.step("行政区划 (load_regions)", started)

    started = time.perf_counter()
    year = reports.current_data_year()
    years = (year - 1, year)
    today = timezone.localdate()
    # The current year is open for filling (the February–March rush), the year before closed.
    ReportingWindow.objects.update_or_create(
        data_year=year,
        defaults={
            "opens_on": today - datetime.timedelta(days=1),
            "closes_on": today + datetime.timedelta(days=60),
        },
    )
    # One password hash for every bench account (Argon2 costs 0.1 s a hash).
    password = make_password(f"Bench-{args.seed}-Pw!")
    # The author of the seeded 基本信息: a stopped staff account (a hospital account needs an
    # institution, and none exists yet).
    seeder = User(
        username=f"{PREFIX}seeder",
        real_name="数据导入",
        password=password,
        is_staff=True,
        is_active=False,
    )
    seeder.save()

    counties = list(Region.objects.current().filter(level=3).values_list("code", "full_name"))
    now = timezone.now()
    names = set()
    institution_rows = []
    for number in range(args.institutions):
        code, full_name = rng.choice(counties)
        name = f"{full_name}{rng.choice(SUFFIXES)}"
        while name in names:
            name = f"{full_name}{rng.choice(SUFFIXES)}{rng.choice('东西南北')}院区{number}"
        names.add(name)
        first17 = f"12{code}MB{number:07d}"
        institution_rows.append(
            {
                "name": name,
                "region_id": code,
                "region_name": full_name,
                "grade": rng.choice(GRADES),
                "category": rng.choice(CATEGORIES),
                "credit_code": first17 + uscc_check_character(first17),
                "licence_number": f"PDY{number:06d}X{code}17A1001",
                "is_base_hospital": rng.random() < 0.1,
                "is_advanced_stroke_center": rng.random() < 0.15,
                "created_at": now,
                "updated_at": now,
            }
        )
    copy_rows(Institution, institution_rows, set(institution_rows[0]))
    institutions = list(Institution.objects.order_by("pk").values_list("pk", "name", "region_id"))
    region_names = dict(counties)
    infos = []
    for pk, name, region_id in institutions:
        infos.append(
            BasicInfo(
                institution_id=pk, region_id=region_id, region_name=region_names[region_id],
                hospital_name=name, grade=rng.choice(GRADES), category=rng.choice(CATEGORIES),
                director_name="王建国", director_mobile=f"138{pk:08d}",
                director_email=f"director{pk}@example.org", contact_name="李静",
                contact_mobile=f"137{pk:08d}", contact_email=f"contact{pk}@example.org",
                created_by=seeder, updated_by=seeder,
            )
        )  # fmt: skip
    BasicInfo.objects.bulk_create(infos, batch_size=1000)
    report.step(f"{len(institutions):,} 医疗机构 + 基本信息", started)

    # How many cases each report gets: heavy-tailed (log-normal weights per institution, a
    # little growth and noise from one year to the next).
    started = time.perf_counter()
    size = {pk: rng.lognormvariate(0, 1.0) for pk, _name, _region in institutions}
    weights = {}
    for pk, _name, _region in institutions:
        for data_year in years:
            growth = 1.15 if data_year == year else 1.0
            weights[(pk, data_year)] = size[pk] * growth * rng.uniform(0.8, 1.2)
    ivt_counts = _apportion(args.cases, weights)
    evt_counts = _apportion(args.intervention_cases, weights)
    report_rows = []
    for (pk, data_year), ivt in ivt_counts.items():
        evt = evt_counts[(pk, data_year)]
        status, submitted_at = _status(rng, data_year == year, now)
        report_rows.append(
            {
                "institution_id": pk,
                "data_year": data_year,
                "edition": CURRENT_EDITION.id,
                "values": survey_values(rng, ivt, evt),
                "survey_version": 1,
                "survey_saved_at": now,
                "status": status,
                "status_changed_at": submitted_at or now,
                "submitted_at": submitted_at,
                "created_at": now,
            }
        )
    copy_rows(Report, report_rows, set(report_rows[0]))
    report_ids = {
        (institution_id, data_year): pk
        for pk, institution_id, data_year in Report.objects.values_list(
            "pk", "institution_id", "data_year"
        )
    }
    report.step(f"{len(report_rows):,} 年度报告", started)

    started = time.perf_counter()
    styles = {pk: (rng.choice(ADMISSION_STYLES), rng.randrange(1, 900)) for pk in size}
    rows = case_rows(rng, "ivt", ivt_counts, report_ids, styles, years, now)
    copied = copy_rows(ThrombolysisCase, rows, THROMBOLYSIS_CHOSEN)
    report.step(f"{copied:,} 附件3 cases (COPY)", started)
    started = time.perf_counter()
    rows = case_rows(rng, "evt", evt_counts, report_ids, styles, years, now)
    copied = copy_rows(InterventionCase, rows, INTERVENTION_CHOSEN)
    report.step(f"{copied:,} 附件2 cases (COPY)", started)

    started = time.perf_counter()
    make_accounts(args, rng, password, ivt_counts, year)
    report.step("bench accounts", started)

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    report.step("VACUUM ANALYZE", started)


def _apportion(total, weights):
    """``total`` split over ``weights``'s keys in proportion (largest remainders)."""
    scale = total / sum(weights.values())
    shares = {key: weight * scale for key, weight in weights.items()}
    counts = {key: int(share) for key, share in shares.items()}
    left = total - sum(counts.values())
    for key in sorted(shares, key=lambda k: counts[k] - shares[k])[:left]:
        counts[key] += 1
    return counts


def _status(rng, current, now):
    """(status, submitted_at): last year's reports reviewed, this year's in the rush."""
    draw = rng.random()
    if current:
        if draw < 0.55:
            return "draft", None
        if draw < 0.90:
            return "submitted", now - datetime.timedelta(days=rng.randint(0, 20))
        if draw < 0.95:
            return "returned", now - datetime.timedelta(days=rng.randint(5, 25))
        return "approved", now - datetime.timedelta(days=rng.randint(5, 25))
    submitted = now - datetime.timedelta(days=rng.randint(280, 320))
    return ("approved" if draw < 0.92 else "submitted"), submitted


def survey_values(rng, ivt, evt):
    """A plausible 总表 of the current edition: the case totals match the cases, about half
    of the optional items are filled, and the edition's rules hold (an optional item a rule
    still refuses is left blank, as a hospital would)."""
    from surveys.editions import CURRENT_EDITION
    from surveys.editions.validation import validate_values

    ci = max(ivt * rng.randint(8, 15), rng.randint(200, 600))
    values = {
        "ci_discharges": ci,
        "ivt_total": ivt,
        "ivt_alteplase": round(ivt * 0.7),
        "ivt_urokinase": round(ivt * 0.14),
        "ivt_tenecteplase": round(ivt * 0.1),
        "ivt_prourokinase": round(ivt * 0.04),
        "ivt_dnt_median_min": rng.randint(25, 70),
        "evt_total": evt,
        "evt_direct": evt - evt // 3,
        "evt_bridging": evt // 3,
    }
    values["ivt_other_drug"] = ivt - sum(values[code] for code in (
        "ivt_alteplase", "ivt_urokinase", "ivt_tenecteplase", "ivt_prourokinase"))  # fmt: skip
    if values["ivt_other_drug"] < 0:
        values["ivt_alteplase"] += values["ivt_other_drug"]
        values["ivt_other_drug"] = 0
    for item in CURRENT_EDITION.items:
        if item.code in values or not (item.required or rng.random() < 0.5):
            continue
        if not item.is_integer:
            values[item.code] = rng.random() < 0.7
            continue
        ceiling = values.get(item.le, 400) if item.le else 400
        if item.maximum is not None:
            ceiling = min(ceiling, item.maximum)
        values[item.code] = rng.randint(min(item.minimum, ceiling), ceiling)
    for item in CURRENT_EDITION.items:  # "≤ X" items once X is known
        if item.le and item.code in values and values.get(item.le) is not None:
            values[item.code] = min(values[item.code], values[item.le])
    discharges = sum(
        values.get(code, 0)
        for code in ("ci_discharges", "tia_discharges", "ich_discharges", "sah_discharges")
    )
    values["neuro_discharges_total"] = max(1, round(discharges * rng.uniform(1.3, 2.0)))
    optional = {item.code for item in CURRENT_EDITION.items if not item.required}
    for _attempt in range(5):
        result = validate_values(CURRENT_EDITION, values)
        failing = {warning.rule_id for warning in result.warnings} | {
            rule.id for rule in CURRENT_EDITION.rules if rule.codes[0] in result.errors
        }
        if not failing:
            break
        for rule in CURRENT_EDITION.rules:
            if rule.id in failing:
                for code in optional.intersection(rule.codes):
                    values.pop(code, None)
    return values


THROMBOLYSIS_CHOSEN = {
    "report_id", "admission_no", "nihss_pre", "nihss_discharge", "mrs_discharge", "onset_at",
    "arrival_at", "needle_at", "onset_unknown", "odt_minutes", "dnt_minutes", "ont_minutes",
    "thrombolytic_drug", "sich", "discharge_date", "mrs_90d", "weight_kg", "drug_total_dose",
    "created_at", "updated_at", "deleted_at",
}  # fmt: skip
INTERVENTION_CHOSEN = {
    "report_id", "admission_no", "nihss_pre", "nihss_discharge", "mrs_discharge", "onset_at",
    "arrival_at", "needle_at", "puncture_at", "reperfusion_at", "odt_minutes", "dnt_minutes",
    "dpt_minutes", "opt_minutes", "evt_mode", "ivt_at_outside_hospital", "occlusion_sites",
    "evt_techniques", "mtici", "sich", "discharge_date", "mrs_90d", "created_at", "updated_at",
    "deleted_at",
}  # fmt: skip


def case_rows(rng, kind, counts, report_ids, styles, years, now):
    """The cases of every report, last year's first, each year's in random report order (so a
    report's cases lie scattered through the id order, as when hospitals enter at once)."""
    from django.utils import timezone

    tz = timezone.get_current_timezone()
    drugs = [name for name, _w in DRUGS]
    drug_weights = [w for _name, w in DRUGS]
    numbers = {}
    for data_year in years:
        order = [key for key, count in counts.items() if key[1] == data_year for _ in range(count)]
        rng.shuffle(order)
        for key in order:
            institution_id = key[0]
            n = numbers[key] = numbers.get(key, 0) + 1
            style, base = styles[institution_id]
            onset = datetime.datetime(
                data_year, rng.randint(1, 12), rng.randint(1, 28),
                rng.randint(0, 23), rng.randint(0, 59), tzinfo=tz,
            )  # fmt: skip
            arrival = onset + datetime.timedelta(minutes=rng.randint(30, 270))
            mrs = rng.choices(range(7), weights=(12, 18, 16, 14, 14, 14, 12))[0]
            days_ago = rng.randint(1, 40) + (365 if data_year < years[-1] else 0)
            entered = now - datetime.timedelta(days=days_ago)
            row = {
                "report_id": report_ids[key],
                "admission_no": style(data_year, n, base * 1000),
                "nihss_pre": rng.randint(0, 30),
                "nihss_discharge": None if mrs == 6 else rng.randint(0, 25),
                "mrs_discharge": mrs,
                "arrival_at": arrival,
                "sich": rng.choice(("", "no", "no", "no", "yes", "not_reviewed")),
                "discharge_date": min(
                    (arrival + datetime.timedelta(days=rng.randint(3, 20))).date(),
                    datetime.date(data_year, 12, 31),
                ),
                "mrs_90d": rng.randint(0, 6) if rng.random() < 0.6 else None,
                "created_at": entered,
                "updated_at": entered,
                "deleted_at": entered if rng.random() < 0.005 else None,
            }
            if kind == "ivt":
                unknown = rng.random() < 0.04
                needle = arrival + datetime.timedelta(minutes=rng.randint(15, 100))
                row.update(
                    onset_at=None if unknown else onset,
                    onset_unknown=unknown,
                    needle_at=needle,
                    odt_minutes=None if unknown else _minutes(onset, arrival),
                    dnt_minutes=_minutes(arrival, needle),
                    ont_minutes=None if unknown else _minutes(onset, needle),
                    thrombolytic_drug=rng.choices(drugs, weights=drug_weights)[0],
                    weight_kg=Decimal(rng.randint(450, 950)) / 10,
                    drug_total_dose=Decimal(rng.randint(300, 900)) / 10,
                )
            else:
                bridging = rng.random() < 0.35
                needle = arrival + datetime.timedelta(minutes=rng.randint(15, 90))
                puncture = arrival + datetime.timedelta(minutes=rng.randint(60, 200))
                row.update(
                    onset_at=onset,
                    needle_at=needle if bridging else None,
                    puncture_at=puncture,
                    reperfusion_at=puncture + datetime.timedelta(minutes=rng.randint(20, 120)),
                    odt_minutes=_minutes(onset, arrival),
                    dnt_minutes=_minutes(arrival, needle) if bridging else None,
                    dpt_minutes=_minutes(arrival, puncture),
                    opt_minutes=_minutes(onset, puncture),
                    evt_mode="bridging" if bridging else "direct",
                    ivt_at_outside_hospital=False if bridging else rng.random() < 0.1,
                    occlusion_sites=rng.sample(["ica_intracranial", "mca_m1", "mca_m2", "ba"], 1),
                    evt_techniques=rng.sample(["stent_retriever", "aspiration", "combined"], 1),
                    mtici=rng.choice(("2b", "2c", "3", "3", "2a", "0")),
                )
            yield row


def _minutes(start, end):
    return int((end - start).total_seconds() // 60)


def make_accounts(args, rng, password, ivt_counts, year):
    """Hospital users (verified, with their institution) and auditors (staff in 审核员 with a
    TOTP device), through the models as the platform makes them.

    ``primary_1…N``: the institution whose current report has the most 附件3 cases (a large
    stroke centre), one per concurrent client; ``user_NNN``: one in each of other institutions
    chosen at random, for the mixed load; ``auditor_N``: at least 8 (the starvation check)."""
    from django.contrib.auth.models import Group

    from accounts.auditors import GROUP_NAME
    from accounts.models import User
    from accounts.otp import replace_totp_device
    from surveys.models import Report

    current = {pk: count for (pk, data_year), count in ivt_counts.items() if data_year == year}
    primary = max(current, key=lambda pk: (current[pk], -pk))
    candidates = sorted(pk for pk in current if pk != primary and current[pk] >= 20)
    others = rng.sample(candidates, min(len(candidates), max(0, args.users - args.auditors - 1)))
    # The bench users' reports of this year are being filled (draft, window open).
    Report.objects.filter(institution_id__in=[primary, *others], data_year=year).update(
        status="draft", submitted_at=None
    )
    mobiles = iter(range(13900000000, 13999999999))

    def hospital_user(username, institution_id):
        user = User(
            username=username, real_name="张三", password=password,
            mobile=str(next(mobiles)), institution_id=institution_id,
            role=User.Role.HOSPITAL_USER, origin=User.Origin.REGISTRATION,
            verification_status=User.Verification.VERIFIED,
        )  # fmt: skip
        user.save()

    for number in range(1, max(args.clients, 1) + 1):
        hospital_user(f"{PREFIX}primary_{number}", primary)
    for number, institution_id in enumerate(others, start=1):
        hospital_user(f"{PREFIX}user_{number:03d}", institution_id)
    group = Group.objects.get(name=GROUP_NAME)
    for number in range(1, max(args.auditors, 8) + 1):
        auditor = User(
            username=f"{PREFIX}auditor_{number}", real_name="审核员", password=password,
            mobile=str(next(mobiles)), is_staff=True, origin=User.Origin.ADMIN,
        )  # fmt: skip
        auditor.save()
        auditor.groups.add(group)
        replace_totp_device(auditor)


# What the run measures ----------------------------------------------------------------------


@dataclass
class HospitalUser:
    username: str
    report: object  # public id
    report_title: str
    institution: str
    cases: list  # (public_id, admission_no) of live 附件3 cases
    pages: int


def plan_from_db(args):
    """The bench accounts and, for each hospital user, their current report and its cases."""
    from django.core.paginator import Paginator

    from accounts.models import User
    from casesets.models import ThrombolysisCase
    from surveys import reports
    from surveys.models import Report

    year = reports.current_data_year()
    users = User.objects.filter(username__startswith=PREFIX, is_active=True).order_by("username")
    users = list(users)
    if not users:
        sys.exit("national_bench: no bench accounts in the database (run without --reuse)")
    hospital = {}
    for user in users:
        if user.is_staff:
            continue
        report = Report.objects.get(institution_id=user.institution_id, data_year=year,
                                    deleted_at__isnull=True)  # fmt: skip
        cases = list(
            ThrombolysisCase.objects.filter(report=report, deleted_at__isnull=True)
            .order_by("id")
            .values_list("public_id", "admission_no")
        )
        hospital[user.username] = HospitalUser(
            username=user.username,
            report=report.public_id,
            report_title=str(report),
            institution=report.institution.name,
            cases=cases,
            pages=Paginator(range(len(cases)), 20).num_pages,
        )
    return {
        "users": {user.username: user for user in users},
        "hospital": hospital,
        "primary": sorted(name for name in hospital if name.startswith(f"{PREFIX}primary_")),
        "mixed": sorted(name for name in hospital if name.startswith(f"{PREFIX}user_")),
        "auditors": sorted(user.username for user in users if user.is_staff),
    }


def sign_in(user):
    """A signed-in session for ``user``: Django's ``login()`` on a request with a new session,
    as ``accounts.second_factor.complete`` does once the last factor is right (the user's
    ``otp_device`` set for an auditor, so django-otp stores it in the session); returns the
    session key."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import login
    from django.contrib.auth.models import AnonymousUser
    from django.http import HttpRequest

    from accounts.second_factor import MODEL_BACKEND, confirmed_totp_device

    request = HttpRequest()
    request.META.update(
        {
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_USER_AGENT": "national_bench",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "80",
        }
    )
    request.session = import_module(settings.SESSION_ENGINE).SessionStore()
    request.user = AnonymousUser()
    if user.is_staff:
        device = confirmed_totp_device(user)
        if device is None:
            sys.exit(f"national_bench: auditor {user.username} has no TOTP device")
        user.otp_device = device
    user.login_audit_detail = {"via": "national_bench"}
    login(request, user, backend=MODEL_BACKEND)
    request.session.save()
    return request.session.session_key


# HTTP ---------------------------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    ms: float
    body: bytes = b""
    error: str = ""
    first_byte_ms: float = 0.0
    size: int = 0


class Browser:
    """One user's connection and cookies (updated from Set-Cookie, as a browser would)."""

    def __init__(self, port, cookies=None, timeout=60):
        self.port = port
        self.cookies = dict(cookies or {})
        self.timeout = timeout
        self.connection = None

    def get(self, path, keep_body=False, timeout=None):
        headers = {"User-Agent": "national_bench", "Accept": "text/html"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        started = time.perf_counter()
        try:
            if self.connection is None:
                self.connection = http.client.HTTPConnection(
                    "127.0.0.1", self.port, timeout=timeout or self.timeout
                )
            self.connection.request("GET", path, headers=headers)
            response = self.connection.getresponse()
            first = response.read(1)
            first_byte = time.perf_counter()
            rest = response.read()
            body = first + rest
            self._remember(response.headers.get_all("Set-Cookie") or [])
            if response.will_close:
                self.close()
        except (OSError, http.client.HTTPException) as error:
            self.close()
            return Answer(0, (time.perf_counter() - started) * 1000, error=type(error).__name__)
        finished = time.perf_counter()
        return Answer(
            response.status,
            (finished - started) * 1000,
            body if keep_body else b"",
            first_byte_ms=(first_byte - started) * 1000,
            size=len(body),
        )

    def stream(self, path, on_chunk, timeout=None):
        """GET ``path`` reading the body in chunks: (Answer, headers)."""
        headers = {"User-Agent": "national_bench"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        self.close()
        started = time.perf_counter()
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout or 600)
        try:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            headers_at = time.perf_counter()
            first_byte_at, size = None, 0
            while chunk := response.read1(1 << 16):
                if first_byte_at is None:
                    first_byte_at = time.perf_counter()
                size += len(chunk)
                on_chunk(chunk)
        except (OSError, http.client.HTTPException) as error:
            return Answer(0, (time.perf_counter() - started) * 1000, error=type(error).__name__), {}
        finally:
            connection.close()
        finished = time.perf_counter()
        first = (first_byte_at or headers_at) - started
        answer = Answer(response.status, (finished - started) * 1000,
                        first_byte_ms=first * 1000, size=size)  # fmt: skip
        return answer, dict(response.headers.items())

    def _remember(self, set_cookies):
        for line in set_cookies:
            jar = http.cookies.SimpleCookie()
            try:
                jar.load(line)
            except http.cookies.CookieError:
                continue
            for name, morsel in jar.items():
                if morsel.value == "" or morsel["max-age"] == "0":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value

    def close(self):
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def percentile(values, share):
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


# /proc ----------------------------------------------------------------------------------------

TICK = os.sysconf("SC_CLK_TCK")


def _cpu_ticks(pid):
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)


def _status_kb(pid, key):
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class Meter:
    """CPU of the gunicorn workers and of the bench database's client backends, and of this
    process (the load generator), between two samples."""

    def __init__(self, master_pid, db_name, maintenance_dsn):
        import psycopg

        self.master_pid = master_pid
        self.db_name = db_name
        self.pg = psycopg.connect(maintenance_dsn, autocommit=True)

    def worker_pids(self):
        try:
            text = Path(f"/proc/{self.master_pid}/task/{self.master_pid}/children").read_text()
            return [int(pid) for pid in text.split()]
        except OSError:
            pids = []
            for entry in Path("/proc").iterdir():
                if entry.name.isdigit():
                    try:
                        ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                    except (OSError, IndexError):
                        continue
                    if ppid == self.master_pid:
                        pids.append(int(entry.name))
            return pids

    def db_pids(self):
        rows = self.pg.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND backend_type = "
            "'client backend'",
            (self.db_name,),
        ).fetchall()
        return [pid for (pid,) in rows]

    def sample(self):
        workers = {pid: _cpu_ticks(pid) for pid in self.worker_pids()}
        backends = {pid: _cpu_ticks(pid) for pid in self.db_pids()}
        return {
            "workers": {k: v for k, v in workers.items() if v is not None},
            "db": {k: v for k, v in backends.items() if v is not None},
            "client": time.process_time(),
        }

    def since(self, before):
        """(worker s, db s, client s) of CPU since ``before``; a process that appeared since
        counts whole, one that ended is lost (gunicorn restarts a worker only on timeout)."""
        after = self.sample()

        def delta(kind):
            return sum(v - before[kind].get(pid, 0) for pid, v in after[kind].items()) / TICK

        return delta("workers"), delta("db"), after["client"] - before["client"]

    def worker_rss_mb(self):
        return {pid: _status_kb(pid, "VmRSS") / 1024 for pid in self.worker_pids()}

    def worker_hwm_mb(self):
        return {pid: _status_kb(pid, "VmHWM") / 1024 for pid in self.worker_pids()}


# Load ---------------------------------------------------------------------------------------


@dataclass
class Run:
    results: list  # (kind, status, ms)
    wall: float
    cpu: tuple = (0.0, 0.0, 0.0)  # worker, db, client seconds

    @property
    def ok_ms(self):
        return [ms for _kind, status, ms in self.results if status == 200]

    @property
    def errors(self):
        return sum(1 for _kind, status, _ms in self.results if status != 200)

    @property
    def rate(self):
        return len(self.results) / self.wall if self.wall else math.nan

    def per_request_ms(self, index):
        return self.cpu[index] * 1000 / len(self.results) if self.results else math.nan


def load(browsers, choose, *, seconds=None, count=None, think=0.0, meter=None):
    """Every browser in its own thread, requesting ``choose(number, rng)`` → (kind, path) in
    a closed loop, until ``seconds`` passed or ``count`` requests were sent in all."""
    results = []
    lock = threading.Lock()
    sent = [0]
    deadline = time.perf_counter() + seconds if seconds else None

    def user(number, browser):
        rng = random.Random(number)
        mine = []
        while True:
            if count is not None:
                with lock:
                    if sent[0] >= count:
                        break
                    sent[0] += 1
            elif time.perf_counter() >= deadline:
                break
            kind, path = choose(number, rng)
            answer = browser.get(path)
            mine.append((kind, answer.status, answer.ms))
            if think:
                time.sleep(rng.uniform(0.5, 1.5) * think)
        with lock:
            results.extend(mine)

    before = meter.sample() if meter else None
    started = time.perf_counter()
    threads = [threading.Thread(target=user, args=(n, b)) for n, b in enumerate(browsers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    run = Run(results, time.perf_counter() - started)
    if meter:
        run.cpu = meter.since(before)
    return run


# Output -------------------------------------------------------------------------------------


def width(text):
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in str(text))


def table(title, headers, rows, notes=()):
    columns = list(zip(headers, *rows, strict=True))
    widths = [max(width(cell) for cell in column) for column in columns]

    def line(cells):
        out = []
        for number, (cell, size) in enumerate(zip(cells, widths, strict=True)):
            pad = " " * (size - width(cell))
            out.append(f"{cell}{pad}" if number == 0 else f"{pad}{cell}")
        return "  ".join(out).rstrip()

    print(f"\n== {title}")
    print(line(headers))
    print("  ".join("-" * size for size in widths))
    for row in rows:
        print(line(row))
    for note in notes:
        print(f"   {note}")
    load1, load5, _load15 = os.getloadavg()
    print(f"   machine load average now: {load1:.1f} (1 min), {load5:.1f} (5 min)")
    sys.stdout.flush()


def ms(value):
    if value is None or math.isnan(value):
        return "—"
    return f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def verdict(ok):
    return "MET" if ok else "MISSED"


# The run ------------------------------------------------------------------------------------


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(args, port, logs):
    command = [
        str(Path(sys.executable).with_name("gunicorn")), "registry.wsgi",
        "--workers", str(args.workers), "--bind", f"127.0.0.1:{port}",
        "--access-logfile", str(logs / "access.log"), "--error-logfile", str(logs / "error.log"),
    ]  # fmt: skip
    with open(logs / "server.log", "ab") as log:  # the workers' own stderr (Django's log)
        process = subprocess.Popen(
            command, cwd=ROOT, env=os.environ.copy(), stdout=log, stderr=subprocess.STDOUT
        )
    probe = Browser(port, timeout=5)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        if probe.get("/healthz").status == 200:
            return process, command
        time.sleep(0.3)
    process.kill()
    error_log = server_log(logs)[-3000:]
    sys.exit(f"national_bench: gunicorn did not answer /healthz within 60 s\n{error_log}")


def server_log(logs):
    return "".join(
        (logs / name).read_text(errors="replace")
        for name in ("error.log", "server.log")
        if (logs / name).exists()
    )


def must_show(browser, path, *needles):
    """GET ``path``: 200 and every needle in the page, or stop with what came instead."""
    answer = browser.get(path, keep_body=True)
    text = answer.body.decode(errors="replace")
    missing = [needle for needle in needles if needle not in text]
    if answer.status != 200 or missing:
        title = re.search(r"<title>(.*?)</title>", text, re.S)
        sys.exit(
            f"national_bench: {path} answered {answer.status} {answer.error}"
            f"{' without ' + repr(missing) if missing else ''}"
            f" (page title: {title.group(1).strip() if title else '—'})"
        )
    return text


def section_pages(args, port, meter, sessions, plan, urls):
    """Hospital pages: 1 client (latency, CPU per request), ``--clients`` clients (latency,
    throughput) against /healthz the same way right before."""
    cookie = sessions["cookie"]
    primary = [plan["hospital"][name] for name in plan["primary"]]
    mine = primary[0]
    single = Browser(port, {cookie: sessions[mine.username]})
    many = [Browser(port, {cookie: sessions[u.username]}) for u in primary[: args.clients]]
    public = [Browser(port) for _ in range(args.clients)]

    pages = []
    for label, path, needles in urls["pages"]:
        must_show(single, path, *needles)
        pages.append((label, path))

    def series(browser, path):
        for _ in range(3):  # warm every worker's connection and templates
            browser.get(path)
        before = meter.sample()
        answers, started = [], time.perf_counter()
        while len(answers) < args.requests and (
            len(answers) < 10 or time.perf_counter() - started < args.max_seconds
        ):
            answers.append(browser.get(path))
        worker, db, client = meter.since(before)
        n = len(answers)
        return answers, worker * 1000 / n, db * 1000 / n, client * 1000 / n

    rows = []
    for label, path in [("/healthz", "/healthz"), *pages]:
        is_page = path != "/healthz"
        answers, worker_ms, db_ms, client_ms = series(single if is_page else public[0], path)
        base = load(public, lambda n, rng: ("healthz", "/healthz"), seconds=args.burst,
                    meter=meter)  # fmt: skip
        burst = load(many if is_page else public, lambda n, rng, p=path: ("page", p),
                     seconds=args.burst, meter=meter)  # fmt: skip
        latencies = [a.ms for a in answers if a.status == 200]
        errors = sum(1 for a in answers if a.status != 200) + burst.errors
        share = burst.rate / base.rate if base.rate else math.nan
        rows.append(
            [
                label, ms(percentile(latencies, 0.5)), ms(percentile(latencies, 0.95)),
                ms(percentile(burst.ok_ms, 0.5)), ms(percentile(burst.ok_ms, 0.95)),
                f"{burst.rate:.1f}", f"{base.rate:.0f}", f"{share:.1%}" if is_page else "—",
                ms(worker_ms), ms(db_ms), ms(client_ms), str(errors),
                f"{verdict(worker_ms <= PAGE_CPU_MS)} / {verdict(share >= PAGE_SHARE)}"
                if is_page else "",
            ]
        )  # fmt: skip
        print(f"   … {label}: {len(answers)} + {len(burst.results)} requests", flush=True)
    table(
        f"Hospital pages (hospital user of the largest report: {len(mine.cases):,} 附件3 cases, "
        f"{mine.pages} pages; {args.workers} gunicorn workers)",
        ["page", "p50 1c", "p95 1c", f"p50 {args.clients}c", f"p95 {args.clients}c",
         f"req/s {args.clients}c", "healthz req/s", "% healthz", "worker CPU/req",
         "DB CPU/req", "client CPU/req", "errors",
         f"target CPU≤{PAGE_CPU_MS:.0f}ms / ≥{PAGE_SHARE:.0%}"],
        rows,
        notes=[
            "ms throughout. 1c: one client, sequential; "
            f"{args.clients}c: {args.clients} clients (the institution's users), "
            f"{args.burst:.0f} s, each right after {args.burst:.0f} s of /healthz at "
            f"{args.clients} clients, whose req/s is the 'healthz req/s' column.",
            "worker CPU/req: utime+stime of the gunicorn workers over the 1-client series "
            "÷ requests; DB CPU/req: the bench database's client backends (parallel workers "
            "not counted); client CPU/req: this load generator.",
        ],
    )  # fmt: skip


def section_admin(args, port, sessions, plan, urls):
    cookie = sessions["cookie"]
    auditor = Browser(port, {cookie: sessions[plan["auditors"][0]]})
    rows = []
    for label, path, needles in urls["admin"]:
        if path is None:
            rows.append([label, "0", "—", "—", "—", "", needles[0] if needles else "n/a"])
            continue
        must_show(auditor, path, *needles)
        answers, started = [], time.perf_counter()
        while len(answers) < args.admin_requests and (
            len(answers) < 5 or time.perf_counter() - started < args.max_seconds
        ):
            answers.append(auditor.get(path))
        latencies = [a.ms for a in answers if a.status == 200]
        statuses = sorted({a.status for a in answers})
        p95 = percentile(latencies, 0.95)
        rows.append(
            [label, str(len(answers)), ms(percentile(latencies, 0.5)), ms(p95),
             ms(max(latencies) if latencies else math.nan), ",".join(map(str, statuses)),
             verdict(len(latencies) == len(answers) and p95 <= ADMIN_P95_MS)]
        )  # fmt: skip
        print(f"   … {label}: {len(answers)} requests", flush=True)
    table(
        "Admin lists (auditor, 1 client)",
        ["list", "n", "p50 ms", "p95 ms", "max ms", "status", f"target p95≤{ADMIN_P95_MS:.0f}ms"],
        rows,
        notes=[f"paths: {', '.join(p for _l, p, _n in urls['admin'] if p)}"],
    )


def section_export(args, port, meter, sessions, plan, urls):
    cookie = sessions["cookie"]
    rows = []
    exports = [("导出总表 (all reports, .xlsx)", urls["export"], None)]
    if args.case_export_path:
        exports.append(("case rows export", args.case_export_path, "rows"))
    for label, path, count_rows in exports:
        browser = Browser(port, {cookie: sessions[plan["auditors"][1 % len(plan["auditors"])]]})
        baseline = max(meter.worker_rss_mb().values(), default=0)
        peak = [baseline]
        stop = threading.Event()

        def watch(stop=stop, peak=peak):
            while not stop.is_set():
                peak[0] = max(peak[0], max(meter.worker_rss_mb().values(), default=0))
                time.sleep(0.05)

        watcher = threading.Thread(target=watch)
        watcher.start()
        lines = [0]

        def count_lines(chunk, lines=lines):
            lines[0] += chunk.count(b"\n")

        answer, headers = browser.stream(path, count_lines)
        stop.set()
        watcher.join()
        hwm = max(meter.worker_hwm_mb().values(), default=0)
        seconds = answer.ms / 1000
        kind = headers.get("Content-Type", "").split(";")[0]
        kind = "xlsx" if "spreadsheetml" in kind else kind.split("/")[-1] or "—"
        row_count = max(lines[0] - 1, 0) if count_rows else None
        checks = [answer.first_byte_ms / 1000 <= EXPORT_FIRST_BYTE_S, peak[0] <= EXPORT_RSS_MB]
        if count_rows:
            checks.append(row_count / seconds >= EXPORT_ROWS_PER_S if seconds else False)
        rows.append(
            [label, f"{answer.status} {answer.error}".strip(), kind,
             f"{answer.first_byte_ms / 1000:.2f}", f"{seconds:.2f}",
             f"{answer.size / 1e6:.1f}",
             f"{row_count:,} ({row_count / seconds:,.0f}/s)" if count_rows and seconds else "—",
             f"{baseline:.0f} → {peak[0]:.0f}", f"{hwm:.0f}",
             " / ".join(verdict(ok) for ok in checks)]
        )  # fmt: skip
    reports = plan["reports"]
    table(
        f"Exports (auditor; {reports:,} reports in the database)",
        ["export", "status", "type", "first byte s", "total s", "MB", "rows", "worker RSS MB",
         "VmHWM MB", f"target ≤{EXPORT_FIRST_BYTE_S:.0f}s / ≤{EXPORT_RSS_MB:.0f}MB"
         + (f" / ≥{EXPORT_ROWS_PER_S:,}/s" if args.case_export_path else "")],
        rows,
        notes=[
            "first byte: from sending the request to the first byte of the body; worker RSS: "
            "largest VmRSS among the workers before → peak, sampled every 50 ms; VmHWM: the "
            "largest worker high-water mark since the workers started.",
            f"path: {urls['export']}",
            *([] if args.case_export_path else ["case rows export: none yet "
               "(--case-export-path measures one)"]),
        ],
    )  # fmt: skip


def section_mixed(args, port, meter, sessions, plan, urls):
    cookie = sessions["cookie"]
    hospital_names = [plan["primary"][0], *plan["mixed"]][: args.users - args.auditors]
    auditor_names = plan["auditors"][: args.auditors]
    people = [("hospital", name) for name in hospital_names] + [
        ("auditor", name) for name in auditor_names
    ]
    browsers = [Browser(port, {cookie: sessions[name]}) for _kind, name in people]
    hospital_kinds = (
        ("总表 tab", 15), ("附件3 list p1", 20), ("附件3 list page k", 10),
        ("住院号 filter", 15), ("case detail", 10), ("case edit form", 10),
        ("总表 edit form", 5), ("home", 15),
    )  # fmt: skip
    auditor_kinds = (("admin cases p1", 30), ("admin cases ?q=", 30), ("admin reports", 30),
                     ("admin cases page k", 10))  # fmt: skip

    def choose(number, rng):
        role, name = people[number]
        if role == "auditor":
            kind = rng.choices(*zip(*auditor_kinds, strict=True))[0]
            return kind, urls["mixed_admin"](kind, rng)
        user = plan["hospital"][name]
        kind = rng.choices(*zip(*hospital_kinds, strict=True))[0]
        return kind, urls["mixed_hospital"](kind, user, rng)

    print(f"   … mixed load: {len(browsers)} users for {args.duration:.0f} s", flush=True)
    run = load(browsers, choose, seconds=args.duration, think=args.think, meter=meter)
    every = run.ok_ms
    p95 = percentile(every, 0.95)
    rows = [["all", str(len(run.results)), f"{run.rate:.1f}", ms(percentile(every, 0.5)), ms(p95),
             ms(max(every) if every else math.nan), str(run.errors),
             f"{verdict(p95 <= MIXED_P95_MS)} / {verdict(run.errors == 0)}"]]  # fmt: skip
    kinds = [k for k, _w in hospital_kinds] + [k for k, _w in auditor_kinds]
    for kind in kinds:
        mine = [(s, t) for k, s, t in run.results if k == kind]
        ok = [t for s, t in mine if s == 200]
        bad = sorted({s for s, _t in mine if s != 200})
        rows.append(
            [f"  {kind}", str(len(mine)), f"{len(mine) / run.wall:.1f}",
             ms(percentile(ok, 0.5)), ms(percentile(ok, 0.95)), ms(max(ok) if ok else math.nan),
             f"{len(mine) - len(ok)}{' (' + ','.join(map(str, bad)) + ')' if bad else ''}", ""]
        )  # fmt: skip
    worker, db, _client = run.cpu
    table(
        f"Mixed load: {len(hospital_names)} hospital users (each their own report) + "
        f"{len(auditor_names)} auditors, {args.duration:.0f} s, think time {args.think:g} s",
        ["requests", "n", "req/s", "p50 ms", "p95 ms", "max ms", "errors",
         f"target p95≤{MIXED_P95_MS:.0f}ms / 0 errors"],
        rows,
        notes=[
            "closed loop: each user sends the next request when the last one answered"
            + (f" and ~{args.think:g} s passed" if args.think else " (no think time)") + ".",
            f"CPU over the run: workers {worker:.1f} s, DB client backends {db:.1f} s "
            f"({worker / max(run.wall, 1e-9):.2f} and {db / max(run.wall, 1e-9):.2f} cores).",
        ],
    )  # fmt: skip


def section_starvation(args, port, sessions, plan, urls):
    """/healthz while 8 auditors run the admin case search in a loop."""
    cookie = sessions["cookie"]
    searchers = [Browser(port, {cookie: sessions[name]}) for name in plan["auditors"][:8]]
    stop = threading.Event()
    searches = []

    def search(browser):
        while not stop.is_set():
            answer = browser.get(urls["search"], timeout=120)
            searches.append((answer.status, answer.ms))

    threads = [threading.Thread(target=search, args=(b,)) for b in searchers]
    for thread in threads:
        thread.start()
    time.sleep(2)
    probes = []
    probe = Browser(port, timeout=60)
    for _ in range(8):
        answer = probe.get("/healthz")
        probes.append(answer)
        time.sleep(0.5)
    stop.set()
    for thread in threads:
        thread.join()
    answered = [a.ms for a in probes if a.status == 200]
    search_ms = [t for s, t in searches if s == 200]
    worst = max((a.ms for a in probes), default=math.nan)
    table(
        f"/healthz during {len(searchers)} concurrent admin searches (?q=住院号)",
        ["probe", "n", "answered", "p50 ms", "max ms", "errors",
         f"target every probe 200 ≤ {HEALTHZ_UNDER_SEARCH_S:.0f}s"],
        [
            ["/healthz", str(len(probes)), str(len(answered)),
             ms(percentile(answered, 0.5)), ms(worst),
             ",".join(sorted({a.error or str(a.status) for a in probes if a.status != 200})) or "0",
             verdict(len(answered) == len(probes) and worst <= HEALTHZ_UNDER_SEARCH_S * 1000)],
            ["admin search", str(len(searches)), str(len(search_ms)),
             ms(percentile(search_ms, 0.5)), ms(max(search_ms) if search_ms else math.nan),
             str(len(searches) - len(search_ms)), ""],
        ],
        notes=[f"probes one at a time every ~0.5 s, 60 s client timeout; search: {urls['search']}"],
    )  # fmt: skip


def build_urls(plan, port, sessions):
    """Every path the run requests, with what each page must show."""
    from django.urls import reverse

    hospital = plan["hospital"]
    mine = hospital[plan["primary"][0]]
    if len(mine.cases) < 3:
        sys.exit("national_bench: the largest report has fewer than 3 cases; seed more")
    detail = reverse("surveys:report_detail", kwargs={"report_id": mine.report})
    middle_id, middle_no = mine.cases[len(mine.cases) // 2]
    fragment = middle_no[-6:] if len(middle_no) > 6 else middle_no
    prefix = middle_no[: max(len(middle_no) - 1, 1)]  # ≤ 10 matches: all on page 1

    def case_url(name, user, public_id):
        return reverse(f"casesets:{name}",
                       kwargs={"report_id": user.report, "kind": "thrombolysis",
                               "case_id": public_id})  # fmt: skip

    survey_form = reverse("surveys:report_survey", kwargs={"report_id": mine.report})
    pages = [
        ("总表 tab", f"{detail}?tab=survey", [mine.report_title]),
        ("附件3 list p1", f"{detail}?tab=thrombolysis",
         [mine.report_title, "单纯静脉溶栓个案登记"]),
        ("住院号 filter (contains)",
         f"{detail}?tab=thrombolysis&admission_no={urllib.parse.quote(fragment)}", [middle_no]),
        ("住院号 filter (prefix)",
         f"{detail}?tab=thrombolysis&admission_no={urllib.parse.quote(prefix)}", [middle_no]),
        ("case edit form", case_url("case_edit", mine, middle_id), [middle_no]),
        ("总表 edit form", survey_form, [mine.report_title]),
        ("home /registry/", reverse("surveys:home"), [mine.institution]),
    ]  # fmt: skip

    cases_admin = reverse("admin:casesets_thrombolysiscase_changelist")
    reports_admin = reverse("admin:surveys_report_changelist")
    # Another hospital's case for the admin search (a full 住院号).
    other = hospital[plan["mixed"][0]] if plan["mixed"] else mine
    search_no = other.cases[0][1]
    search = f"{cases_admin}?q={urllib.parse.quote(search_no)}"
    auditor = Browser(port, {sessions["cookie"]: sessions[plan["auditors"][0]]})
    first = must_show(auditor, cases_admin, "单纯静脉溶栓个案")
    page_numbers = [int(p) for p in re.findall(r"[?&;]p=(\d+)", first)]
    last = f"{cases_admin}?p={max(page_numbers)}" if page_numbers else None
    admin = [
        ("附件3 cases, page 1", cases_admin, ["单纯静脉溶栓个案"]),
        ("附件3 cases, ?q=住院号", search, [search_no]),
        (
            f"附件3 cases, last page (?p={max(page_numbers)})"
            if last
            else "附件3 cases, last page",
            last,
            ["单纯静脉溶栓个案"] if last else ["no last-page link on page 1"],
        ),
        ("年度报告 list", reports_admin, ["年度报告"]),
    ]
    deep = max(page_numbers) if page_numbers else 1

    def mixed_hospital(kind, user, rng):
        base = reverse("surveys:report_detail", kwargs={"report_id": user.report})
        public_id, number = rng.choice(user.cases)
        if kind == "总表 tab":
            return f"{base}?tab=survey"
        if kind == "附件3 list p1":
            return f"{base}?tab=thrombolysis"
        if kind == "附件3 list page k":
            return f"{base}?tab=thrombolysis&page={rng.randint(1, user.pages)}"
        if kind == "住院号 filter":
            return f"{base}?tab=thrombolysis&admission_no={urllib.parse.quote(number[-5:])}"
        if kind == "case detail":
            return case_url("case_detail", user, public_id)
        if kind == "case edit form":
            return case_url("case_edit", user, public_id)
        if kind == "总表 edit form":
            return reverse("surveys:report_survey", kwargs={"report_id": user.report})
        return reverse("surveys:home")

    numbers = [no for user in hospital.values() for _pid, no in user.cases[:50]]

    def mixed_admin(kind, rng):
        if kind == "admin cases ?q=":
            return f"{cases_admin}?q={urllib.parse.quote(rng.choice(numbers))}"
        if kind == "admin reports":
            return reports_admin
        if kind == "admin cases page k":
            return f"{cases_admin}?p={rng.randint(2, max(2, min(deep, 20)))}"
        return cases_admin

    return {
        "pages": pages,
        "admin": admin,
        "search": search,
        "export": reverse("admin:surveys_report_export"),
        "mixed_hospital": mixed_hospital,
        "mixed_admin": mixed_admin,
    }


def header(args, plan):
    from django.db import connection

    from casesets.models import InterventionCase, ThrombolysisCase
    from institutions.models import Institution
    from surveys.models import Report

    def git(*command):
        try:
            return subprocess.run(["git", *command], cwd=ROOT, capture_output=True, text=True,
                                  timeout=20).stdout.strip()  # fmt: skip
        except OSError:
            return "?"

    head = git("rev-parse", "--short", "HEAD")
    dirty = len([line for line in git("status", "--porcelain").splitlines() if line])
    code = f"{head} + {dirty} changed/untracked files" if head else "not a git checkout"
    counts = {
        "institutions": Institution.objects.count(),
        "reports": Report.objects.count(),
        "附件3 cases": ThrombolysisCase.objects.count(),
        "附件2 cases": InterventionCase.objects.count(),
    }
    plan["reports"] = counts["reports"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database())), version()")
        db_size, version = cursor.fetchone()
    load1, load5, _load15 = os.getloadavg()
    print(
        f"national_bench {datetime.datetime.now():%Y-%m-%d %H:%M} · code: {ROOT} ({code}) · "
        f"{os.cpu_count()} CPUs, "
        f"load {load1:.1f}/{load5:.1f}\n"
        f"database {args.db_name} ({db_size}; {version.split(',')[0]}): "
        + ", ".join(f"{v:,} {k}" for k, v in counts.items())
    )


def maintenance_dsn(settings_db):
    """libpq parameters of the server's ``postgres`` database (not the bench's)."""
    dsn = (
        f"host={settings_db.get('HOST') or '127.0.0.1'} port={settings_db.get('PORT') or 5432} "
        f"user={settings_db.get('USER') or 'postgres'} dbname=postgres"
    )
    return dsn + (f" password={settings_db['PASSWORD']}" if settings_db.get("PASSWORD") else "")


def drop_database(args, settings_db):
    """Drop the bench's database of an earlier run (create_test_db then makes it anew)."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(maintenance_dsn(settings_db), autocommit=True) as pg:
        pg.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(args.db_name)))


def main():
    args = parse_args()
    work = Path(tempfile.mkdtemp(prefix="national_bench_"))
    os.environ.update(production_env(args, work / "static", work / "media"))
    import django

    django.setup()
    # django-axes logs every sign-in at INFO; the bench signs in some sixty sessions.
    logging.getLogger("axes").setLevel(logging.WARNING)
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit("national_bench: --db-url must be PostgreSQL")
    rng = random.Random(args.seed)
    process = None
    print(f"national_bench: {' '.join(sys.argv[1:]) or '(defaults)'}", flush=True)
    try:
        if not args.reuse:
            seeding = SeedReport()
            started = time.perf_counter()
            settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = args.db_name
            drop_database(args, settings.DATABASES["default"])
            connection.creation.create_test_db(
                verbosity=0, autoclobber=True, keepdb=False, serialize=False
            )
            seeding.step("create + migrate", started)
            seed(args, rng, seeding)
            total = sum(seconds for _label, seconds in seeding.timings)
            table(
                f"Seeding ({total:.0f} s)",
                ["step", "seconds"],
                [[label, f"{seconds:.1f}"] for label, seconds in seeding.timings]
                + [["total", f"{total:.1f}"]],
            )
        else:
            # Migrations added since the seed (new indexes, say) apply to the seeded data.
            started = time.perf_counter()
            call_command("migrate", interactive=False, verbosity=0, stdout=io.StringIO())
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
            print(f"--reuse: migrate + ANALYZE {time.perf_counter() - started:.1f} s", flush=True)
        plan = plan_from_db(args)
        header(args, plan)

        started = time.perf_counter()
        call_command("collectstatic", interactive=False, verbosity=0)
        print(f"collectstatic: {time.perf_counter() - started:.1f} s", flush=True)
        sessions = {"cookie": settings.SESSION_COOKIE_NAME}
        for username, user in plan["users"].items():
            if not username.endswith("seeder"):
                sessions[username] = sign_in(user)
        connection.close()

        port = free_port()
        process, command = start_gunicorn(args, port, work)
        print("gunicorn: " + " ".join(command[1:]).replace(str(work), "$TMP"), flush=True)
        settings_db = settings.DATABASES["default"]
        meter = Meter(process.pid, settings_db["NAME"], maintenance_dsn(settings_db))
        # Signed in: the hospital user's report and the auditor's admin answer 200 with their
        # own content (not 登录 or 动态口令).
        primary = plan["hospital"][plan["primary"][0]]
        urls = build_urls(plan, port, sessions)
        print(
            f"signed in: {primary.username} sees {primary.report_title} of "
            f"{primary.institution}; {plan['auditors'][0]} sees the admin",
            flush=True,
        )

        section_pages(args, port, meter, sessions, plan, urls)
        section_admin(args, port, sessions, plan, urls)
        section_export(args, port, meter, sessions, plan, urls)
        section_mixed(args, port, meter, sessions, plan, urls)
        section_starvation(args, port, sessions, plan, urls)
        log = server_log(work)
        print(
            f"\ngunicorn log: {len(log.splitlines())} lines, "
            f"{log.count('WORKER TIMEOUT')} worker timeouts, {log.count('Traceback')} tracebacks"
        )
    finally:
        if process is not None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(work, ignore_errors=True)
        connection.close()
        if args.drop:
            connection.creation.destroy_test_db(args.db_name, verbosity=0)
            print(f"dropped {args.db_name}")
        else:
            print(f"kept {args.db_name} (--reuse measures it again, --drop drops it)")


if __name__ == "__main__":
    main()
