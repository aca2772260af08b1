"""The welcome page's reminder (SPEC §3.9): shown while the institution has bound nothing;
下次再说 hides it for the session."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from binding.models import LegacyRecord
from binding.services import bind_legacy_record

from .helpers import make_record

WELCOME = reverse("welcome")
DISMISS = reverse("binding:dismiss_reminder")
TEXT = (
    "本单位暂无绑定的数据，如以往填报过，可绑定既往填报数据以便完成以下操作。",
    "1、快速获取已报数据",
    "2、核实已报数据，补充填报未报、漏报数据。",
    "立即绑定",
    "下次再说",
)


def shows_reminder(response):
    return 'id="binding-reminder"' in response.text


@pytest.fixture(autouse=True)
def pool(db):
    """Legacy data has been imported: there is something to bind."""
    return make_record()


def test_the_reminder_shows_while_nothing_is_bound(client, alice):
    client.force_login(alice)

    response = client.get(WELCOME)

    assert shows_reminder(response)
    for text in TEXT:
        assert text in response.text
    assert f'href="{reverse("binding:home")}"' in response.text
    assert "js/binding-reminder" in response.text


def test_the_page_has_no_inline_script(client, alice):
    client.force_login(alice)

    html = client.get(WELCOME).text

    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []


def test_later_hides_it_for_the_session_only(client, alice):
    client.force_login(alice)

    response = client.post(DISMISS, {"next": WELCOME})

    assert response.status_code == 302 and response.url == WELCOME
    assert not shows_reminder(client.get(WELCOME))
    other_session = Client()
    other_session.force_login(alice)
    assert shows_reminder(other_session.get(WELCOME))


def test_later_redirects_only_inside_the_site(client, alice):
    client.force_login(alice)

    response = client.post(DISMISS, {"next": "https://evil.example/"})

    assert response.url == WELCOME


def test_later_is_post_only(client, alice):
    client.force_login(alice)
    assert client.get(DISMISS).status_code == 405


def test_no_reminder_once_something_is_bound(client, alice, pool):
    bind_legacy_record(pool, alice.institution, alice)
    client.force_login(alice)

    assert not shows_reminder(client.get(WELCOME))


def test_no_reminder_before_any_legacy_data_is_imported(client, alice, pool):
    LegacyRecord.objects.all().delete()
    client.force_login(alice)

    assert not shows_reminder(client.get(WELCOME))


@pytest.mark.parametrize("who", ["newcomer", "auditor"])
def test_no_reminder_for_who_cannot_bind(client, request, who):
    client.force_login(request.getfixturevalue(who))

    assert not shows_reminder(client.get(WELCOME))
