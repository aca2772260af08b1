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

from .factories import AuditorFactory, InstitutionFactory, UserFactory, region

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
    return AuditorFactory(username="auditor", real_name="审核员甲")


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
