"""Hostile and boundary workbooks through the real reading path: RSS growth and seconds.

Issue 17 item 2's target: any upload is refused or accepted with the worker's RSS growing
≤ 100 MB and within 2 s. Each file is read in a fresh forked process (so one file's peak
does not hide another's): the 上传附件3 path (``excel_templates.reading.open_workbook`` and
the case sheet's rows, as ``judge`` reads them) or the legacy path
(``excel_templates.reading.read_sheets``). The growth is the child's peak RSS minus its RSS
before reading; the file is built before the fork.

    python bench/upload_bounds_bench.py
"""

from __future__ import annotations

import io
import multiprocessing
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "registry.settings")

TARGET_MB, TARGET_SECONDS = 100.0, 2.0


def _rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _upload_path(data: bytes) -> str:
    from casesets.specs import ATTACHMENT3
    from excel_templates.reading import open_workbook, sheet_rows

    workbook = open_workbook(data)
    rows = sheet_rows(workbook, ATTACHMENT3.sheet_name)
    return f"accepted, {len(rows)} rows read"


def _legacy_path(data: bytes) -> str:
    from excel_templates.reading import read_sheets

    sheets = read_sheets(data)
    return f"accepted, {sum(len(rows) for _n, rows in sheets)} rows read"


def _child(path, data, pipe):
    from excel_templates.reading import WorkbookError

    before = _rss_mb()
    started = time.perf_counter()
    try:
        outcome = path(data)
    except WorkbookError as error:
        outcome = f"refused: {error.message[:40]}…"
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    pipe.send((elapsed, max(0.0, peak - before), outcome))


def measure(path, data):
    fork = multiprocessing.get_context("fork")
    parent, child = fork.Pipe()
    process = fork.Process(target=_child, args=(path, data, child))
    process.start()
    result = parent.recv()
    process.join()
    return result


def files() -> dict[str, tuple[object, bytes]]:
    from openpyxl import load_workbook

    sys.path.insert(0, str(ROOT / "bench"))
    from import_bench import generate

    from tests.excel_templates.files import (
        filled_case_template,
        lying_bomb,
        replace_members,
        xls_with_value_at,
    )
    from tests.excel_templates.test_bounds import SHEET, _styled_blank_rows, _with_rows

    year = 2025
    good = filled_case_template(3, year, [{"admission_no": "H1"}])
    far = load_workbook(io.BytesIO(good))
    far["Sheet3"]["XFD1048576"] = "x"
    far_bytes = io.BytesIO()
    far.save(far_bytes)
    wide_tall = _with_rows(good, '<row r="20000"><c r="A20000"><v>1</v></c>'
                                 '<c r="GR20000"><v>1</v></c></row>')  # fmt: skip
    parts = {f"xl/media/image{n}.bin": b"\x00" * (4 * 1024 * 1024) for n in range(30)}
    return {
        "lying zip bomb (2 GB declared as 1 KB)": (
            _upload_path, lying_bomb(good, SHEET, 2 * 1024**3)),
        "lying zip bomb, legacy path": (_legacy_path, lying_bomb(good, SHEET, 2 * 1024**3)),
        "30 parts of 4 MB of zeros (120 MB)": (_upload_path, replace_members(good, parts)),
        "one value at XFD1048576": (_upload_path, far_bytes.getvalue()),
        "values at A20000 and GR20000": (_upload_path, wide_tall),
        ".xls with one value at IV65536 (legacy)": (
            _legacy_path, xls_with_value_at(65535, 255)),
        "3 cases + 500,000 styled blank rows": (
            _upload_path, _with_rows(filled_case_template(3, year, [
                {"admission_no": f"H{n}"} for n in range(3)]),
                _styled_blank_rows(20, 500_000))),
        "20,000 real cases (the largest valid file)": (_upload_path, generate(20_000, 1, year)),
    }  # fmt: skip


def main():
    import django

    django.setup()
    print(f"{'file':46} {'size':>9} {'seconds':>8} {'RSS +MB':>8}  outcome")
    worst_mb = worst_s = 0.0
    for name, (path, data) in files().items():
        elapsed, grown, outcome = measure(path, data)
        worst_mb, worst_s = max(worst_mb, grown), max(worst_s, elapsed)
        print(f"{name:46} {len(data) / 1e6:8.1f}M {elapsed:8.2f} {grown:8.1f}  {outcome}")
    verdict = "met" if worst_mb <= TARGET_MB and worst_s <= TARGET_SECONDS else "MISSED"
    print(f"\nworst: {worst_s:.2f} s, +{worst_mb:.1f} MB RSS "
          f"(target ≤ {TARGET_SECONDS:.0f} s, ≤ {TARGET_MB:.0f} MB): {verdict}")  # fmt: skip


if __name__ == "__main__":
    main()
