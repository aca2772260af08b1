"""Benchmark of the 单纯静脉溶栓个案登记 tab with 10,000 cases, served by gunicorn.

Run from the project folder, with a PostgreSQL DATABASE_URL::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/registry \
        .venv/bin/python bench/case_list_bench.py [--cases 10000] [--requests 200]

It creates a scratch database next to the one named in DATABASE_URL
(``<name>_case_bench``, migrated like a test database, so nothing is added to yours), seeds
one institution, a signed-in hospital user and a report with ``--cases`` thrombolysis cases
(bulk_create, derived intervals computed), starts gunicorn (``registry.wsgi``, 2 workers)
on a free port against that database, and requests the tab as that user (a session cookie
made with Django's test client): the first page, a middle page, a 住院号 + 溶栓药 filter
and, for comparison, the 总表 tab of the same report (the same page frame without cases),
in turn. It prints p50/p95/max in milliseconds, overall and per kind of request. gunicorn is
stopped and the scratch database dropped at the end (``--keep`` keeps the database).
"""

from __future__ import annotations

import argparse
import datetime
import http.client
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "registry.settings")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    return parser.parse_args()


def seed(count, rng):
    """An institution, its verified user and a report of the current data year with
    ``count`` thrombolysis cases; returns (user, report)."""
    from django.utils import timezone

    from casesets.models import ThrombolysisCase, ThrombolyticDrug
    from surveys import reports
    from surveys.editions import CURRENT_EDITION
    from surveys.models import Report, ReportingWindow
    from tests.factories import InstitutionFactory, UserFactory, region

    today = timezone.localdate()
    year = reports.current_data_year()
    ReportingWindow.objects.update_or_create(
        data_year=year,
        defaults={
            "opens_on": today - datetime.timedelta(days=1),
            "closes_on": today + datetime.timedelta(days=30),
        },
    )
    institution = InstitutionFactory(name="基准测试医院", region=region("110101"))
    user = UserFactory(username="bench_user", institution=institution)
    report = Report.objects.create(
        institution=institution,
        data_year=year,
        edition=CURRENT_EDITION.id,
        status_changed_at=timezone.now(),
        created_by=user,
    )
    drugs = [d for d in ThrombolyticDrug.values if d != ThrombolyticDrug.OTHER]
    tz = timezone.get_current_timezone()
    cases = []
    for number in range(count):
        onset = datetime.datetime(year, rng.randint(1, 12), rng.randint(1, 28), 8, tzinfo=tz)
        arrival = onset + datetime.timedelta(minutes=rng.randint(30, 240))
        case = ThrombolysisCase(
            report=report,
            admission_no=f"ZY{year}-{number:06d}",
            nihss_pre=rng.randint(0, 42),
            nihss_discharge=rng.randint(0, 42),
            mrs_discharge=rng.randint(0, 5),
            thrombolytic_drug=rng.choice(drugs),
            onset_at=onset,
            arrival_at=arrival,
            needle_at=arrival + datetime.timedelta(minutes=rng.randint(15, 90)),
            created_by=user,
            updated_by=user,
        )
        case.compute_intervals()
        cases.append(case)
    ThrombolysisCase.objects.bulk_create(cases, batch_size=2000)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE casesets_thrombolysiscase")
    return user, report


def session_cookie(user):
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(database_url, port, workers):
    env = {**os.environ, "DATABASE_URL": database_url}
    process = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "registry.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.2)
    process.terminate()
    sys.exit("gunicorn did not answer /healthz within 30 s")


def database_url(settings_db):
    user = settings_db.get("USER") or "postgres"
    password = f":{settings_db['PASSWORD']}" if settings_db.get("PASSWORD") else ""
    host = settings_db.get("HOST") or "127.0.0.1"
    port = settings_db.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{settings_db['NAME']}"


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def line(label, values):
    return (
        f"{label:<22} n={len(values):>4}  p50 {percentile(values, 0.5):7.1f} ms  "
        f"p95 {percentile(values, 0.95):7.1f} ms  max {max(values):7.1f} ms  "
        f"mean {statistics.fmean(values):7.1f} ms"
    )


def main():
    args = parse_args()
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit("DATABASE_URL must name a PostgreSQL database.")
    source = settings.DATABASES["default"]["NAME"]
    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = f"{source}_case_bench"
    started = time.perf_counter()
    name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    print(f"草稿数据库 {name}：迁移用时 {time.perf_counter() - started:.1f} s")
    process = None
    try:
        started = time.perf_counter()
        user, report = seed(args.cases, random.Random(args.seed))
        print(f"{args.cases:,} 例溶栓个案写入用时 {time.perf_counter() - started:.1f} s")
        cookie = session_cookie(user)
        connection.close()

        port = free_port()
        process = start_gunicorn(database_url(settings.DATABASES["default"]), port, args.workers)
        base = f"/registry/reports/{report.public_id}/?tab=thrombolysis"
        last_page = (args.cases + 19) // 20
        kinds = {
            "第1页": base,
            "中间一页": f"{base}&page={last_page // 2}",
            "住院号+溶栓药筛选": f"{base}&admission_no=0012&drug=alteplase",
            # The same page frame without a case list: what the list itself adds.
            "总表（对照）": f"/registry/reports/{report.public_id}/?tab=survey",
        }
        client = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {"Cookie": cookie}
        for path in kinds.values():  # warm both workers' connections and templates
            for _ in range(args.workers * 2):
                client.request("GET", path, headers=headers)
                response = client.getresponse()
                body = response.read().decode()
                if response.status != 200 or "单纯静脉溶栓个案登记" not in body:
                    sys.exit(f"{path} answered {response.status}")
        baseline = "总表（对照）"
        timings = {kind: [] for kind in kinds}
        lists = [(kind, path) for kind, path in kinds.items() if kind != baseline]
        for number in range(args.requests):
            todo = [lists[number % len(lists)]]
            if number % 4 == 0:
                todo.append((baseline, kinds[baseline]))
            for kind, path in todo:
                started = time.perf_counter()
                client.request("GET", path, headers=headers)
                response = client.getresponse()
                response.read()
                timings[kind].append((time.perf_counter() - started) * 1000)
                assert response.status == 200, response.status
        every = [t for kind, _path in lists for t in timings[kind]]
        print(f"\n个案列表页（gunicorn {args.workers} workers，{args.requests} 次请求，依次发送）")
        print(line("列表（全部）", every))
        for kind, values in timings.items():
            print(line(kind, values))
    finally:
        if process is not None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)
        if args.keep:
            print(f"保留草稿数据库 {name}")
        else:
            connection.creation.destroy_test_db(source, verbosity=0)


if __name__ == "__main__":
    main()
