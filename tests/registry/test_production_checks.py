"""Issue 19 item 9: production refuses the demo's shortcuts. With DEBUG=false,
`check --deploy` fails while the SMS second factor is off or text messages go nowhere real,
unless a staging site states ALLOW_DEMO_SHORTCUTS_IN_PRODUCTION; seed_demo refuses to run."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from registry.checks import check_no_demo_shortcuts_in_production

from .test_settings import DEPLOYMENT_ENV, _manage

DEMO_BACKENDS = [
    "accounts.sms.backends.filebased.SmsBackend",
    "accounts.sms.backends.console.SmsBackend",
    "accounts.sms.backends.locmem.SmsBackend",
]


def check_deploy(**env):
    return _manage("check", "--deploy", "--fail-level", "WARNING", env={**DEPLOYMENT_ENV, **env})


@pytest.mark.parametrize("backend", DEMO_BACKENDS)
def test_check_deploy_fails_with_a_demo_sms_backend(backend):
    result = check_deploy(SMS_BACKEND=backend)

    assert result.returncode != 0
    assert "registry.E002" in result.stderr + result.stdout


def test_check_deploy_fails_with_the_sms_second_factor_off():
    result = check_deploy(SMS_SECOND_FACTOR="false")

    assert result.returncode != 0
    assert "registry.E001" in result.stderr + result.stdout


def test_a_staging_site_may_state_the_override_and_still_sees_it():
    result = check_deploy(
        SMS_SECOND_FACTOR="false",
        SMS_BACKEND="accounts.sms.backends.console.SmsBackend",
        ALLOW_DEMO_SHORTCUTS_IN_PRODUCTION="true",
    )

    assert result.returncode == 0, result.stdout + result.stderr
    output = result.stdout + result.stderr
    assert "registry.I001" in output and "registry.I002" in output


def test_development_has_no_such_errors(settings):
    settings.DEBUG = True
    settings.SMS_SECOND_FACTOR = False
    settings.SMS_BACKEND = "accounts.sms.backends.filebased.SmsBackend"

    assert check_no_demo_shortcuts_in_production() == []


def test_the_check_is_registered_as_a_deploy_check(settings):
    from django.core.checks import registry

    settings.DEBUG = False
    settings.SMS_BACKEND = "accounts.sms.backends.console.SmsBackend"

    ids = {message.id for message in registry.run_checks(include_deployment_checks=True)}
    assert "registry.E002" in ids
    ordinary = {message.id for message in registry.run_checks(include_deployment_checks=False)}
    assert "registry.E002" not in ordinary


def test_seed_demo_refuses_to_run_in_production_mode(settings, db):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG=false"):
        call_command("seed_demo")


# Issue 21 item 5: more than one application server shares the cache and the sessions. ----


@pytest.mark.parametrize(
    "backend",
    [
        "django.core.cache.backends.locmem.LocMemCache",
        "django.core.cache.backends.dummy.DummyCache",
        "django.core.cache.backends.filebased.FileBasedCache",
    ],
)
def test_a_cache_local_to_one_process_or_server_fails_the_deploy_check(settings, backend):
    from registry.checks import check_shared_state_in_production

    settings.DEBUG = False
    settings.CACHES = {"default": {"BACKEND": backend, "LOCATION": "/tmp/x"}}

    assert [m.id for m in check_shared_state_in_production()] == ["registry.E003"]


@pytest.mark.parametrize(
    "backend",
    [
        "django.core.cache.backends.db.DatabaseCache",
        "django.core.cache.backends.redis.RedisCache",
    ],
)
def test_the_database_cache_and_redis_are_shared(settings, backend):
    from registry.checks import check_shared_state_in_production

    settings.DEBUG = False
    settings.CACHES = {"default": {"BACKEND": backend, "LOCATION": "registry_cache"}}

    assert check_shared_state_in_production() == []


def test_sessions_in_local_files_fail_the_deploy_check(settings):
    from registry.checks import check_shared_state_in_production

    settings.DEBUG = False
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.file"

    assert "registry.E004" in [m.id for m in check_shared_state_in_production()]


def test_check_deploy_passes_with_redis_as_the_cache():
    result = check_deploy(REDIS_URL="redis://127.0.0.1:6379/0")

    assert result.returncode == 0, result.stdout + result.stderr
