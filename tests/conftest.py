"""Personas shared by every test: two institutions and their people, plus an auditor.

alice works at institution A, bob at institution B (healthchecks' habit): a test that
shows bob cannot reach alice's data reads like the rule it checks.
"""

import os
from pathlib import Path

import pytest
from django.db import connections

from accounts.models import User
from institutions.models import Region
from institutions.regions import load_regions

from .factories import AuditorFactory, InstitutionFactory, SuperuserFactory, UserFactory, region

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Uploads of every test go to a temporary folder, never into var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    """Rate-limit counters (in the cache) start at zero in every test."""
    yield
    from django.core.cache import cache

    try:
        cache.clear()
    except Exception:  # noqa: BLE001 — no database in a test without db access
        pass


@pytest.fixture(autouse=True)
def sms_second_factor_off(settings):
    """Password sign-in tests that are not about the second factor sign in on the password;
    the setting defaults to on (tests/accounts/test_second_factor.py checks that, and turns
    it on for the tests of the SMS step)."""
    settings.SMS_SECOND_FACTOR = False


@pytest.fixture(autouse=True)
def staff_force_login_verifies_otp(request, monkeypatch):
    """``Client.force_login`` of an auditor (staff) also marks the session TOTP-verified, as
    the real sign-in does, so tests of auditor pages need not type codes. Tests of the TOTP
    rule itself are marked ``@pytest.mark.real_otp`` and get the plain force_login."""
    if request.node.get_closest_marker("real_otp"):
        return
    from django.test import Client

    original = Client._login

    def _login(self, user, backend=None):
        original(self, user, backend)
        if user.is_staff:
            from django_otp import DEVICE_ID_SESSION_KEY

            from accounts.models import AuditorTOTPDevice

            device = AuditorTOTPDevice.objects.filter(user=user, confirmed=True).first()
            device = device or AuditorTOTPDevice.objects.create(
                user=user, name="test", confirmed=True
            )
            session = self.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()

    monkeypatch.setattr(Client, "_login", _login)


@pytest.fixture
def institution_a(db):
    return InstitutionFactory(name="甲医院", region=region("110101"))


@pytest.fixture
def institution_b(db):
    return InstitutionFactory(name="乙医院", region=region("440106"))


@pytest.fixture
def alice(institution_a):
    """A verified hospital user of institution A."""
    return UserFactory(username="alice", real_name="爱丽丝", institution=institution_a)


@pytest.fixture
def alice_admin(institution_a):
    """The institution admin of institution A."""
    return UserFactory(
        username="alice_admin",
        institution=institution_a,
        role=User.Role.INSTITUTION_ADMIN,
        origin=User.Origin.ACTIVATION,
    )


@pytest.fixture
def bob(institution_b):
    """A verified hospital user of institution B: the outsider to A's data."""
    return UserFactory(username="bob", real_name="鲍勃", institution=institution_b)


@pytest.fixture
def newcomer(institution_a):
    """A user of institution A who has not passed 个人身份认证 yet."""
    return UserFactory(
        username="newcomer",
        institution=institution_a,
        verification_status=User.Verification.UNVERIFIED,
    )


@pytest.fixture
def auditor(db):
    """An auditor: staff in the 审核员 group, not a superuser."""
    return AuditorFactory(username="auditor", real_name="审核员甲")


@pytest.fixture
def bj_auditor(db):
    """An auditor whose 审核范围 is 北京市 (institution_a's province)."""
    return AuditorFactory(username="bj_auditor", review_region=region("110000"))


@pytest.fixture
def gd_auditor(db):
    """An auditor whose 审核范围 is 广东省 (institution_b's province)."""
    return AuditorFactory(username="gd_auditor", review_region=region("440000"))


@pytest.fixture
def superuser(db):
    """The platform's superuser (setup, staff accounts)."""
    return SuperuserFactory(username="root", real_name="平台管理员")


@pytest.fixture
def browser(monkeypatch):
    """Debian's Chromium driven by Playwright; skipped where Chromium is not installed,
    except when REQUIRE_BROWSER=1 (CI), where a missing browser is a failure."""
    if not CHROMIUM.exists():
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail("REQUIRE_BROWSER=1 but /usr/bin/chromium is not installed")
        pytest.skip("Debian chromium is not installed (apt-get install chromium)")
    # Playwright's sync API runs an event loop; Django's ORM calls in the live server
    # thread and in the test are still synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "1")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()
        # Connections opened while Playwright's loop ran live in another context;
        # close them here, or PostgreSQL refuses to drop the test database.
        connections.close_all()


@pytest.fixture
def texts_per_request(settings, monkeypatch, django_capture_on_commit_callbacks):
    """Text messages go to the in-memory outbox (returned), handed over as each test-client
    request commits — the SMS backend is called on commit, as in production."""
    from django.test import Client

    from accounts.sms.backends import locmem

    settings.SMS_BACKEND = "accounts.sms.backends.locmem.SmsBackend"
    locmem.outbox.clear()
    original = Client.request

    def request(self, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return original(self, **kwargs)

    monkeypatch.setattr(Client, "request", request)
    return locmem.outbox


@pytest.fixture
def screenshot_dir():
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


# 行政区划: the full fixture, committed once per session, outside any test transaction, so
# read-only tests share it. Transactional tests (live_server) flush the database when they
# end; `regions` notices that and loads the table again inside the current test.


@pytest.fixture(scope="session")
def regions_loaded(django_db_setup, django_db_blocker):
    """The fixture's regions, committed to the test database once per session."""
    with django_db_blocker.unblock():
        return load_regions()


@pytest.fixture
def regions(regions_loaded, db):
    """The full 行政区划 table for this test (reloaded if a transactional test flushed it)."""
    if not Region.objects.filter(code="110101", data_version=regions_loaded.data_version).exists():
        load_regions()
    return regions_loaded


def pytest_configure(config):
    """Django's PBKDF2 (1,000,000 rounds) costs a third of a second per password, and the
    personas set several per test; the tests check behaviour, not the hash's strength."""
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
