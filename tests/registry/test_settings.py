"""Production mode: refuses to start without its secrets and passes check --deploy."""

import os
import subprocess
import sys
from pathlib import Path

from django.core.management import call_command

BASE_DIR = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "k3y-for-the-check-Qm9z8vT1xLp4Wn7Rb2Yc6Hd0Fg5Js3Ka9Ue1Vi8Oq2Zt4",
    "ALLOWED_HOSTS": "registry.example.org",
    "DATABASE_URL": "sqlite:////tmp/registry-check-deploy.sqlite3",
    "SMS_BACKEND": "accounts.sms.backends.console.SmsBackend",
    "FIELD_ENCRYPTION_KEY": "ZW5jcnlwdGlvbi1rZXktZm9yLXRoZS1jaGVjay0wMDE=",
    "FIELD_HASH_KEY": "aGFzaC1rZXktZm9yLXRoZS1kZXBsb3ktY2hlY2stMDE=",
    # Issue 19 item 4: required in production (test_proxy_settings.py).
    "TRUSTED_PROXY_COUNT": "1",
}
# Issue 19 item 9: what `check --deploy` passes with: the Aliyun backend with placeholder
# credentials (the check sends nothing); a demo backend fails it (test_production_checks.py).
DEPLOYMENT_ENV = {
    **PRODUCTION_ENV,
    "SMS_BACKEND": "accounts.sms.backends.aliyun.SmsBackend",
    "SMS_ALIYUN_ACCESS_KEY_ID": "placeholder-key-id",
    "SMS_ALIYUN_ACCESS_KEY_SECRET": "placeholder-key-secret",
    "SMS_ALIYUN_SIGN_NAME": "脑血管病登记",
    "SMS_ALIYUN_TEMPLATE_CODE": "SMS_000000000",
}


def _manage(*args, env):
    inherited = {
        "DEBUG",
        "SECRET_KEY",
        "ALLOWED_HOSTS",
        "DJANGO_ALLOW_ASYNC_UNSAFE",
        "FIELD_ENCRYPTION_KEY",
        "FIELD_HASH_KEY",
        "TRUSTED_PROXY_COUNT",
        "SMS_BACKEND",
        "SMS_SECOND_FACTOR",
        "ALLOW_DEMO_SHORTCUTS_IN_PRODUCTION",
    }
    clean = {k: v for k, v in os.environ.items() if k not in inherited}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_in_production_mode():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=DEPLOYMENT_ENV)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_mode_refuses_to_start_without_secret_key():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "SECRET_KEY"}

    result = _manage("check", env=env)

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_mode_refuses_to_start_without_allowed_hosts():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "ALLOWED_HOSTS"}

    result = _manage("check", env=env)

    assert result.returncode != 0
    assert "ALLOWED_HOSTS" in result.stderr


def test_production_mode_refuses_to_start_without_the_field_encryption_key():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "FIELD_ENCRYPTION_KEY"}

    result = _manage("check", env=env)

    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEY" in result.stderr


def test_production_mode_refuses_a_malformed_or_reused_hash_key():
    short = _manage("check", env={**PRODUCTION_ENV, "FIELD_HASH_KEY": "c2hvcnQ="})
    reused = _manage(
        "check", env={**PRODUCTION_ENV, "FIELD_HASH_KEY": PRODUCTION_ENV["FIELD_ENCRYPTION_KEY"]}
    )

    assert short.returncode != 0 and "FIELD_HASH_KEY" in short.stderr
    assert reused.returncode != 0 and "两个不同的密钥" in reused.stderr


def test_migrations_are_committed(db):
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_language_and_time_zone(settings):
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.USE_I18N and settings.USE_TZ
