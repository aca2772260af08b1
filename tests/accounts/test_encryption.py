"""身份证号码 and mobiles encrypted at rest, found by keyed hash (security checklist 8.1)."""

import base64
import re
import subprocess

import pytest
from django.apps import apps
from django.core.exceptions import FieldError
from django.db import IntegrityError, connection, transaction
from django.test import override_settings

from accounts import crypto
from accounts.fields import convert_columns
from accounts.models import SmsCode, User
from accounts.sms.codes import send_code
from institutions.models import InstitutionApplication
from surveys.basic_info import save_basic_info
from surveys.models import BasicInfo
from tests.factories import UserFactory
from tests.institutions.applications import make_application

ID_PATTERN = re.compile(r"\b\d{17}[\dXx]\b")
ID_NUMBERS = ("11010519491231002X", "440106198001010012", "110101199003077758")
MOBILES = ("13812345678", "15987654321", "18611112222", "17733334444", "13655556666")


def _raw(table, column, pk):
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT "{column}" FROM "{table}" WHERE id = %s', [pk])
        return cursor.fetchone()[0]


def _dump() -> str:
    """The whole test database as SQL: pg_dump on PostgreSQL, ``iterdump`` on SQLite."""
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        return "\n".join(connection.connection.iterdump())
    settings_dict = connection.settings_dict
    result = subprocess.run(
        [
            "pg_dump",
            "-h",
            settings_dict["HOST"] or "127.0.0.1",
            "-p",
            str(settings_dict["PORT"] or 5432),
            "-U",
            settings_dict["USER"] or "postgres",
            settings_dict["NAME"],
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return result.stdout


@pytest.mark.django_db(transaction=True)
def test_database_dump_holds_no_id_number_or_mobile_in_clear(tmp_path):
    """A dump of the committed test database (pg_dump on PostgreSQL) after users, an
    application, 基本信息 and an SMS code were stored with real-looking IDs and mobiles."""
    alice = UserFactory(username="dumpalice", mobile=MOBILES[0], id_number=ID_NUMBERS[0])
    UserFactory(username="dumpbob", mobile=MOBILES[1], id_number=ID_NUMBERS[1])
    make_application(applicant_mobile=MOBILES[2], applicant_id_number=ID_NUMBERS[2])
    info = BasicInfo(
        institution=alice.institution,
        region=alice.institution.region,
        hospital_name="转储测试医院",
        grade=alice.institution.grade,
        category=alice.institution.category,
        director_name="王建国",
        director_mobile=MOBILES[3],
        director_email="d@example.cn",
        contact_name="李娜",
        contact_mobile=MOBILES[4],
        contact_email="c@example.cn",
    )
    save_basic_info(info, alice)
    send_code(mobile=MOBILES[0], purpose=SmsCode.Purpose.LOGIN, ip="10.0.0.9")

    dump = _dump()
    (tmp_path / "dump.sql").write_text(dump)

    # The dump is of the data above (so the checks below can fail) ...
    assert "dumpalice" in dump and "转储测试医院" in dump
    # ... and none of it is readable.
    assert ID_PATTERN.findall(dump) == []
    assert [mobile for mobile in MOBILES if mobile in dump] == []


def test_columns_hold_ciphertext_and_reads_give_the_clear_value(db):
    user = UserFactory(mobile="13812345678", id_number="11010519491231002X")

    stored = _raw("accounts_user", "id_number", user.pk)
    assert stored.startswith(crypto.PREFIX) and "11010519491231002X" not in stored
    assert "13812345678" not in _raw("accounts_user", "mobile", user.pk)
    fresh = User.objects.get(pk=user.pk)
    assert (fresh.mobile, fresh.id_number) == ("13812345678", "11010519491231002X")
    assert User.objects.values_list("mobile", flat=True).get(pk=user.pk) == "13812345678"


def test_same_value_encrypts_differently_each_time():
    assert crypto.encrypt("13812345678") != crypto.encrypt("13812345678")


def test_decryption_with_another_key_fails(db):
    user = UserFactory(mobile="13812345678")
    other_key = base64.urlsafe_b64encode(b"k" * 32).decode()

    with override_settings(FIELD_ENCRYPTION_KEY=other_key):
        with pytest.raises(crypto.DecryptionError):
            User.objects.get(pk=user.pk)


def test_altered_ciphertext_fails_to_decrypt():
    stored = crypto.encrypt("11010519491231002X")
    tampered = stored[:-6] + ("A" if stored[-6] != "A" else "B") + stored[-5:]

    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(tampered)


def test_hash_key_is_separate_from_the_encryption_key(settings):
    assert settings.FIELD_HASH_KEY != settings.FIELD_ENCRYPTION_KEY
    assert len(crypto.blind_index("13812345678")) == 64


def test_lookups_by_value_find_the_account(db):
    user = UserFactory(mobile="13812345678", id_number="11010519491231002X")
    UserFactory(mobile="15987654321")

    assert User.objects.get(mobile="13812345678") == user
    assert User.objects.get(id_number="11010519491231002X") == user
    assert list(User.objects.filter(mobile__in=["13812345678", "13000000000"])) == [user]
    assert not User.objects.filter(mobile="13000000000").exists()
    assert User.objects.exclude(mobile="13812345678").count() == User.objects.count() - 1


def test_lookups_through_a_relation_use_the_hash(db):
    application = make_application(applicant_mobile="13812345678")

    found = InstitutionApplication.objects.filter(applicant_mobile="13812345678")

    assert list(found) == [application]


def test_duplicate_mobile_or_id_number_is_refused_by_the_database(db):
    UserFactory(mobile="13812345678", id_number="11010519491231002X")

    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(mobile="13812345678")
    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(id_number="11010519491231002X")
    # Accounts without a mobile or ID number do not collide.
    UserFactory(mobile="", id_number="")
    UserFactory(mobile="", id_number="")


def test_searching_inside_an_encrypted_value_is_refused(db):
    with pytest.raises(FieldError):
        list(User.objects.filter(mobile__startswith="138"))
    with pytest.raises(FieldError):
        list(User.objects.filter(id_number__contains="1949"))


def test_unindexed_encrypted_field_cannot_be_queried(db):
    with pytest.raises(FieldError):
        list(BasicInfo.objects.filter(contact_mobile="13812345678"))


def test_changing_the_mobile_updates_its_hash(db):
    user = UserFactory(mobile="13812345678")

    user.mobile = "15987654321"
    user.save(update_fields=["mobile", "mobile_hash"])

    assert User.objects.get(mobile="15987654321") == user
    assert not User.objects.filter(mobile="13812345678").exists()


def test_saving_the_mobile_without_its_hash_is_refused(db):
    user = UserFactory(mobile="13812345678")
    user.mobile = "15987654321"

    with pytest.raises(ValueError, match="mobile_hash"):
        user.save(update_fields=["mobile"])


def test_migration_converts_clear_rows_and_back(db):
    """The data migrations' conversion: clear values (as stored before) → ciphertext + hash;
    going back restores them; a second run changes nothing."""
    user = UserFactory(mobile="", id_number="")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE accounts_user SET mobile = %s, id_number = %s, mobile_hash = '', "
            "id_number_hash = '' WHERE id = %s",
            ["13812345678", "11010519491231002X", user.pk],
        )
    columns = {"mobile": "mobile_hash", "id_number": "id_number_hash"}
    model = apps.get_model("accounts", "User")

    # Not entered as a context: the conversion only quotes names and runs SQL, and SQLite
    # refuses to enter a schema editor inside the test's transaction.
    editor = connection.schema_editor(atomic=False)
    convert_columns(editor, model, columns, encrypt=True)
    once = _raw("accounts_user", "mobile", user.pk)
    convert_columns(editor, model, columns, encrypt=True)

    assert once.startswith(crypto.PREFIX) and _raw("accounts_user", "mobile", user.pk) == once
    assert User.objects.get(mobile="13812345678", id_number="11010519491231002X") == user

    convert_columns(editor, model, columns, encrypt=False)
    assert _raw("accounts_user", "mobile", user.pk) == "13812345678"
    assert _raw("accounts_user", "id_number", user.pk) == "11010519491231002X"
    assert _raw("accounts_user", "mobile_hash", user.pk) == ""


def test_password_reset_keeps_the_mobile_encrypted_in_the_session(db, client, settings):
    from django.urls import reverse

    from accounts.sms.backends import locmem
    from accounts.views.recovery import RESET_STATE
    from tests.captcha import solved_captcha

    settings.SMS_BACKEND = "accounts.sms.backends.locmem.SmsBackend"
    UserFactory(username="resetme", mobile="13812345678")

    client.post(reverse("accounts:password_reset"), {"username": "resetme", **solved_captcha()})

    stored = client.session[RESET_STATE]["mobile"]
    assert stored.startswith(crypto.PREFIX) and crypto.decrypt(stored) == "13812345678"
    assert client.get(reverse("accounts:password_reset_verify")).status_code == 200
    locmem.outbox.clear()
