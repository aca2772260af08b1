"""Auditors: the legacy records, the zip import page (the same importer) and the binding
log, read-only."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from binding.demo_export import zip_folder
from binding.models import BindingLog, LegacyImport, LegacyRecord
from binding.services import bind_legacy_record, unbind_legacy_record

from .helpers import both_case_files, make_record, truncate

CHANGELIST = reverse("admin:binding_legacyrecord_changelist")
IMPORT = reverse("admin:binding_legacyrecord_import")
LOG = reverse("admin:binding_bindinglog_changelist")


@pytest.fixture
def desk(client, auditor):
    client.force_login(auditor)
    return client


def test_the_records_list_searches_and_filters(desk, alice, db):
    bound = make_record("北京协和医院")
    make_record("蓟县人民医院", year=2010, submit_status="draft")
    bind_legacy_record(bound, alice.institution, alice)

    assert "北京协和医院" in desk.get(CHANGELIST, {"q": "协和"}).text
    assert "蓟县人民医院" not in desk.get(CHANGELIST, {"q": "协和"}).text
    assert "蓟县人民医院" in desk.get(CHANGELIST, {"data_year": 2010}).text
    assert "蓟县人民医院" in desk.get(CHANGELIST, {"submit_status__exact": "draft"}).text
    assert "北京协和医院" not in desk.get(CHANGELIST, {"bound": "no"}).text
    assert "北京协和医院" in desk.get(CHANGELIST, {"bound": "yes"}).text
    detail = desk.get(reverse("admin:binding_legacyrecord_change", args=[bound.pk]))
    assert detail.status_code == 200 and "甲医院" in detail.text
    assert "导入既往数据（zip）" in desk.get(CHANGELIST).text


def test_records_cannot_be_added_changed_or_deleted_in_admin(desk, db):
    record = make_record()

    assert desk.get(reverse("admin:binding_legacyrecord_add")).status_code == 403
    assert (
        desk.post(reverse("admin:binding_legacyrecord_delete", args=[record.pk])).status_code == 403
    )
    assert LegacyRecord.objects.count() == 1


def test_the_binding_log_is_visible_and_read_only(desk, alice, db):
    record = make_record()
    bind_legacy_record(record, alice.institution, alice)
    unbind_legacy_record(record, alice.institution, alice)
    log = BindingLog.objects.first()

    listing = desk.get(LOG)

    assert listing.status_code == 200
    assert "绑定" in listing.text and "解绑" in listing.text and "alice" in listing.text
    assert desk.get(reverse("admin:binding_bindinglog_add")).status_code == 403
    change = desk.post(reverse("admin:binding_bindinglog_change", args=[log.pk]), {"action": "x"})
    assert change.status_code in (200, 403)
    log.refresh_from_db()
    assert log.action in ("bind", "unbind")
    assert desk.post(reverse("admin:binding_bindinglog_delete", args=[log.pk])).status_code == 403
    assert BindingLog.objects.count() == 2


@pytest.mark.usefixtures("regions")
def test_the_zip_import_page_runs_the_importer(desk, auditor, demo_export, tmp_path):
    folder, summary = demo_export
    archive = zip_folder(folder, tmp_path / "旧平台导出.zip")
    upload = SimpleUploadedFile("旧平台导出.zip", archive.read_bytes(), "application/zip")

    response = desk.post(IMPORT, {"archive": upload})

    assert response.status_code == 200
    assert f"新导入{summary.records}条既往数据" in response.text
    assert "附件1中没有该医院" in response.text
    assert LegacyRecord.objects.count() == summary.records
    run = LegacyImport.objects.get()
    assert run.run_by == auditor and run.source_name == "旧平台导出.zip"
    assert len(run.source_sha256) == 64 and run.created == summary.records
    again = desk.post(IMPORT, {"archive": SimpleUploadedFile("a.zip", archive.read_bytes())})
    assert f"已导入过（未改动）{summary.records}条" in again.text


def test_the_import_page_refuses_what_is_not_a_zip(desk, db):
    response = desk.post(IMPORT, {"archive": SimpleUploadedFile("x.txt", b"hello")})
    assert "请上传 .zip 压缩包" in response.text

    response = desk.post(IMPORT, {"archive": SimpleUploadedFile("x.zip", b"hello")})
    assert "不是文件夹，也不是可读取的zip压缩包" in response.text
    assert LegacyRecord.objects.count() == 0


def test_hospital_users_cannot_open_the_import_page(client, alice):
    client.force_login(alice)
    response = client.get(IMPORT)
    assert response.status_code == 302 and "/admin/login/" in response.url


def test_staff_without_the_add_permission_cannot_import(client, db):
    from django.contrib.auth.models import Permission

    from tests.factories import AuditorFactory

    viewer = AuditorFactory(username="viewer", is_superuser=False, auditor_group=False)
    viewer.user_permissions.add(Permission.objects.get(codename="view_legacyrecord"))
    client.force_login(viewer)

    assert client.get(CHANGELIST).status_code == 200
    assert "导入既往数据（zip）" not in client.get(CHANGELIST).text
    assert client.get(IMPORT).status_code == 403


def test_the_record_page_shows_the_phone_masked(desk, db):
    record = make_record(director_phone="13812345678")

    detail = desk.get(reverse("admin:binding_legacyrecord_change", args=[record.pk]))

    assert "138****5678" in detail.text and "13812345678" not in detail.text


@pytest.mark.usefixtures("regions")
def test_a_refused_case_file_is_shown_on_the_import_page_and_its_record(desk, demo_export,
                                                                        tmp_path):  # fmt: skip
    folder, summary = demo_export
    year, _evt_file, ivt_file = both_case_files(folder, "首都医科大学附属北京天坛医院")
    good = truncate(ivt_file)
    path = ivt_file.relative_to(folder).as_posix()
    archive = zip_folder(folder, tmp_path / "broken.zip")

    response = desk.post(IMPORT, {"archive": SimpleUploadedFile("a.zip", archive.read_bytes())})

    assert f"新导入{summary.records}条既往数据" in response.text
    assert f"首都医科大学附属北京天坛医院 {year}年度 缺少附件3：{path}" in response.text
    assert "文件已损坏或不是Excel文件，无法读取。" in response.text
    record = LegacyRecord.objects.get(hospital_name="首都医科大学附属北京天坛医院", data_year=year)
    detail = desk.get(reverse("admin:binding_legacyrecord_change", args=[record.pk])).text
    assert path in detail and "文件已损坏或不是Excel文件，无法读取。" in detail
    listing = desk.get(CHANGELIST, {"files": "missing"}).text
    assert "首都医科大学附属北京天坛医院" in listing and "北京协和医院" not in listing
    assert "缺少附件3" in listing

    ivt_file.write_bytes(good)
    archive = zip_folder(folder, tmp_path / "repaired.zip")
    repaired = desk.post(IMPORT, {"archive": SimpleUploadedFile("b.zip", archive.read_bytes())})

    assert (
        "补全1条" in repaired.text and f"已导入过（未改动）{summary.records - 1}条" in repaired.text
    )
    record.refresh_from_db()
    assert record.refused_files == [] and record.thrombolysis_cases
    detail = desk.get(reverse("admin:binding_legacyrecord_change", args=[record.pk])).text
    assert "文件已损坏或不是Excel文件，无法读取。" not in detail
    assert LegacyImport.objects.order_by("-pk").first().completed == 1
