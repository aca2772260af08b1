import datetime

import pytest
from django.core.management import call_command

from accounts.demo import create_demo_data
from accounts.models import User
from institutions.models import Institution
from surveys import reports
from tests.factories import region


def _regions():
    region("110101")
    region("440106")


@pytest.fixture(autouse=True)
def development_mode(settings):
    """seed_demo runs only with DEBUG on (issue 19 item 9; pytest turns DEBUG off)."""
    settings.DEBUG = True


def test_demo_data_creates_auditor_and_two_institutions_with_their_people(db):
    _regions()

    accounts = create_demo_data()

    assert [a.username for a in accounts] == [
        "auditor", "bj_auditor", "gd_auditor", "admin", "bj_admin", "bj_user", "gd_admin",
        "gd_user",
    ]  # fmt: skip
    assert Institution.objects.count() == 2
    assert {i.region.province_code for i in Institution.objects.all()} == {"110000", "440000"}
    # Issue 19 item 8: the auditor is staff in the 审核员 group, not a superuser; a separate
    # superuser exists for setting the platform up.
    auditor = User.objects.get(username="auditor")
    assert auditor.is_staff and not auditor.is_superuser
    assert list(auditor.groups.values_list("name", flat=True)) == ["审核员"]
    assert auditor.check_password(accounts[0].password)
    # Issue 22 item 1: a national auditor and one for each demo province.
    scopes = dict(User.objects.filter(is_staff=True, is_superuser=False).values_list(
        "username", "review_region"
    ))  # fmt: skip
    assert scopes == {"auditor": None, "bj_auditor": "110000", "gd_auditor": "440000"}
    assert User.objects.get(username="admin").is_superuser
    bj_user = User.objects.get(username="bj_user")
    assert bj_user.can_see_institution_data and not bj_user.is_institution_admin
    assert User.objects.get(username="bj_admin").is_institution_admin


def test_demo_data_is_created_only_on_an_empty_database(db, alice):
    _regions()

    assert create_demo_data() == []
    assert not User.objects.filter(username="auditor").exists()


def test_seed_demo_prints_the_credentials(db, capsys, tmp_path, monkeypatch):
    _regions()
    monkeypatch.setattr("accounts.demo.CREDENTIALS_FILE", tmp_path / "creds.txt")
    monkeypatch.setattr(
        "accounts.management.commands.seed_demo.CREDENTIALS_FILE", tmp_path / "creds.txt"
    )

    call_command("seed_demo")
    first = capsys.readouterr().out
    call_command("seed_demo")
    second = capsys.readouterr().out

    assert "bj_user" in first and "Demo-" in first
    assert second == first  # printed again on every start, nothing created twice
    assert User.objects.count() == 8
    assert "bj_auditor" in first and "审核范围：北京市" in first


def test_demo_data_opens_the_current_data_year_whatever_the_date(db, monkeypatch):
    """A demo started in November must still let the hospital user fill the current year."""
    _regions()
    monkeypatch.setattr(reports, "today", lambda: datetime.date(2026, 11, 28))
    monkeypatch.setattr("accounts.demo.today", lambda: datetime.date(2026, 11, 28))
    create_demo_data()
    institution = User.objects.get(username="bj_user").institution
    access = reports.reporting_access(institution.pk, 2025)
    assert access.is_open
    assert access.until >= datetime.date(2027, 2, 26)


def test_demo_auditor_signs_in_with_the_printed_totp_secret(db):
    from base64 import b32encode

    from accounts.models import AuditorTOTPDevice

    _regions()

    auditor = next(a for a in create_demo_data() if a.username == "auditor")

    device = AuditorTOTPDevice.objects.get(user__username="auditor", confirmed=True)
    assert b32encode(device.bin_key).decode() in auditor.description


def test_seed_demo_gives_an_older_demo_auditor_a_totp_device(db, capsys, tmp_path, monkeypatch):
    from accounts.models import AuditorTOTPDevice
    from tests.factories import AuditorFactory

    _regions()
    creds = tmp_path / "creds.txt"
    creds.write_text("演示账号\n", encoding="utf-8")
    monkeypatch.setattr("accounts.management.commands.seed_demo.CREDENTIALS_FILE", creds)
    AuditorFactory(username="auditor")

    call_command("seed_demo")

    assert AuditorTOTPDevice.objects.filter(user__username="auditor", confirmed=True).exists()
    assert "动态口令密钥" in capsys.readouterr().out
    assert "动态口令密钥" in creds.read_text(encoding="utf-8")
