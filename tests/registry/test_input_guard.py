"""Issue 19 item 7: NUL (and other characters no text column can hold) never reaches the
database. Every request carrying one — in the query string, a form field (urlencoded or
multipart), the path or a cookie — is answered 400 with the platform's Chinese page before
any view runs; nothing is stored. Uploaded files' contents are not judged here."""

import io

import pytest
from django.test import Client
from django.urls import reverse
from PIL import Image

from accounts.models import IdentityVerification, User
from institutions.models import InstitutionApplication
from surveys.models import BasicInfo
from tests.captcha import solved_captcha
from tests.casesets.conftest import make_report
from tests.institutions.applications import form_data as application_form

GUARD_TEXT = "请求中含有无法处理的字符"


@pytest.fixture
def plain_client(db):
    """A client that returns the 500 page instead of raising, as a browser would see it."""
    return Client(raise_request_exception=False)


def assert_refused(response):
    assert response.status_code == 400, response.status_code
    assert GUARD_TEXT in response.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/institutions/options/?region=%00",
        "/institutions/options/?region=110101%00",
        "/institutions/regions/options/?parent=%00",
        "/institutions/options/?%00=1",
        "/institutions/register/SQ%00/",
    ],
)
def test_public_urls_with_nul_answer_400(plain_client, regions, url):
    assert_refused(plain_client.get(url))


def test_user_registration_with_nul_in_the_region_stores_nothing(plain_client, regions):
    users = User.objects.count()

    response = plain_client.post(
        reverse("accounts:register"),
        {"region": "\x00", "username": "wangxm", "real_name": "王小明", **solved_captcha()},
    )

    assert_refused(response)
    assert User.objects.count() == users


def test_institution_registration_with_nul_in_the_region_stores_nothing(plain_client, regions):
    response = plain_client.post(
        reverse("institutions:register"), application_form(region="110101\x00")
    )

    assert_refused(response)
    assert not InstitutionApplication.objects.exists()


def test_legacy_search_with_nul_answers_400(plain_client, alice):
    plain_client.force_login(alice)

    assert_refused(plain_client.get(reverse("binding:search") + "?q=%00"))


def test_admission_number_filter_with_nul_answers_400(plain_client, alice):
    report = make_report(alice.institution, created_by=alice)
    plain_client.force_login(alice)
    url = reverse("surveys:report_detail", args=[report.public_id])

    assert_refused(plain_client.get(f"{url}?tab=thrombolysis&admission_no=ZY%00"))


def test_basic_info_with_nul_stores_nothing(plain_client, alice, regions):
    plain_client.force_login(alice)

    response = plain_client.post(
        reverse("surveys:basic_info"),
        {"region": "\x00", "hospital_name": "甲医院\x00", "grade": "三级甲等"},
    )

    assert_refused(response)
    assert not BasicInfo.objects.exists()


def test_a_multipart_form_field_with_nul_is_refused_and_nothing_stored(plain_client, newcomer):
    plain_client.force_login(newcomer)
    photo = io.BytesIO()
    Image.new("RGB", (60, 40), "teal").save(photo, format="PNG")
    photo.name = "licence.png"
    photo.seek(0)

    response = plain_client.post(
        reverse("accounts:verification"), {"licence_number": "PDY\x0012345", "photo": photo}
    )

    assert_refused(response)
    assert not IdentityVerification.objects.exists()


def test_a_cookie_with_nul_answers_400(plain_client, db):
    plain_client.cookies["sessionid"] = "abcdefgh\x00ijklmnop"

    assert_refused(plain_client.get(reverse("accounts:login")))


def test_the_guard_page_is_returned_as_json_to_the_pages_fetch_calls(plain_client, db):
    response = plain_client.post(
        reverse("accounts:send_sms_code"),
        {"mobile": "1380013800\x00", "purpose": "register"},
        HTTP_X_REQUESTED_WITH="XMLHttpRequest",
    )

    assert response.status_code == 400
    assert response.json()["ok"] is False
    assert GUARD_TEXT in response.json()["message"]


def test_ordinary_text_with_tabs_and_line_breaks_passes(client, regions):
    response = client.get("/institutions/options/?region=110101&note=a%09b%0Ac")

    assert response.status_code == 200


def test_other_bad_requests_get_the_platforms_400_page_too(plain_client, db):
    response = plain_client.get(reverse("accounts:login"), HTTP_HOST="evil.example")

    assert response.status_code == 400
    assert "请求无法处理" in response.content.decode()
