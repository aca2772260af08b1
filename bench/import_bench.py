"""Benchmark of the 附件3 Excel import (issue 7): 10,000 cases in our own template.

Run from the project folder (needs the ``bench`` extra: ``pip install '.[bench]'``)::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/registry \
        .venv/bin/python bench/import_bench.py

It generates the file with our template (``excel_templates.templates``) and prints, in one
run (each step the median of ``--repeat`` runs, default 5, and their spread): the bare
python-calamine read, the bare openpyxl read-only read, our full import
(``excel_templates.services.confirm``: read the kept file and match its SHA-256 — the
hostile-file checks ran on those bytes at upload —, parse, validate every row with the
forms' validators, store under the report lock and commit) and the whole upload → preview
→ 确认导入 flow (the checks included), and the same file imported by django-import-export
in its default setup (a plain ``ModelResource`` on ``ThrombolysisCase``) into the same
table; the ratios; and each step's peak RSS. Each step runs in its own forked process (the
peak RSS of a process with Django loaded). Targets: full import ≤ 5× the bare calamine
read, ≥ 10× faster than django-import-export, peak RSS ≤ 300 MB.

A scratch database next to the one in DATABASE_URL (``<name>_import_bench``, migrated like
a test database) is created and dropped at the end (``--keep`` keeps it).
"""

from __future__ import annotations

import argparse
import datetime
import io
import multiprocessing
import os
import random
import resource
import statistics
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "registry.settings")

TARGET_CALAMINE_RATIO = 5.0
TARGET_IMPORT_EXPORT_RATIO = 10.0
TARGET_RSS_MB = 300.0
DRUGS = ("阿替普酶", "阿替普酶", "阿替普酶", "尿激酶", "替奈普酶")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument(
        "--repeat", type=int, default=5,
        help="runs of each step but django-import-export (the median counts)",
    )  # fmt: skip
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    return parser.parse_args()


def generate(rows: int, seed: int, data_year: int) -> bytes:
    """A filled 附件3 template: ``rows`` valid cases with every optional field."""
    from openpyxl import load_workbook

    from casesets.specs import ATTACHMENT3
    from excel_templates.layout import THROMBOLYSIS
    from excel_templates.templates import template_bytes

    rng = random.Random(seed)
    workbook = load_workbook(io.BytesIO(template_bytes(THROMBOLYSIS, data_year, None)))
    sheet = workbook[ATTACHMENT3.sheet_name]
    start = datetime.datetime(data_year, 1, 1, 0, 0)
    for number in range(1, rows + 1):
        onset = start + datetime.timedelta(minutes=rng.randrange(0, 340 * 24 * 60))
        arrival = onset + datetime.timedelta(minutes=rng.randrange(30, 150))
        needle = arrival + datetime.timedelta(minutes=rng.randrange(15, 60))
        drug = rng.choice(DRUGS)
        sheet.append([
            number, f"{data_year}年", f"ZY{data_year}{number:06d}", rng.randrange(4, 25),
            rng.randrange(0, 10), rng.randrange(0, 5), drug, "", onset, "否", arrival, needle,
            rng.randrange(45, 95), 50 if drug != "尿激酶" else 150, "否",
            (needle + datetime.timedelta(days=rng.randrange(5, 14))).date(), rng.randrange(0, 4),
        ])  # fmt: skip
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# Steps, each in its own process ------------------------------------------------------------


def step_generate(data: bytes, context: dict):
    started = time.perf_counter()
    content = generate(context["rows"], context["seed"], context["year"])
    Path(context["path"]).write_bytes(content)
    return time.perf_counter() - started, "generated"


def step_calamine(data: bytes, context: dict):
    from python_calamine import CalamineWorkbook

    started = time.perf_counter()
    rows = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name("Sheet3").to_python()
    return time.perf_counter() - started, f"{len(rows)} rows"


def step_openpyxl(data: bytes, context: dict):
    from openpyxl import load_workbook

    started = time.perf_counter()
    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    count = sum(1 for _row in workbook["Sheet3"].iter_rows(values_only=True))
    workbook.close()
    return time.perf_counter() - started, f"{count} rows"


def step_checks_and_parse(data: bytes, context: dict):
    """Where the time of the full import goes: the checks, the read and the validation,
    without the database."""
    from casesets.specs import ATTACHMENT3
    from excel_templates.parsing import CaseConverter, parse_cases
    from excel_templates.reading import check_container, open_workbook, sheet_rows

    started = time.perf_counter()
    check_container(data)
    checked = time.perf_counter()
    workbook = open_workbook(data, checked=True)
    rows = sheet_rows(workbook, ATTACHMENT3.sheet_name)[ATTACHMENT3.first_data_row - 1 :]
    read = time.perf_counter()
    converter = CaseConverter(ATTACHMENT3)
    for row in rows:
        converter.values(row)
    converted = time.perf_counter()
    parsed = parse_cases(workbook, 3, data_year=context["year"])
    done = time.perf_counter()
    assert parsed.count == context["rows"]
    return done - started, (
        f"checks {checked - started:.3f} s, read {read - checked:.3f} s, cells→values "
        f"{converted - read:.3f} s, cells→values+validate_case {done - converted:.3f} s"
    )


def _fresh_report(context):
    """An empty editable report (the table is emptied between steps)."""
    from casesets.models import ImportBatch, ThrombolysisCase
    from surveys.models import Report

    ImportBatch.objects.all().delete()
    ThrombolysisCase.history.all().delete()
    ThrombolysisCase.objects.all().delete()
    return Report.objects.get(pk=context["report_id"])


def step_ours(data: bytes, context: dict):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from accounts.models import User
    from casesets.models import ThrombolysisCase
    from excel_templates import services

    report = _fresh_report(context)
    user = User.objects.get(pk=context["user_id"])
    batch = services.upload(report, 3, SimpleUploadedFile("附件3.xlsx", data), user)
    started = time.perf_counter()
    stored = services.confirm(batch, user, warnings_confirmed=True)
    elapsed = time.perf_counter() - started
    assert ThrombolysisCase.objects.count() == stored == context["rows"], stored
    return elapsed, f"{stored} cases stored"


def step_ours_flow(data: bytes, context: dict):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from accounts.models import User
    from excel_templates import services

    report = _fresh_report(context)
    user = User.objects.get(pk=context["user_id"])
    started = time.perf_counter()
    batch = services.upload(report, 3, SimpleUploadedFile("附件3.xlsx", data), user)
    preview = services.preview(batch)
    stored = services.confirm(batch, user, warnings_confirmed=True)
    elapsed = time.perf_counter() - started
    assert preview.parsed.count == stored == context["rows"]
    return elapsed, "upload (check+parse+validate) + preview (again) + confirm (again + store)"


def step_import_export(data: bytes, context: dict):
    import tablib
    from import_export import resources

    from casesets.models import ThrombolysisCase
    from casesets.specs import ATTACHMENT3

    report = _fresh_report(context)

    class ThrombolysisCaseResource(resources.ModelResource):
        class Meta:
            model = ThrombolysisCase

    started = time.perf_counter()
    sheet = tablib.Dataset().load(io.BytesIO(data), format="xlsx")
    # Our template has a title and the header block above the column headers, and shows
    # labels where the table stores codes: give django-import-export its flat table.
    names = [c.name for c in ATTACHMENT3.columns]
    codes = {
        c.name: {str(label): code for code, label in c.choices}
        for c in ATTACHMENT3.columns if c.choices
    }  # fmt: skip
    dataset = tablib.Dataset(headers=["id", "report", *names[2:]])
    for row in sheet[4:]:
        values = dict(zip(names, row, strict=False))
        if not values.get("admission_no"):
            continue
        out = []
        for name in names[2:]:
            value = values.get(name)
            if name in codes:
                value = codes[name].get(value, value or "")
            elif name == "onset_unknown":
                value = value == "是"
            out.append(value if value is not None else "")
        dataset.append(["", report.pk, *out])
    result = ThrombolysisCaseResource().import_data(dataset, dry_run=False, raise_errors=True)
    elapsed = time.perf_counter() - started
    stored = ThrombolysisCase.objects.count()
    assert not result.has_errors() and stored == context["rows"], stored
    return elapsed, f"{stored} cases stored (tablib load + import_data)"


def _child(step, data, context, pipe):
    from django.db import connections

    try:
        elapsed, note = step(data, context)
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        pipe.send((elapsed, peak_mb, note, None))
    except BaseException as error:  # report it to the parent
        pipe.send((None, None, None, f"{error!r}\n{traceback.format_exc()}"))
    finally:
        connections.close_all()


def run(step, data, context):
    from django.db import connections

    connections.close_all()
    fork = multiprocessing.get_context("fork")
    parent, child = fork.Pipe()
    process = fork.Process(target=_child, args=(step, data, context, child))
    process.start()
    elapsed, peak_mb, note, error = parent.recv()
    process.join()
    if error:
        raise SystemExit(f"{step.__name__} failed: {error}")
    return elapsed, peak_mb, note


def setup_report():
    from django.utils import timezone

    from surveys.models import Report, ReportingWindow
    from surveys.reports import current_data_year
    from tests.factories import UserFactory

    user = UserFactory()
    year = current_data_year()
    today = timezone.localdate()
    ReportingWindow.objects.update_or_create(
        data_year=year,
        defaults={"opens_on": today - datetime.timedelta(days=1),
                  "closes_on": today + datetime.timedelta(days=30)},
    )  # fmt: skip
    report = Report.objects.create(
        institution=user.institution, data_year=year, edition="2025",
        status_changed_at=timezone.now(), created_by=user,
    )  # fmt: skip
    return {"report_id": report.pk, "user_id": user.pk, "year": year}


def main():
    args = parse_args()
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    if connection.vendor != "postgresql":
        raise SystemExit("Set DATABASE_URL to a PostgreSQL database.")
    source = settings.DATABASES["default"]["NAME"]
    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = f"{source}_import_bench"
    settings.MEDIA_ROOT = Path("/tmp") / "import_bench_media"
    name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        context = {**setup_report(), "rows": args.rows}
        # Generated in a child process, so that openpyxl's memory does not count in the
        # peak RSS of the steps (each step is forked from this process).
        path = Path("/tmp") / f"import_bench_{os.getpid()}.xlsx"
        started = time.perf_counter()
        run(step_generate, b"", {**context, "path": str(path), "seed": args.seed})
        data = path.read_bytes()
        path.unlink()
        baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"附件3 file: {args.rows:,} rows, {len(data) / 1024 / 1024:.2f} MB, generated with "
              f"our template in {time.perf_counter() - started:.1f} s; database {name}; "
              f"parent process (Django loaded) peak RSS {baseline:.1f} MB")  # fmt: skip
        steps = [
            ("bare calamine read", step_calamine),
            ("bare openpyxl read-only read", step_openpyxl),
            ("our checks + read + parse + validate (no database)", step_checks_and_parse),
            ("our full import (confirm: parse+validate+store)", step_ours),
            ("our upload+preview+confirm", step_ours_flow),
            ("django-import-export (default ModelResource)", step_import_export),
        ]
        print(f"Each step {args.repeat}× (django-import-export once), each run in its own "
              "process: median (fastest–slowest)")  # fmt: skip
        results = {}
        for label, step in steps:
            times, peaks = [], []
            for _run in range(1 if step is step_import_export else max(args.repeat, 1)):
                elapsed, peak_mb, note = run(step, data, context)
                times.append(elapsed)
                peaks.append(peak_mb)
            elapsed, peak_mb = statistics.median(times), max(peaks)
            results[step.__name__] = (elapsed, peak_mb)
            spread = f"({min(times):.3f}–{max(times):.3f})" if len(times) > 1 else ""
            print(f"  {label:<50} {elapsed:7.3f} s {spread:<15} peak RSS {peak_mb:6.1f} MB"
                  f"   ({note})")  # fmt: skip
        calamine = results["step_calamine"][0]
        ours = results["step_ours"][0]
        flow = results["step_ours_flow"][0]
        other = results["step_import_export"][0]
        peak = max(results["step_ours"][1], results["step_ours_flow"][1])
        print("Ratios:")

        def verdict(ok):
            return "met" if ok else "MISSED"

        openpyxl_ratio = results["step_openpyxl"][0] / calamine
        print(f"  openpyxl read-only / calamine     {openpyxl_ratio:6.1f}×")
        ok = ours / calamine <= TARGET_CALAMINE_RATIO
        print(f"  our full import / calamine        {ours / calamine:6.1f}×   "
              f"(target ≤ {TARGET_CALAMINE_RATIO:g}×: {verdict(ok)})")  # fmt: skip
        ok = other / ours >= TARGET_IMPORT_EXPORT_RATIO
        print(f"  django-import-export / our import {other / ours:6.1f}×   "
              f"(target ≥ {TARGET_IMPORT_EXPORT_RATIO:g}×: {verdict(ok)})")  # fmt: skip
        print(f"  django-import-export / our flow   {other / flow:6.1f}×")
        ok = peak <= TARGET_RSS_MB
        print(f"  our peak RSS                      {peak:6.1f} MB "
              f"(target ≤ {TARGET_RSS_MB:g} MB: {verdict(ok)})")  # fmt: skip
    finally:
        if not args.keep:
            connection.creation.destroy_test_db(source, verbosity=0)


if __name__ == "__main__":
    main()
