"""The data migrations of issue 19: 0006 encrypts the legacy phones already stored and writes
their search text again without them (and back); 0007 records each institution's present
name, so that a later renaming keeps it as a former name."""

import hashlib

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from accounts import crypto
from binding import claims
from binding.search import search_records
from institutions.models import Institution
from tests.factories import region

from .helpers import make_record

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("binding", "0004_search_text_region_spellings")]
LATEST = [("binding", "0007_binding_applications")]
MOBILE = "13812345678"
FINGERPRINT = hashlib.sha256(b"content").hexdigest()


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def at_0004():
    """The database as it was before issue 19; put back to the latest state afterwards."""
    apps = migrate(BEFORE)
    yield apps
    migrate(LATEST)


def columns(*names):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(names)} FROM binding_legacyrecord")
        return cursor.fetchone()


def old_record(apps):
    LegacyImport = apps.get_model("binding", "LegacyImport")
    LegacyRecord = apps.get_model("binding", "LegacyRecord")
    return LegacyRecord.objects.create(
        data_year=2018, hospital_name="北京协和医院", name_key="北京协和医院",
        region_text="北京市市辖区东城区", director_name="王建国", director_phone=MOBILE,
        submit_status="submitted", search_text=f"北京协和医院 北京市东城区 王建国 {MOBILE}",
        search_grams="", source_file="2018/附件1.xlsx", source_row=4, source_sha256="0" * 64,
        fingerprint=FINGERPRINT, imported_by=LegacyImport.objects.create(source_name="旧"),
    )  # fmt: skip


def test_0006_encrypts_the_stored_phones_and_drops_them_from_the_search_text(at_0004):
    old_record(at_0004)

    migrate(LATEST)

    phone, phone_hash, text, grams, fingerprint = columns(
        "director_phone", "director_phone_hash", "search_text", "search_grams", "fingerprint"
    )
    assert phone.startswith(crypto.PREFIX) and crypto.decrypt(phone) == MOBILE
    assert phone_hash == crypto.blind_index(MOBILE)
    assert "北京协和医院" in text and not any(char.isdigit() for char in text + grams)
    assert fingerprint == crypto.blind_index(FINGERPRINT)
    assert [r.hospital_name for r in search_records(MOBILE)] == ["北京协和医院"]
    assert list(search_records("5678")) == []


def test_0006_going_back_puts_the_phones_in_clear_again(at_0004):
    old_record(at_0004)
    migrate(LATEST)

    migrate(BEFORE)

    phone, text = columns("director_phone", "search_text")
    assert phone == MOBILE and MOBILE in text


def test_0007_keeps_the_present_name_of_each_institution(at_0004):
    apps = migrate([("binding", "0006_encrypt_legacy_phones")])
    Institution_then = apps.get_model("institutions", "Institution")
    Institution_then.objects.create(
        name="甲县人民医院", region_id=region("110101").code, region_name="北京市东城区",
        grade="三级甲等", category="综合医院", credit_code="12110101MB0000001",
        licence_number="PDY00001X11010117A1001",
    )  # fmt: skip

    migrate(LATEST)
    institution = Institution.objects.get()
    institution.name = "甲市第一人民医院"  # renamed after the upgrade
    institution.save()

    assert claims.identity_of(institution).former_names == ("甲县人民医院",)
    assert claims.judge(make_record("甲县人民医院"), institution).immediate
