from django.core.management import call_command

from accounts.demo import create_demo_data
from accounts.models import User
from institutions.models import Institution
from tests.factories import region


def _regions():
    region("110101")
    region("440106")


def test_demo_data_creates_auditor_and_two_institutions_with_their_people(db):
    _regions()

    accounts = create_demo_data()

    assert [a.username for a in accounts] == [
        "auditor", "bj_admin", "bj_user", "gd_admin", "gd_user",
    ]  # fmt: skip
    assert Institution.objects.count() == 2
    assert {i.region.province_code for i in Institution.objects.all()} == {"110000", "440000"}
    auditor = User.objects.get(username="auditor")
    assert auditor.is_superuser and auditor.check_password(accounts[0].password)
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
    assert User.objects.count() == 5
