"""Issue 18 item 10: the small things every page shares — the icon, one word for 退出, the
admin's model names in Chinese."""

from django.templatetags.static import static
from django.urls import reverse


def test_favicon_ico_is_the_platforms_icon(client, db):
    response = client.get("/favicon.ico")

    assert response.status_code == 301
    assert response.url == static("img/favicon.svg")


def test_the_admin_says_tuichu_like_the_site(client, auditor):
    client.force_login(auditor)

    page = client.get(reverse("admin:index")).text

    assert "退出" in page
    assert "注销" not in page


def test_the_admin_names_totp_devices_in_chinese(client, auditor):
    client.force_login(auditor)

    page = client.get(reverse("admin:index")).text

    assert "TOTP device" not in page
    assert "动态口令设备" in page
