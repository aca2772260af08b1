import pytest

from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page, live_server, client, user):
    client.force_login(user)
    cookie = client.cookies["sessionid"]
    page.context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])


def test_password_meter_says_weak_medium_strong(live_server, browser, client, screenshot_dir):
    user = UserFactory(username="meter")
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    _sign_in(page, live_server, client, user)
    page.goto(live_server.url + "/accounts/profile/password/")
    new_password = page.locator("input[name=new_password1]")

    shown = {}
    for value in ("12345678", "abcdefgh1", "Abcdefgh1!x"):
        new_password.fill(value)
        shown[value] = page.locator(".password-meter-label").inner_text()

    assert shown == {
        "12345678": "密码强度：弱",
        "abcdefgh1": "密码强度：中",
        "Abcdefgh1!x": "密码强度：强",
    }
    page.locator("input[name=old_password]").fill(PASSWORD)
    page.locator("input[name=new_password2]").fill("Abcdefgh1!x")
    page.screenshot(path=screenshot_dir / "password-meter.png", full_page=True)
